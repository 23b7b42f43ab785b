"""No secret of the session in any log record (DEBUG, every logger), any repr or str of the client, its
credentials or its results, or the text of any error raised while faults are injected."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.protocol.conftest import log_in, new_client
from tests.protocol.test_sync import drain
from tests.sim.conftest import ANN, BIG_ROOM, MING2, SAVED_ROOM, TOM
from wxnb.protocol.client import WebClient
from wxnb.protocol.errors import WxError
from wxnb.sim.simulator import Simulator

NOT_SECRET_COOKIES = {"mm_lang", "wxloadtime"}  # a language code and a timestamp


def _shown(thing: object) -> str:
    """Everything a user could see of ``thing``: its repr and str (and, for errors, their parts)."""
    parts = [repr(thing), str(thing)]
    if isinstance(thing, BaseException):
        parts += [repr(a) for a in thing.args]
        parts += [repr(v) for v in vars(thing).values()]
        if thing.__cause__ is not None or not thing.__suppress_context__:
            parts.append(repr(thing.__cause__ or thing.__context__))
    return "\n".join(parts)


def test_the_whole_walk_shows_no_secret(sim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    shown: list[object] = []  # results, clients, credentials: everything whose repr a user may see
    errors: list[WxError] = []

    def expect_error(call: Callable[[], Any]) -> None:
        try:
            call()
        except WxError as exc:
            errors.append(exc)
        else:
            raise AssertionError("the fault did not raise")

    caplog.set_level(logging.DEBUG)  # every logger: ours, urllib3's, the simulator's
    client = new_client(sim)
    shown.append(client)
    uuid = client.jslogin()
    sim.phone.scan(uuid)
    shown.append(client.poll_login(uuid))
    sim.phone.confirm(uuid)
    poll = client.poll_login(uuid, tip=0)
    shown.append(poll)
    creds = client.new_login_page(poll.redirect_uri)
    init = client.init()
    shown += [creds, init, client, client.credentials]
    shown.append(client.status_notify())
    contacts = client.get_contacts()
    rooms = client.batch_get_contacts([c.user_name for c in contacts if c.is_room])
    shown += [contacts, rooms]
    ann, tom, ming2 = (sim.world.user_name(("friend", p)) for p in (ANN, TOM, MING2))
    family, big = sim.world.user_name(("room", SAVED_ROOM)), sim.world.user_name(("room", BIG_ROOM))
    picture = sim.phone.send(("friend", ANN), kind="image")
    sim.phone.send(("room", SAVED_ROOM), "hello", sender=ANN)
    shown.append(client.sync_check(init.sync_key))
    messages, key, replies = drain(client, init.sync_key)
    shown += [messages, replies]
    sent = client.send_text(ann, "hi")
    shown += [sent, client.revoke(ann, sent.msg_id, sent.local_id)]
    client.set_remark(ann, "Ann")
    client.set_pinned(tom, True, remark="")
    shown.append(client.update_room(family, "modtopic", topic="new"))
    shown.append(client.update_room(big, "invitemember", members=[ming2]))
    shown.append(client.create_room([ann, tom], "room"))
    client.get_head_image(contacts[0].head_img_url)
    client.get_message_image(picture)
    shown.append(client.push_login())

    # faults: each error's text is checked below
    faults = sim.faults
    for kind in ("reset", "http_500", "http_502", "truncate"):
        faults.add(kind, endpoint="synccheck")
        expect_error(lambda: client.sync_check(key))
        faults.clear()
    faults.add("malformed", endpoint="webwxsync")
    expect_error(lambda: client.sync(key))
    faults.clear()
    for kind in ("reset", "truncate", "malformed"):
        faults.add(kind, endpoint="webwxsendmsg")
        expect_error(lambda: client.send_text(ann, "maybe"))
        faults.clear()
    faults.set_budget("send", 0)
    expect_error(lambda: client.send_text(ann, "too many"))
    faults.clear()
    expect_error(lambda: client.get_message_image(sent.msg_id))  # 404
    faults.once("logout", endpoint="webwxsync", code=1102)
    expect_error(lambda: client.sync(key))

    # a second login ends the first session: its requests get 1101
    second = new_client(sim)
    log_in(second, sim)
    second.init()
    shown += [second, second.credentials]
    expect_error(lambda: client.sync_check(key))
    before_logout = second.credentials
    assert before_logout is not None
    second.logout()
    expect_error(lambda: WebClient.resume(before_logout).get_contacts())
    client.close()
    second.close()

    # The secrets: everything in the credentials and cookies, the login ticket, both sessions' values.
    secrets: set[str] = set()
    for saved in (client.credentials, before_logout):
        assert saved is not None
        secrets |= {saved.skey, saved.sid, str(saved.uin), saved.pass_ticket, unquote(saved.pass_ticket)}
        secrets |= {v for k, v in saved.cookies.items() if k not in NOT_SECRET_COOKIES}
    for session in sim.world.sessions:
        c = session.creds
        secrets |= {c.skey, c.sid, c.pass_ticket, c.pass_ticket_encoded, c.data_ticket, c.auth_ticket, c.uvid}
    secrets.add(parse_qs(urlsplit(poll.redirect_uri).query)["ticket"][0])
    secrets.discard("")
    assert len(secrets) >= 15

    records = [r.getMessage() for r in caplog.records]
    assert any(r.startswith("GET synccheck ") for r in records)  # our DEBUG line per request
    assert any("urllib3" in r.name for r in caplog.records)  # urllib3's request lines were captured too
    texts = {
        "log records": "\n".join(records),
        "reprs": "\n".join(_shown(thing) for thing in shown),
        "errors": "\n".join(_shown(err) for err in errors),
    }
    assert len(errors) == 13
    for where, text in texts.items():
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, f"{len(leaked)} secret value(s) appear in the {where}"
