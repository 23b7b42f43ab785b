"""Per-login UserNames: ``@`` + hex for people, ``@@`` + 64 hex for rooms, new at every login.

The real server gives every person and room a fresh opaque UserName at each login, so a client must
never keep one across logins. A world of ~100k people must not pay for 100k names up front: names are
drawn lazily, the first time a reply mentions someone, from a generator seeded per login (so a test
run is reproducible). Special accounts (``filehelper``...) are named by their wxid, as on the real
server.

Not thread-safe by itself: the world calls it under its lock.

Example:
    >>> n = Naming(seed=1)
    >>> ann = n.person(7)
    >>> ann.startswith("@") and len(ann) == 33 and n.person(7) == ann
    True
    >>> n.resolve(ann)
    ('person', 7)
    >>> n.resolve(n.room(3))
    ('room', 3)
"""

from __future__ import annotations

import random
from typing import Final

__all__ = ["SPECIAL_ACCOUNTS", "Naming", "Ref"]

#: Accounts the real server names by their wxid, not by ``@`` + hex (PROTOCOL.md §6 names the first
#: four; the rest are the ones web clients in the wild list as special).
SPECIAL_ACCOUNTS: Final = frozenset(
    {
        "filehelper", "weixin", "fmessage", "newsapp", "qqmail", "tmessage", "qmessage", "qqsync",
        "floatbottle", "lbsapp", "shakeapp", "medianote", "qqfriend", "readerapp", "blogapp",
        "facebookapp", "masssendapp", "meishiapp", "feedsapp", "voip", "blogappweixin", "brandsessionholder",
        "weibo", "qqweibo", "notifymessage", "voipnotify", "officialaccounts", "notification_messages",
        "wxid_novlwrv3lqwv11", "gh_22b87fa7cb3c", "wxitil", "userexperience_alarm", "exmail_tool",
    }
)  # fmt: skip

Ref = tuple[str, int]  # ("person", pid) or ("room", rid)


class Naming:
    """The UserNames of one login."""

    __slots__ = ("_by_name", "_people", "_rng", "_rooms", "_special")

    def __init__(self, seed: int | str, special: dict[int, str] | None = None) -> None:
        self._rng = random.Random(seed)
        self._people: dict[int, str] = {}
        self._rooms: dict[int, str] = {}
        self._by_name: dict[str, Ref] = {}
        self._special = special or {}

    def person(self, pid: int, long: bool = False) -> str:
        """This login's UserName of person ``pid`` (``long``: 64 hex digits instead of 32, as the real
        server gives to many people met only in rooms). The length is fixed at the first call."""
        name = self._people.get(pid)
        if name is None:
            special = self._special.get(pid)
            if special is not None:
                name = special
            else:
                while True:
                    bits = 256 if long else 128
                    name = f"@{self._rng.getrandbits(bits):0{bits // 4}x}"
                    if name not in self._by_name:
                        break
            self._people[pid] = name
            self._by_name[name] = ("person", pid)
        return name

    def room(self, rid: int) -> str:
        """This login's UserName of room ``rid``: ``@@`` + 64 hex digits."""
        name = self._rooms.get(rid)
        if name is None:
            while True:
                name = f"@@{self._rng.getrandbits(256):064x}"
                if name not in self._by_name:
                    break
            self._rooms[rid] = name
            self._by_name[name] = ("room", rid)
        return name

    def resolve(self, name: str) -> Ref | None:
        """The person or room a UserName of this login stands for; None if this login never gave it."""
        return self._by_name.get(name)

    def known_person(self, pid: int) -> str | None:
        """The UserName already given to ``pid`` in this login, without drawing a new one."""
        return self._people.get(pid)
