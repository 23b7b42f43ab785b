"""A new login's webwxsync carrying an OLD login's SyncKey: honoured (the default) or refused.

What the real server does is unknown, so the simulator offers both (``World(old_keys=...)``,
``Simulator(old_keys=...)``, ``POST /_sim/old_keys``); docs/simulator.md explains the refusal reply.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.sim.conftest import ANN, make_spec
from tests.sim.helpers import WebClient
from wxnb.sim.simulator import Simulator


def _msg_ids(reply: dict[str, Any]) -> list[str]:
    return [m["MsgId"] for m in reply["AddMsgList"]]


def _relogin_after_a_gap(sim: Simulator) -> tuple[WebClient, dict[str, Any], list[str], str]:
    """Login A reads m1 and is logged out; m2, m3 arrive; login B inits; m4 arrives.

    Returns B, A's last SyncKey, the MsgIds of m2 and m3, and m4's."""
    a = WebClient(sim.base_url)
    a.login(sim)
    a.init(notify=False)
    m1 = sim.phone.send(("friend", ANN), "m1")
    assert m1 in [m["MsgId"] for m in a.drain()]
    old_key = a.sync_key
    sim.phone.logout()
    gap = [sim.phone.send(("friend", ANN), "m2"), sim.phone.send(("friend", ANN), "m3")]
    b = WebClient(sim.base_url)
    b.login(sim)
    b.init(notify=False)
    m4 = sim.phone.send(("friend", ANN), "m4")
    a.close()
    return b, old_key, gap, m4


def test_an_old_key_is_honoured_by_default_and_delivers_what_arrived_since(sim: Simulator) -> None:
    assert sim.world.old_keys == "honour"
    b, old_key, gap, m4 = _relogin_after_a_gap(sim)
    reply = b.sync(old_key)
    assert reply["BaseResponse"]["Ret"] == 0
    assert _msg_ids(reply) == [*gap, m4]
    b.close()


def test_a_refused_old_key_gets_1200_with_an_empty_skeleton_and_the_login_lives_on() -> None:
    with Simulator(make_spec(), hold=0.3, old_keys="refuse") as sim:
        b, old_key, gap, m4 = _relogin_after_a_gap(sim)
        refused = b.sync(old_key, advance=False)
        assert refused["BaseResponse"]["Ret"] == 1200
        assert refused["AddMsgList"] == [] and refused["SyncKey"] == {"Count": 0, "List": []}
        # the login is intact: its own key (from webwxinit) delivers what came after it, not the gap
        reply = b.sync()
        assert reply["BaseResponse"]["Ret"] == 0
        assert _msg_ids(reply) == [m4]
        assert not set(gap) & set(_msg_ids(reply))
        # synccheck with the old key does not log the client out either
        assert b.synccheck(old_key)[0] == "0"
        assert sim.errors == []
        b.close()


def test_refusal_is_only_for_old_logins_a_stale_key_of_this_login_is_still_answered() -> None:
    with Simulator(make_spec(), hold=0.3, old_keys="refuse") as sim:
        web = WebClient(sim.base_url)
        web.login(sim)
        web.init(notify=False)
        key = web.sync_key
        sent = sim.phone.send(("friend", ANN), "again")
        assert _msg_ids(web.sync(key)) == [sent]
        assert _msg_ids(web.sync(key, advance=False)) == [sent]  # a stale key: the same batch again
        web.close()


@pytest.mark.parametrize("mode", ["refuse", "honour"])
def test_the_control_call_switches_the_behaviour(sim: Simulator, mode: str) -> None:
    reply = requests.post(f"{sim.base_url}/_sim/old_keys", json={"mode": mode}, timeout=10)
    assert reply.json() == {"mode": mode}
    assert requests.get(f"{sim.base_url}/_sim/state", timeout=10).json()["old_keys"] == mode
    b, old_key, _gap, _m4 = _relogin_after_a_gap(sim)
    reply_ret = b.sync(old_key, advance=False)["BaseResponse"]["Ret"]
    assert reply_ret == (1200 if mode == "refuse" else 0)
    b.close()


def test_an_unknown_mode_is_refused_with_what_to_send(sim: Simulator) -> None:
    reply = requests.post(f"{sim.base_url}/_sim/old_keys", json={"mode": "maybe"}, timeout=10)
    assert reply.status_code == 400
    assert "'honour' or 'refuse'" in reply.json()["error"]
    with pytest.raises(ValueError, match="honour"):
        Simulator(make_spec(), old_keys="maybe")
