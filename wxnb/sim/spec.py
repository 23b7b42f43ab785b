"""Plain data describing a simulated world: who exists, who is whose friend, which rooms have whom.

``scenario.py`` builds a :class:`WorldSpec` from a seed; ``world.py`` loads one into a live
:class:`~wxnb.sim.world.World`. Keeping the two apart lets scenarios be generated, inspected and
tested without a server, and lets tests write tiny hand-made worlds.

Identities here are stable across logins (``pid``/``rid`` integers, wxid strings). The per-login
``@...`` UserNames are the world's business, not the spec's.

Names are Unicode (CJK, emoji, ``&``, ``<``...): the world encodes them for the wire.

Example:
    >>> me = PersonSpec(pid=0, wxid="wxid_me", nickname="Me")
    >>> ann = PersonSpec(pid=1, wxid="wxid_ann", nickname="Ann 🌸")
    >>> spec = WorldSpec(account=AccountSpec(pid=0), persons=[me, ann],
    ...                  friends=[FriendSpec(pid=1, remark="Annie")])
    >>> spec.person(1).nickname
    'Ann 🌸'
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "AccountSpec",
    "FriendSpec",
    "IncomingSpec",
    "PersonSpec",
    "RoomSpec",
    "WorldSpec",
]


@dataclass(slots=True)
class PersonSpec:
    """Anyone: the account owner, friends, official accounts (``is_mp``), strangers met in rooms.

    ``uin`` is the real numeric account id; the server reveals it only for the logged-in user
    (contacts carry Uin 0, as on the real server). ``attr_status`` is a per-person number that the real
    server sends unchanged at every login, which makes it useful for stable keys.
    """

    pid: int
    wxid: str
    nickname: str
    uin: int = 0
    sex: int = 0  # 0 unknown, 1 male, 2 female
    province: str = ""
    city: str = ""
    signature: str = ""
    alias: str = ""  # the user-chosen WeChat ID, often empty
    attr_status: int = 0
    is_mp: bool = False
    verify_flag: int = 0  # 8, 24 or 56 for official accounts
    web_blocked: bool = False  # only meaningful for an account: refused web login (1203) unless desktop mode


@dataclass(slots=True)
class FriendSpec:
    """An entry in the account's contact list (a friend, or a followed official account)."""

    pid: int
    remark: str = ""
    starred: bool = False
    pinned: bool = False
    muted: bool = False


@dataclass(slots=True)
class RoomSpec:
    """A group chat. ``member_pids`` includes the account owner when the account is in the room."""

    rid: int
    topic: str  # "" for an unnamed room
    owner_pid: int
    member_pids: list[int]
    display_names: dict[int, str] = field(default_factory=dict)  # in-room names, by pid
    saved: bool = True  # saved to contacts: listed by webwxgetcontact (else seen only through sync)
    pinned: bool = False
    muted: bool = False


@dataclass(slots=True)
class AccountSpec:
    """The account that logs in through the simulated phone."""

    pid: int


@dataclass(slots=True)
class WorldSpec:
    """A whole simulated world for one account."""

    account: AccountSpec
    persons: list[PersonSpec]
    friends: list[FriendSpec] = field(default_factory=list)
    rooms: list[RoomSpec] = field(default_factory=list)
    seed: int = 0
    name: str = "custom"

    def person(self, pid: int) -> PersonSpec:
        """The person with this pid (persons are stored so that ``persons[pid].pid == pid``)."""
        p = self.persons[pid]
        if p.pid != pid:
            raise ValueError(f"persons must be indexed by pid: persons[{pid}].pid is {p.pid}")
        return p


@dataclass(slots=True)
class IncomingSpec:
    """One message that someone other than the account owner sends (traffic generator output).

    ``chat`` is ``("friend", pid)`` for a direct message or ``("room", rid)`` for a room message;
    ``sender_pid`` is the author (for a direct message, the friend). ``kind`` is one of text, image,
    voice, video, sticker, link, file, location, card, system, revoke; ``text`` is the Unicode text
    for text messages (the world encodes it), and ``fields`` carries kind-specific data such as
    ``url``, ``title``, ``file_name``, ``file_size``.
    """

    chat: tuple[str, int]
    sender_pid: int
    kind: str
    text: str = ""
    fields: dict[str, object] = field(default_factory=dict)
