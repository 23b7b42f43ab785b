"""Typed errors of the session layer; like the protocol's, each says what to do next.

They derive from :class:`~wxnb.protocol.errors.WxError`, so ``except wxnb.WxError`` catches every
wxnb error; recipient errors are also ``LookupError``, so ``except LookupError`` works for them.

Example:
    >>> err = RecipientNotFound("Bob", [Candidate("p:0123456789ab", "Bobby", "friend", "@b1")])
    >>> print(err)
    no contact is called 'Bob'. What to do: Close names: 'Bobby' (friend, key p:0123456789ab). ...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from wxnb.protocol import RateLimited, WxError

__all__ = [
    "AmbiguousRecipient",
    "Candidate",
    "MessageNotFound",
    "NotReady",
    "OperationPaused",
    "RecipientError",
    "RecipientNotFound",
    "SessionClosed",
    "SessionError",
    "SyncFailed",
    "SyncKeyRefused",
]


class SessionError(WxError):
    """Base of the session's own errors."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A contact a recipient name could mean: its key (stable), display name, kind and UserName."""

    key: str
    name: str
    kind: str
    user_name: str | None

    def __str__(self) -> str:
        return f"{self.name!r} ({self.kind}, key {self.key})"


class RecipientError(SessionError, LookupError):
    """``to`` names no contact, or more than one. ``candidates`` lists the contacts it could mean."""

    def __init__(self, message: str, candidates: Sequence[Candidate], hint: str) -> None:
        self.candidates = tuple(candidates)
        super().__init__(message, hint=hint)


class RecipientNotFound(RecipientError):
    """No contact matches ``to`` (by UserName, key, remark, nickname or display name)."""

    def __init__(self, to: object, candidates: Sequence[Candidate] = (), *, why: str = "") -> None:
        self.to = to
        shown = "; ".join(str(c) for c in candidates[:8])
        hint = (
            f"Close names: {shown}. " if shown else ""
        ) + "Pass a key or UserName from session.contacts (e.g. session.contacts.query(...).iloc[0])"
        super().__init__(why or f"no contact is called {to!r}", candidates, hint)


class AmbiguousRecipient(RecipientError):
    """More than one contact is called ``to``: pick one by key."""

    def __init__(self, to: str, candidates: Sequence[Candidate]) -> None:
        self.to = to
        shown = "; ".join(str(c) for c in candidates[:8])
        more = f" and {len(candidates) - 8} more" if len(candidates) > 8 else ""
        super().__init__(
            f"{len(candidates)} contacts are called {to!r}: {shown}{more}",
            candidates,
            "Pass the key of the one you mean, e.g. session.send('" + candidates[0].key + "', ...)",
        )


class MessageNotFound(SessionError, LookupError):
    """A message id that is not in ``session.messages``."""

    default_hint: ClassVar[str] = "Pass a row of session.messages, a record send() returned, or its msg_id"

    def __init__(self, msg_id: str) -> None:
        self.msg_id = msg_id
        super().__init__(f"no message with msg_id {msg_id!r} in this session")


class NotReady(SessionError):
    """An action before the login finished."""

    default_hint: ClassVar[str] = "Wait for the login first: session.wait_ready()"


class SessionClosed(SessionError):
    """An action on a session that is closed, logged out or failed (``status`` says which and why)."""

    default_hint: ClassVar[str] = "Log in again with wxnb.login() (saved credentials are reused if valid)"


class SyncFailed(SessionError):
    """The session thread stopped on an error; ``__cause__`` is the original exception.

    Raised to whoever waits on the session (:meth:`Session.wait_ready`, :meth:`Session.wait_for`).
    """

    default_hint: ClassVar[str] = (
        "Look at session.status.last_error and the log; log in again with wxnb.login(). If it repeats, "
        "report it (secrets are already removed from the message)"
    )


class SyncKeyRefused(SessionError):
    """After a new login, the server refused the SyncKey archived by an earlier login of the account.

    The simulator's ``old_keys="refuse"`` answers such a webwxsync with Ret 1200 and an empty reply
    (docs/simulator.md), the login staying live; what the real server does is unknown. The session
    recognises that reply only on the first webwxsync of a login that started from the archived key,
    starts from webwxinit's key instead and records a *gap* (``session.status.gap``, the "gap" event,
    ``open_archive(...).gaps``): messages between the last archived sync and this login may be missing.
    It is handled inside the session, never raised to the user.
    """

    default_hint: ClassVar[str] = (
        "Nothing to do: the session went on from the new login's key; look at session.status.gap for "
        "the time range whose messages may be missing"
    )


class OperationPaused(RateLimited):
    """A request of a kind the server rate-limited (Ret 1205) a moment ago: wxnb pauses that kind (with
    growing backoff, see :mod:`wxnb.session.ratelimits`) and sent nothing. ``operation`` names the
    kind (``send``, ``revoke``, ``batchgetcontact``, ...), ``retry_after`` the seconds left."""

    default_hint: ClassVar[str] = (
        "Wait until the pause ends (retry_after seconds; session.status.paused says until when), then "
        "send less often: repeated 1205s may log you out"
    )

    def __init__(self, operation: str, retry_after: float, *, endpoint: str = "") -> None:
        self.operation = operation
        self.retry_after = retry_after
        super().__init__(
            endpoint=endpoint,
            errmsg=f"{operation} is paused for another {retry_after:.1f} s; no request was sent",
        )
