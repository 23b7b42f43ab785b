"""Plans: which remark or room topic changes to what, checked before anything is sent.

:func:`plan_remarks` and :func:`plan_topics` read the session's tables (nothing goes to the server)
and return a :class:`Plan`: one row per target, with the action the run would take:

==============  ======================================================================================
change          will be written (the new value differs and passes every check)
unchanged       the new value is the current one: nothing to do
not_found       no contact (room) has that key, UserName or name
ambiguous       several have that name (``reason`` lists them with their keys: use a key)
invalid         the new value would be refused (too long, a control character, an empty topic), or
                the same target is listed twice
not_allowed     not a friend (remarks: oneself, official accounts, room members who are not friends),
                not a room, a room the account left, or not seen in this login
==============  ======================================================================================

``changes`` may be a mapping ``{target: new}``, a DataFrame (a target column ``key``, ``user_name``
or ``name`` — the first present — and a new-value column ``new``, or ``remark`` / ``topic``), or a
function of a row of ``session.friends`` / ``session.rooms`` returning the new value. A target is a
key, a UserName, or a name (remark, nickname or display name, exactly). ``None`` as a new value skips
the target.

Example (a session logged in to the simulator; its phone confirms by itself)::

    plan = wxnb.bulk.plan_remarks(session, lambda row: f"ACME - {row.nickname}"[:16])
    plan                      # in a notebook: the diff, counts per action
    plan.df                   # the data
    run = plan.apply(pace=15) # in the background: see wxnb.bulk.run
"""

from __future__ import annotations

import html
import math
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal

import pandas as pd

from wxnb.bulk.errors import PlanInputError
from wxnb.bulk.limits import Kind, problem

if TYPE_CHECKING:
    from wxnb.bulk.run import BulkRun
    from wxnb.session import Session

__all__ = ["ACTIONS", "COLUMNS", "Action", "Plan", "Row", "plan_remarks", "plan_topics"]

Action = Literal["change", "unchanged", "not_found", "ambiguous", "invalid", "not_allowed"]
ACTIONS: Final[tuple[Action, ...]] = (
    "change",
    "unchanged",
    "not_found",
    "ambiguous",
    "invalid",
    "not_allowed",
)
COLUMNS: Final = ("key", "user_name", "name", "current", "new", "action", "reason")
_TARGET_COLUMNS: Final = ("key", "user_name", "name")
_NAME_COLUMNS: Final = ("remark", "nickname", "display_name")
_SHOWN: Final = 200  # rows drawn in a notebook; plan.df has them all


class Row(dict[str, Any]):
    """A row of ``session.friends`` / ``session.rooms`` as a function of :func:`plan_remarks` gets it:
    ``row.nickname`` and ``row["nickname"]`` both work (a plain dict is ~50 times cheaper than a Series).
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


class Plan:
    """A checked plan of remark or topic changes (see the module). Immutable; :meth:`apply` runs it."""

    def __init__(self, session: Session, kind: Kind, frame: pd.DataFrame) -> None:
        self.session = session
        self.kind: Kind = kind
        self._frame = frame

    @property
    def df(self) -> pd.DataFrame:
        """One row per target: key, user_name, name, current, new, action, reason (a copy)."""
        return self._frame.copy()

    @property
    def counts(self) -> dict[str, int]:
        """Rows per action, every action listed (0 when none). Example: ``plan.counts["change"]``"""
        found = Counter(self._frame["action"].tolist())
        return {action: int(found.get(action, 0)) for action in ACTIONS}

    @property
    def changes(self) -> pd.DataFrame:
        """The rows that :meth:`apply` writes (action "change")."""
        return self._frame[self._frame["action"] == "change"].reset_index(drop=True)

    def apply(
        self,
        *,
        pace: float = 15.0,
        jitter: float = 0.2,
        verify_timeout: float = 120.0,
        background: bool = True,
        on_progress: Callable[[Any], object] | None = None,
        max_rate_limits: int = 8,
        seed: int | None = None,
    ) -> BulkRun:
        """Write the "change" rows, one every ``pace`` seconds or slower, and verify each against the
        server; returns a :class:`~wxnb.bulk.run.BulkRun` (``.wait()`` for the result). See
        :mod:`wxnb.bulk.run` for the pace, 1205, stopping, resuming and verification rules.

        Example: ``run = plan.apply(pace=20); run.wait().df``
        """
        from wxnb.bulk.run import BulkRun  # run imports this module

        run = BulkRun(
            self,
            pace=pace,
            jitter=jitter,
            verify_timeout=verify_timeout,
            on_progress=on_progress,
            max_rate_limits=max_rate_limits,
            seed=seed,
        )
        run.start()
        if not background:
            run.wait()
        return run

    # -- display -------------------------------------------------------------------------------------

    def summary(self) -> str:
        """One line: what the plan does, counts per action."""
        counts = ", ".join(f"{n} {a}" for a, n in self.counts.items() if n)
        return f"{self.kind} plan: {counts or 'empty'}"

    def __repr__(self) -> str:
        lines = [self.summary()]
        for row in self._frame.head(20).itertuples(index=False):
            lines.append(_text_row(row))
        if len(self._frame) > 20:
            lines.append(f"... {len(self._frame) - 20} more rows: see plan.df")
        if self.kind == "topic" and self.counts["change"]:
            lines.append(_TOPIC_WARNING)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        counts = " · ".join(f"<b>{n}</b> {esc(a)}" for a, n in self.counts.items() if n) or "empty"
        parts = [f"<div class='wxnb-plan'><div>{esc(self.kind)} plan: {counts}</div>"]
        if self.kind == "topic" and self.counts["change"]:
            parts.append(f"<div style='color:#b45309'>⚠ {esc(_TOPIC_WARNING)}</div>")
        parts.append("<table><tr><th>action</th><th>name</th><th>current → new</th><th>reason</th></tr>")
        for row in self._frame.head(_SHOWN).itertuples(index=False):
            arrow = f"{esc(_text(row.current))} → <b>{esc(_text(row.new))}</b>"
            parts.append(
                f"<tr><td>{esc(str(row.action))}</td><td>{esc(_text(row.name))}</td>"
                f"<td>{arrow}</td><td>{esc(_text(row.reason))}</td></tr>"
            )
        parts.append("</table>")
        if len(self._frame) > _SHOWN:
            parts.append(f"<div>… {len(self._frame) - _SHOWN} more rows: see plan.df</div>")
        parts.append("</div>")
        return "".join(parts)


_TOPIC_WARNING: Final = "the members of each renamed room will see a notice of the rename (你修改群名为“…”)"


def _text_row(row: Any) -> str:
    change = f"{_text(row.current)!r} → {_text(row.new)!r}"
    reason = f" ({row.reason})" if row.reason else ""
    return f"  {row.action:<11} {_text(row.name)}: {change}{reason}"


# -- planning ------------------------------------------------------------------------------------------


def plan_remarks(session: Session, changes: object) -> Plan:
    """Plan remark changes for friends (see the module for the forms of ``changes``). Reads the
    session's tables only. Example: ``wxnb.bulk.plan_remarks(session, {"Annie": "Annie (ACME)"})``"""
    return _Planner(session, "remark").plan(changes)


def plan_topics(session: Session, changes: object) -> Plan:
    """Plan room renames (see the module). Each renamed room's members see a notice of it.
    Example: ``wxnb.bulk.plan_topics(session, {"Family": "Family 2026"})``"""
    return _Planner(session, "topic").plan(changes)


class _Planner:
    """Plans over the session's contacts, read once as plain lists (by position): fast enough for
    10,000 rows in well under a second."""

    def __init__(self, session: Session, kind: Kind) -> None:
        self.session = session
        self.kind = kind
        contacts = session.contacts
        self.columns = [str(c) for c in contacts.columns]
        self.data: dict[str, list[Any]] = {c: contacts[c].tolist() for c in self.columns}
        self.data["kind"] = [str(k) for k in self.data["kind"]]
        me = session.me
        self.me = me.user_name if me is not None else ""
        self._index: dict[str, dict[str, list[int]]] | None = None
        self._rooms_with_me: tuple[set[str], set[str]] | None = None

    def plan(self, changes: object) -> Plan:
        out: list[tuple[Any, ...]] = []
        if callable(changes) and not isinstance(changes, pd.DataFrame):
            self._from_function(changes, out)
        elif isinstance(changes, pd.DataFrame):
            self._from_pairs(self._frame_pairs(changes), out)
        elif isinstance(changes, Mapping):
            self._from_pairs(changes.items(), out)
        else:
            raise PlanInputError(
                f"plan_{self.kind}s takes a mapping {{target: new}}, a DataFrame (a key/user_name/name "
                f"column and a 'new' column) or a function of a row, not {type(changes).__name__}"
            )
        self._mark_duplicates(out)
        frame = pd.DataFrame(out, columns=list(COLUMNS))
        for column in ("key", "user_name", "name", "current", "new", "reason"):
            frame[column] = frame[column].astype("string")
        frame["action"] = pd.Categorical(frame["action"], categories=list(ACTIONS))
        return Plan(self.session, self.kind, frame)

    def _frame_pairs(self, frame: pd.DataFrame) -> list[tuple[object, object]]:
        target = next((c for c in _TARGET_COLUMNS if c in frame.columns), None)
        value = next((c for c in ("new", self.kind) if c in frame.columns), None)
        if target is None or value is None:
            raise PlanInputError(
                f"the DataFrame needs a target column (one of {', '.join(_TARGET_COLUMNS)}) and a new-value "
                f"column ('new' or {self.kind!r}); it has {', '.join(map(str, frame.columns))}"
            )
        values = [None if _missing(v) else v for v in frame[value].tolist()]
        return list(zip(frame[target].tolist(), values, strict=True))

    def _from_function(self, function: Callable[[Row], object], out: list[tuple[Any, ...]]) -> None:
        """``function`` of each friend (remarks) or room (topics), as a :class:`Row`."""
        wanted = "friend" if self.kind == "remark" else "room"
        columns, data = self.columns, [self.data[c] for c in self.columns]
        kinds = self.data["kind"]
        for position, values in enumerate(zip(*data, strict=True)):
            if kinds[position] != wanted:
                continue
            row = Row(zip(columns, values, strict=True))
            try:
                new = function(row)
            except Exception as exc:
                raise PlanInputError(
                    f"the function raised on {row.get('display_name')!r} ({row.get('key')}): "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            if new is not None:
                out.append(self._check(position, new))

    def _from_pairs(self, pairs: Any, out: list[tuple[Any, ...]]) -> None:
        for target, new in pairs:
            if new is None:
                continue
            if not isinstance(target, str) or not target:
                out.append((None, None, _text(target) or repr(target), None, _shown(new), "not_found",
                            "a target is a key, a UserName or a name (a non-empty str)"))  # fmt: skip
                continue
            hits = self._resolve(target)
            if len(hits) == 1:
                out.append(self._check(hits[0], new))
            elif hits:
                d = self.data
                candidates = "; ".join(
                    f"{_text(d['key'][i])} ({_text(d['display_name'][i])}, {d['kind'][i]})" for i in hits[:10]
                )
                out.append((None, None, target, None, _shown(new), "ambiguous",
                            f"{len(hits)} match, use a key: {candidates}"))  # fmt: skip
            else:
                out.append((None, None, target, None, _shown(new), *self._not_found(target)))

    def _not_found(self, target: str) -> tuple[Action, str]:
        if self.kind == "remark" and target == self.me:
            return "not_allowed", "oneself: remarks are for friends"
        if self.kind == "remark":
            members = self.session.members
            for column in ("key", "user_name", "display_name", "nickname"):
                if (members[column] == target).fillna(False).any():
                    return "not_allowed", "a room member who is not a friend: remarks are for friends"
        what = "contact" if self.kind == "remark" else "room"
        return "not_found", f"no {what} has this key, UserName or name"

    def _resolve(self, target: str) -> list[int]:
        index = self._index
        if index is None:
            index = self._index = self._build_index()
        for column in ("key", "user_name"):
            hits = index[column].get(target)
            if hits:
                return hits
        return index["name"].get(target, [])

    def _build_index(self) -> dict[str, dict[str, list[int]]]:
        index: dict[str, dict[str, list[int]]] = {"key": {}, "user_name": {}, "name": {}}
        for column in ("key", "user_name"):
            for position, value in enumerate(self.data[column]):
                if isinstance(value, str) and value:
                    index[column].setdefault(value, []).append(position)
        names = index["name"]
        for position, values in enumerate(zip(*(self.data[c] for c in _NAME_COLUMNS), strict=True)):
            for value in set(values):
                if isinstance(value, str) and value:
                    names.setdefault(value, []).append(position)
        return index

    def _check(self, position: int, new: object) -> tuple[Any, ...]:
        d = self.data
        key, user_name, kind = d["key"][position], d["user_name"][position], d["kind"][position]
        name = _text(d["nickname"][position])
        current = _text(d["remark"][position]) if self.kind == "remark" else name
        head = (key, user_name if isinstance(user_name, str) else None, name, current, _shown(new))
        refusal = self._refusal(kind, user_name)
        if refusal is not None:
            return (*head, "not_allowed", refusal)
        bad = problem(self.kind, new)
        if bad is not None:
            return (*head, "invalid", bad)
        if new == current:
            return (*head, "unchanged", "")
        return (*head, "change", "")

    def _refusal(self, kind: str, user_name: object) -> str | None:
        if self.kind == "remark":
            if user_name == self.me:
                return "oneself: remarks are for friends"
            if kind != "friend":
                what = {"room": "a room (rename it with plan_topics)", "mp": "an official account",
                        "special": "a special account (filehelper...)"}.get(kind, "not a friend")  # fmt: skip
                return f"{what}: remarks are for friends"
        elif kind != "room":
            return "not a room: topics are room names (remarks are for friends)"
        if not isinstance(user_name, str) or not user_name:
            return "not in this login's contacts (removed, or the account left the room)"
        if self.kind == "topic" and not self._is_member(user_name):
            return "the account is not in this room any more (it left)"
        return None

    def _is_member(self, room: str) -> bool:
        if self._rooms_with_me is None:
            members = self.session.members
            known = set(members["room_user_name"].dropna().tolist())
            mine = set(
                members.loc[(members["user_name"] == self.me).fillna(False), "room_user_name"].dropna()
            )
            self._rooms_with_me = (known, mine)
        known, mine = self._rooms_with_me
        # Members not known yet: the server decides (an unknown room fails the write, and says so).
        return room not in known or room in mine

    @staticmethod
    def _mark_duplicates(out: list[tuple[Any, ...]]) -> None:
        first: dict[str, int] = {}
        for position, row in enumerate(out):
            key = row[0]
            if not isinstance(key, str):
                continue
            if key in first:
                reason = "listed more than once: give each target one new value"
                earlier = out[first[key]]
                if earlier[5] not in ("not_allowed",):
                    out[first[key]] = (*earlier[:5], "invalid", reason)
                if row[5] not in ("not_allowed",):
                    out[position] = (*row[:5], "invalid", reason)
            else:
                first[key] = position


def _shown(value: object) -> str | None:
    return value if isinstance(value, str) else None if value is None else repr(value)


def _missing(value: object) -> bool:
    """None, NaN or pd.NA (an empty cell of a DataFrame): the row is skipped."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
