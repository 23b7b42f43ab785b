"""Login attempts (QR uuids) and logged-in sessions, with credentials shaped like the real ones.

A :class:`PendingLogin` is one QR code: waiting → scanned → confirmed (→ redeemed into a
:class:`WebSession` by webwxnewloginpage), or cancelled (back to waiting: the old QR stays scannable) or
expired. A :class:`WebSession` holds skey/sid/uin/pass_ticket and the cookies; the world keeps at most one
live session per account: a new login ends the previous one (its synccheck then answers 1101).

Secrets never appear in a repr (both classes override ``__repr__``).

Example:
    >>> import random
    >>> creds = Credentials.generate(random.Random(0), uin=2663483803)
    >>> creds.skey.startswith("@crypt_") and len(creds.sid) == 16
    True
    >>> "skey" in repr(creds) and creds.skey not in repr(creds)
    True
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import quote

from wxnb.sim.usernames import Naming

__all__ = ["Credentials", "LoginState", "PendingLogin", "WebSession"]

_B64 = string.ascii_letters + string.digits + "+/"
_ALNUM = string.ascii_letters + string.digits


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def new_uuid(rng: random.Random) -> str:
    """A QR uuid like ``4dcaWx3uBw==``: no ``/`` or ``+``, so it sits in a URL query as it is."""
    return _pick(rng, _ALNUM, 10) + "=="


def new_ticket(rng: random.Random) -> str:
    """A login ticket like ``A6NZ...@qrticket_0`` (no ``/`` and no white space)."""
    return _pick(rng, _ALNUM + "_-", 24) + "@qrticket_0"


class LoginState(Enum):
    """Where a QR login stands, as the phone sees it."""

    WAITING = "waiting"
    SCANNED = "scanned"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"


@dataclass(slots=True, eq=False)
class PendingLogin:
    """One QR code (or pushed login) and its progress.

    ``cancelled`` is set when the phone cancels: the next login poll answers 202 once, then the QR is
    back to waiting. ``scan_reported`` makes the first poll after a scan answer 201 at once.
    """

    uuid: str
    created: float
    expires: float
    desktop: bool = False
    push: bool = False
    state: LoginState = LoginState.WAITING
    scan_reported: bool = False
    cancelled: bool = False
    ticket: str = ""
    scan_time: int = 0
    session: WebSession | None = None

    def __repr__(self) -> str:
        return f"PendingLogin(uuid={self.uuid!r}, state={self.state.value}, push={self.push})"


@dataclass(slots=True, frozen=True)
class Credentials:
    """skey, sid, uin, pass_ticket and the other cookie values of one session."""

    uin: int
    sid: str
    skey: str
    pass_ticket: str  # raw; the login XML carries it percent-encoded
    data_ticket: str
    auth_ticket: str
    uvid: str

    @classmethod
    def generate(cls, rng: random.Random, uin: int) -> Credentials:
        return cls(
            uin=uin,
            sid=_pick(rng, _B64, 16),
            skey=f"@crypt_{rng.getrandbits(32):08x}_{rng.getrandbits(128):032x}",
            pass_ticket=_pick(rng, _B64, 64),
            data_ticket=_pick(rng, _B64, 44),
            auth_ticket=_pick(rng, _B64, 128),
            uvid=f"{rng.getrandbits(128):032x}",
        )

    @property
    def pass_ticket_encoded(self) -> str:
        """pass_ticket as the login XML carries it (``/`` → ``%2F``, ``+`` → ``%2B``)."""
        return quote(self.pass_ticket, safe="")

    def cookies(self, login_time: int) -> list[tuple[str, str]]:
        """The cookies webwxnewloginpage sets, in the real server's order."""
        return [
            ("wxuin", str(self.uin)),
            ("wxsid", self.sid),
            ("wxloadtime", str(login_time)),
            ("mm_lang", "zh_CN"),
            ("webwx_data_ticket", self.data_ticket),
            ("webwxuvid", self.uvid),
            ("webwx_auth_ticket", self.auth_ticket),
        ]

    def __repr__(self) -> str:
        return "Credentials(uin=<hidden>, sid=<hidden>, skey=<hidden>, pass_ticket=<hidden>)"


@dataclass(slots=True, eq=False)
class WebSession:
    """One logged-in web session of the account.

    ``ended`` is 0 while the session is live, else the code its requests now get: 1100 (logged out on
    the phone), 1101 (logged in elsewhere, logged out by the client) or 1102 (forced).
    ``positions`` is the (message, contact) position last handed to the client in a SyncKey: the
    fallback when a client sends a key that carries no position. ``start`` is the position when the
    session began (a key pointing before it comes from an earlier login); ``stamp`` is key 1000 of
    this login's SyncKeys (its login time, made unique among the world's logins).
    """

    number: int
    creds: Credentials
    naming: Naming
    created: float
    desktop: bool = False
    ended: int = 0
    positions: tuple[int, int] = (0, 0)
    start: tuple[int, int] = (0, 0)
    stamp: int = 0
    inited: bool = False
    sent: dict[str, int] = field(default_factory=dict)  # ClientMsgId -> MsgId: resends are idempotent
    #: (chat, sender, prefix) -> JSON pieces with this login's UserNames (``render.message_wire``)
    wire_names: dict[tuple[tuple[str, int], int, bool], tuple[bytes, bytes]] = field(default_factory=dict)

    @property
    def live(self) -> bool:
        return self.ended == 0

    def __repr__(self) -> str:
        return f"WebSession(number={self.number}, live={self.live}, ended={self.ended})"
