"""The JSON control API under ``/_sim/``: drive the phone, read the world, set faults, move the clock.

For tests written in other languages, demos and curl. Requests are JSON bodies (POST) or query
parameters (GET); replies are JSON; mistakes get HTTP 400 ``{"error": "..."}`` that says what to do.
Faults never apply here. See ``docs/simulator.md`` for the full list.

Example (from a shell, with a simulator on port 8000)::

    curl -s -X POST localhost:8000/_sim/confirm
    curl -s -X POST localhost:8000/_sim/message -d '{"chat": "friend:1", "text": "hi"}'
    curl -s 'localhost:8000/_sim/outbox?since=0'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from wxnb.sim.clock import Clock
from wxnb.sim.faults import Faults
from wxnb.sim.http import Request, Response
from wxnb.sim.phone import Phone
from wxnb.sim.strict import MAX_INT64, parse_digits
from wxnb.sim.webapi import login_pending
from wxnb.sim.world import World, WorldError

__all__ = ["ControlApi"]

_JSON = "application/json"


class _Bad(Exception):
    """A control request that cannot be carried out; becomes HTTP 400 with the message."""


def _ok(value: Any) -> Response:
    return Response(200, orjson.dumps(value), _JSON)


def _field(body: dict[str, Any], name: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
    if name not in body:
        if default is ...:
            raise _Bad(f"missing field {name!r}")
        return default
    value = body[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _Bad(f"field {name!r} has the wrong type: {value!r}")
    return value


class ControlApi:
    """The ``/_sim/`` request handler. ``traffic(rate, count)`` starts the traffic runner, if given."""

    def __init__(
        self,
        world: World,
        phone: Phone,
        faults: Faults,
        clock: Clock,
        traffic: Callable[[float, int | None], dict[str, Any]] | None = None,
    ) -> None:
        self.world = world
        self.phone = phone
        self.faults = faults
        self.clock = clock
        self.traffic = traffic
        self._get: dict[str, Callable[[dict[str, str]], Any]] = {
            "": self._index,
            "state": self._state,
            "logins": lambda q: [login_pending(x) for x in self.phone.pending_logins()],
            "outbox": self._outbox,
            "remarks": lambda q: {str(k): v for k, v in self.world.remarks().items()},
            "topics": lambda q: {str(k): v for k, v in self.world.topics().items()},
            "members": self._members,
            "read_marks": lambda q: self.world.read_marks_view(),
            "pinned": lambda q: [f"{k}:{i}" for k, i in self.world.pinned()],
            "contacts": self._contacts,
            "rooms": self._rooms,
            "faults": self._faults,
        }
        self._post: dict[str, Callable[[dict[str, Any]], Any]] = {
            "scan": lambda b: {"uuid": self.phone.scan(_field(b, "uuid", str, None))},
            "confirm": lambda b: {"uuid": self.phone.confirm(_field(b, "uuid", str, None))},
            "cancel": lambda b: {"uuid": self.phone.cancel(_field(b, "uuid", str, None))},
            "expire": lambda b: {"uuid": self.phone.expire(_field(b, "uuid", str, None))},
            "approve_push": lambda b: {"uuid": self.phone.approve_push(_field(b, "uuid", str, None))},
            "logout": self._logout,
            "auto_confirm": self._auto_confirm,
            "message": self._message,
            "owner_message": self._owner_message,
            "revoke": lambda b: {"msg_id": self.phone.revoke(_field(b, "msg_id", (str, int)))},
            "open_chat": lambda b: {"msg_id": self.phone.open_chat(_field(b, "chat", (str, list)))},
            "remark": self._remark,
            "nickname": self._nickname,
            "topic": self._topic,
            "members": self._change_members,
            "faults": self._add_fault,
            "faults/clear": self._clear_faults,
            "faults/remove": lambda b: {"removed": self.faults.remove(_field(b, "id", int))},
            "budget": self._budget,
            "writes": self._writes,
            "clock/advance": self._advance,
            "traffic": self._traffic,
            "old_keys": self._old_keys,
        }

    def __call__(self, request: Request) -> Response:
        name = request.path[len("/_sim") :].strip("/")
        try:
            if request.method in ("GET", "HEAD"):
                get = self._get.get(name)
                if get is None:
                    return self._not_found(name)
                return _ok(get(request.query))
            if request.method == "POST":
                post = self._post.get(name)
                if post is None:
                    return self._not_found(name)
                if request.oversized:
                    raise _Bad("request body too large")
                body = request.body.strip()
                try:
                    data = orjson.loads(body) if body else {}
                except orjson.JSONDecodeError as exc:
                    raise _Bad(f"the body is not JSON: {exc}") from None
                if not isinstance(data, dict):
                    raise _Bad("the body must be a JSON object")
                return _ok(post(data))
            return Response(405, orjson.dumps({"error": "use GET or POST"}), _JSON)
        except (_Bad, WorldError, ValueError, TypeError, KeyError, TimeoutError) as exc:
            return Response(400, orjson.dumps({"error": str(exc) or type(exc).__name__}), _JSON)

    def _not_found(self, name: str) -> Response:
        known = sorted({*self._get, *self._post} - {""})
        return Response(
            404, orjson.dumps({"error": f"no control endpoint {name!r}", "endpoints": known}), _JSON
        )

    # ---- reading ------------------------------------------------------------------------------

    def _index(self, query: dict[str, str]) -> dict[str, Any]:
        return {"get": sorted(k for k in self._get if k), "post": sorted(self._post)}

    def _state(self, query: dict[str, str]) -> dict[str, Any]:
        world = self.world
        with world.lock:
            me = world.persons[world.account]
            session = world.current
            return {
                "world": world.name,
                "account": {"pid": world.account, "wxid": me.wxid, "nickname": world.nickname(world.account)},
                "persons": len(world.persons),
                "friends": sum(1 for s in world.friends.values() if s.contact),
                "rooms": len(world.rooms),
                "messages": len(world.log),
                "contact_changes": len(world.contact_log),
                "outbox": len(world.outbox),
                "pending_logins": [login_pending(x) for x in world.pending_logins()],
                "session": None
                if session is None
                else {"number": session.number, "live": session.live, "ended": session.ended},
                "clock_offset": self.clock.offset,
                "old_keys": world.old_keys,
            }

    def _outbox(self, query: dict[str, str]) -> dict[str, Any]:
        since = parse_digits(query.get("since", "0"), "since", 0, MAX_INT64)
        entries = self.world.outbox_since(since)
        return {"entries": [e.as_json() for e in entries], "next": since + len(entries)}

    def _members(self, query: dict[str, str]) -> Any:
        world = self.world
        rid = query.get("rid")
        if rid is not None:
            return world.members(parse_digits(rid, "rid", 0, MAX_INT64))
        with world.lock:
            return {str(r): list(room.members) for r, room in world.rooms.items()}

    def _contacts(self, query: dict[str, str]) -> list[dict[str, Any]]:
        world = self.world
        with world.lock:
            out = []
            for pid, state in world.friends.items():
                if not state.contact:
                    continue
                person = world.persons[pid]
                out.append(
                    {
                        "pid": pid, "wxid": person.wxid, "nickname": world.nickname(pid),
                        "remark": state.remark, "mp": person.is_mp, "pinned": state.pinned,
                        "starred": state.starred, "muted": state.muted,
                    }
                )  # fmt: skip
            return out

    def _rooms(self, query: dict[str, str]) -> list[dict[str, Any]]:
        world = self.world
        with world.lock:
            return [
                {
                    "rid": r.rid, "topic": r.topic, "owner": r.owner, "members": len(r.members),
                    "saved": r.saved, "pinned": r.pinned, "joined": world.account in r.member_set,
                }
                for r in world.rooms.values()
            ]  # fmt: skip

    def _faults(self, query: dict[str, str]) -> dict[str, Any]:
        return {
            "rules": [r.as_json() for r in self.faults.rules()],
            "budgets": self.faults.budgets(),
            "fired": [list(x) for x in self.faults.log[-200:]],
        }

    # ---- acting -------------------------------------------------------------------------------

    def _logout(self, body: dict[str, Any]) -> dict[str, Any]:
        self.phone.logout()
        return {"ok": True}

    def _auto_confirm(self, body: dict[str, Any]) -> dict[str, Any]:
        delay = _field(body, "delay", (int, float, type(None)), None)
        self.phone.auto_confirm(delay)
        return {"delay": delay}

    def _chat(self, body: dict[str, Any]) -> Any:
        chat = _field(body, "chat", (str, list))
        return tuple(chat) if isinstance(chat, list) else chat

    def _message(self, body: dict[str, Any]) -> dict[str, Any]:
        msg_id = self.phone.send(
            self._chat(body),
            _field(body, "text", str, ""),
            sender=_field(body, "sender", (int, type(None)), None),
            kind=_field(body, "kind", str, "text"),
            fields=_field(body, "fields", dict, None),
        )
        return {"msg_id": msg_id}

    def _owner_message(self, body: dict[str, Any]) -> dict[str, Any]:
        msg_id = self.phone.send_as_owner(
            self._chat(body),
            _field(body, "text", str, ""),
            kind=_field(body, "kind", str, "text"),
            fields=_field(body, "fields", dict, None),
        )
        return {"msg_id": msg_id}

    def _remark(self, body: dict[str, Any]) -> dict[str, Any]:
        self.phone.set_remark(_field(body, "pid", int), _field(body, "remark", str))
        return {"ok": True}

    def _nickname(self, body: dict[str, Any]) -> dict[str, Any]:
        self.phone.rename(_field(body, "pid", int), _field(body, "nickname", str))
        return {"ok": True}

    def _topic(self, body: dict[str, Any]) -> dict[str, Any]:
        self.phone.set_topic(
            _field(body, "rid", int), _field(body, "topic", str), _field(body, "by", int, None)
        )
        return {"ok": True}

    def _change_members(self, body: dict[str, Any]) -> dict[str, Any]:
        rid = _field(body, "rid", int)
        by = _field(body, "by", int, None)
        add = _field(body, "add", list, [])
        remove = _field(body, "remove", list, [])
        if not all(isinstance(p, int) for p in add + remove):
            raise _Bad("add and remove must be lists of pids")
        if add:
            self.phone.add_members(rid, add, by)
        if remove:
            self.phone.remove_members(rid, remove, by)
        return {"members": self.world.members(rid)}

    def _add_fault(self, body: dict[str, Any]) -> dict[str, Any]:
        rule = self.faults.add(
            _field(body, "kind", str),
            endpoint=_field(body, "endpoint", (str, type(None)), None),
            rate=_field(body, "rate", (int, float), 1.0),
            times=_field(body, "times", (int, type(None)), None),
            seconds=_field(body, "seconds", (int, float), 0.5),
            code=_field(body, "code", int, 1101),
        )
        return rule.as_json()

    def _clear_faults(self, body: dict[str, Any]) -> dict[str, Any]:
        self.faults.clear()
        return {"ok": True}

    def _budget(self, body: dict[str, Any]) -> dict[str, Any]:
        op = _field(body, "op", str)
        count = _field(body, "count", (int, type(None)), None)
        if count is None:
            self.faults.clear_budget(op)
        else:
            self.faults.set_budget(op, count, _field(body, "per", (int, float), 60.0))
        return self.faults.budgets()

    def _writes(self, body: dict[str, Any]) -> dict[str, Any]:
        # sim.faults.writes over HTTP: a notebook logged in to a shared simulator has no Simulator object.
        op = _field(body, "ignore", (str, type(None)), None)
        if op is not None:
            targets = _field(body, "targets", (list, type(None)), None)
            if targets is not None and not all(isinstance(t, (str, list)) for t in targets):
                raise _Bad('targets must be a list of chat references (a UserName, "friend:3", ["room", 2])')
            refs = (
                None
                if targets is None
                else [self.world.chat_ref(tuple(t) if isinstance(t, list) else t) for t in targets]
            )
            self.faults.writes.ignore(op, refs)  # an unknown op: ValueError there, HTTP 400 here
        lag = _field(body, "lag", (int, float, type(None)), None)
        if lag is not None:
            self.faults.writes.set_lag(lag)
        return {"lag": self.faults.writes.lag}

    def _advance(self, body: dict[str, Any]) -> dict[str, Any]:
        self.clock.advance(_field(body, "seconds", (int, float)))
        return {"offset": self.clock.offset}

    def _old_keys(self, body: dict[str, Any]) -> dict[str, Any]:
        self.world.set_old_keys(_field(body, "mode", str))
        return {"mode": self.world.old_keys}

    def _traffic(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.traffic is None:
            raise _Bad("this simulator has no traffic generator")
        return self.traffic(
            _field(body, "rate", (int, float)), _field(body, "count", (int, type(None)), None)
        )
