"""The errors of :mod:`wxnb.bulk`; all derive from :class:`wxnb.errors.Error`."""

from __future__ import annotations

from wxnb.errors import Error

__all__ = ["BulkBusy", "BulkError", "PlanInputError"]


class BulkError(Error):
    """Something in a bulk change went wrong (see the subclasses)."""


class PlanInputError(BulkError, ValueError):
    """The changes given to :func:`~wxnb.bulk.plan_remarks` / :func:`~wxnb.bulk.plan_topics` have a shape
    the planner cannot read; the message says which shapes it takes."""


class BulkBusy(BulkError, RuntimeError):
    """Another bulk run of the same account is still going: wait for it, or cancel it, first."""
