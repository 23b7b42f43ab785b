"""What a run did: every row's end (verified / unverified / failed / skipped), and the way back.

Example::

    result = run.wait()
    result.counts                  # {'verified': 298, 'unverified': 2, 'failed': 0, 'skipped': 0, ...}
    result.df[result.df.state == "unverified"]
    result.undo_plan()             # new → old for what was verified; .apply() it to go back
"""

from __future__ import annotations

import html
from collections import Counter
from typing import TYPE_CHECKING, Any, Final, Literal

import pandas as pd

if TYPE_CHECKING:
    from wxnb.bulk.plan import Plan

__all__ = ["STATES", "BulkResult", "RowState"]

RowState = Literal["pending", "verified", "unverified", "failed", "skipped"]
STATES: Final[tuple[RowState, ...]] = ("verified", "unverified", "failed", "skipped", "pending")
_COLUMNS: Final = ("key", "user_name", "name", "old", "new", "state", "reason")


class BulkResult:
    """The rows of a run: the plan's "change" rows with their end, then the plan's other rows
    (``skipped``, with the plan's reason)."""

    def __init__(self, plan: Plan, rows: list[dict[str, Any]], *, stop_reason: str = "") -> None:
        self.plan = plan
        self.stop_reason = stop_reason
        others = plan.df[plan.df["action"] != "change"]
        for row in others.itertuples(index=False):
            reason = f"{row.action}: {_s(row.reason)}".rstrip(": ")
            rows.append({"key": row.key, "user_name": row.user_name, "name": row.name, "old": row.current,
                         "new": row.new, "state": "skipped", "reason": reason})  # fmt: skip
        frame = pd.DataFrame(rows, columns=list(_COLUMNS))
        for column in ("key", "user_name", "name", "old", "new", "reason"):
            frame[column] = frame[column].astype("string")
        frame["state"] = pd.Categorical(frame["state"], categories=list(STATES))
        self._frame = frame

    @property
    def df(self) -> pd.DataFrame:
        """key, user_name, name, old, new, state (verified/unverified/failed/skipped/pending), reason."""
        return self._frame.copy()

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(self._frame["state"].tolist())
        return {state: int(found.get(state, 0)) for state in STATES}

    def undo_plan(self) -> Plan:
        """A plan that puts back the old value of every verified row (checked against the tables now).

        Example: ``result.undo_plan().apply(pace=20)``
        """
        from wxnb.bulk.plan import plan_remarks, plan_topics

        done = self._frame[self._frame["state"] == "verified"]
        changes = {
            str(k): ("" if pd.isna(old) else str(old))
            for k, old in zip(done["key"], done["old"], strict=True)
        }
        planner = plan_remarks if self.plan.kind == "remark" else plan_topics
        return planner(self.plan.session, changes)

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in self.counts.items() if n)
        why = f" (stopped: {self.stop_reason})" if self.stop_reason else ""
        return f"<wxnb.bulk.BulkResult {self.plan.kind}: {counts or 'empty'}{why}>"

    def _repr_html_(self) -> str:
        esc = html.escape
        counts = " · ".join(f"<b>{n}</b> {esc(s)}" for s, n in self.counts.items() if n) or "empty"
        why = f"<div>stopped: {esc(self.stop_reason)}</div>" if self.stop_reason else ""
        rows = "".join(
            f"<tr><td>{esc(str(r.state))}</td><td>{esc(_s(r.name))}</td>"
            f"<td>{esc(_s(r.old))} → {esc(_s(r.new))}</td><td>{esc(_s(r.reason))}</td></tr>"
            for r in self._frame[self._frame["state"] != "verified"].head(200).itertuples(index=False)
        )
        return (
            f"<div class='wxnb-bulk-result'><div>{esc(self.plan.kind)} run: {counts}</div>{why}"
            "<table><tr><th>state</th><th>name</th><th>old → new</th><th>reason</th></tr>"
            f"{rows}</table></div>"
        )


def _s(value: object) -> str:
    return value if isinstance(value, str) else ""
