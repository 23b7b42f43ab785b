"""Bulk remark and room-topic changes: plan → review → apply (slow, background, resumable) → verify
against the server → undo. See docs/bulk.md.

The session imports nothing of this package (bulk → session): the helpers are functions of a session.

Example (a session logged in to the simulator; its phone confirms by itself):
    >>> import tempfile
    >>> from wxnb.session import Session
    >>> from wxnb.sim.simulator import Simulator
    >>> with Simulator(scenario="tiny", hold=0.2, auto_confirm=0.05) as sim:
    ...     with Session(sim.base_url, data_dir=tempfile.mkdtemp()).start() as session:
    ...         _ = session.wait_ready(10)
    ...         plan = plan_remarks(session, lambda row: "ACME - " + row.nickname[:9])
    ...         result = plan.apply(pace=0.01, jitter=0).wait(30)
    ...         result.counts["verified"] == plan.counts["change"] > 0
    True
"""

from __future__ import annotations

from wxnb.bulk.errors import BulkBusy, BulkError, PlanInputError
from wxnb.bulk.journal import Journal, journal_path
from wxnb.bulk.limits import REMARK_MAX_CHARS, TOPIC_MAX_CHARS
from wxnb.bulk.plan import Plan, Row, plan_remarks, plan_topics
from wxnb.bulk.result import BulkResult
from wxnb.bulk.run import BulkRun, Progress, text_progress

__all__ = [
    "REMARK_MAX_CHARS",
    "TOPIC_MAX_CHARS",
    "BulkBusy",
    "BulkError",
    "BulkResult",
    "BulkRun",
    "Journal",
    "Plan",
    "PlanInputError",
    "Progress",
    "Row",
    "journal_path",
    "plan_remarks",
    "plan_topics",
    "text_progress",
]
