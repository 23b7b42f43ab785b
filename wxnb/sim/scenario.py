"""Seeded synthetic worlds, from a handful of contacts to 10,000 friends and 1,000 rooms, and their traffic.

``build_spec(name, seed)`` returns a :class:`~wxnb.sim.spec.WorldSpec`; the same ``(name, seed)`` gives
an identical spec on every run (only ``random.Random(seed)`` is used: no global random, no clock).
``traffic(spec, seed)`` (from :mod:`wxnb.sim.traffic`) streams the messages other people send.

Every scenario holds the names that break naive clients (see :mod:`wxnb.sim.nametables`): duplicate
nicknames (several "张伟", several "Alex"), remarks equal to someone else's nickname, emoji sequences,
``& < >`` and literal entities, full-width punctuation, very long and blank-after-trim names; rooms
that are unnamed (topic ``""``), not saved to contacts, or share a topic; official accounts (MPs).

Layout of pids (callers should use ``spec.friends`` and ``PersonSpec.is_mp`` rather than rely on it):
0 is the account owner, then the friends, then the MPs, then strangers (people met only in rooms).

Example:
    >>> spec = build_spec("tiny", seed=1)
    >>> spec.person(0).uin > 0, len(spec.rooms)
    (True, 2)
    >>> build_spec("tiny", seed=1) == spec
    True
"""

from __future__ import annotations

import random
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from wxnb.sim import nametables
from wxnb.sim.spec import AccountSpec, FriendSpec, PersonSpec, RoomSpec, WorldSpec
from wxnb.sim.traffic import DEFAULT_MIX, KINDS, history, timed, traffic

__all__ = [
    "DEFAULT_MIX",
    "KINDS",
    "SCENARIOS",
    "ScenarioSize",
    "build_spec",
    "history",
    "timed",
    "traffic",
]

MAX_ROOM_SIZE: Final = 500


@dataclass(frozen=True, slots=True)
class ScenarioSize:
    """How big a scenario is. Room sizes count every member, the account owner included.

    ``room_tiers`` are the weights of the size classes 3-40, 41-150, 151-499 and exactly 500;
    ``forced_room_sizes`` are sizes that always appear (the rest are drawn from the tiers).
    """

    friends: int
    mps: int
    rooms: int
    strangers: int
    forced_room_sizes: tuple[int, ...]
    room_tiers: tuple[float, float, float, float]


SCENARIOS: Final[Mapping[str, ScenarioSize]] = MappingProxyType(
    {
        "tiny": ScenarioSize(
            friends=5, mps=1, rooms=2, strangers=6, forced_room_sizes=(7, 4), room_tiers=(1, 0, 0, 0)
        ),
        "small": ScenarioSize(
            friends=50, mps=5, rooms=8, strangers=80, forced_room_sizes=(48,), room_tiers=(1, 0, 0, 0)
        ),
        "medium": ScenarioSize(
            friends=800,
            mps=30,
            rooms=80,
            strangers=1_800,
            forced_room_sizes=(500, 420, 260, 41),
            room_tiers=(0.8, 0.15, 0.05, 0),
        ),
        "large": ScenarioSize(
            friends=10_000,
            mps=200,
            rooms=1_000,
            strangers=20_000,
            forced_room_sizes=(500, 500, 41),
            room_tiers=(0.75, 0.18, 0.05, 0.02),
        ),
    }
)
"""The named scenarios, smallest first (read-only)."""

# Placed at random friend positions in every scenario (as many as there are friends), so that even
# "tiny" has duplicates, emoji sequences and entity-prone names.
FEATURED_FRIEND_NAMES: Final = (
    "张伟",
    "张伟",
    "Tom & Jerry <3",
    "小美 \u2764\ufe0f\U0001f468\u200d\U0001f469\u200d\U0001f467\U0001f1e8\U0001f1f3",
    "R&amp;D 小组",
    "Alex",
    "Alex",
    "\u3164",  # Hangul filler: looks blank, but str.strip() keeps it
    "\u3000",  # ideographic space: blank after trimming
    nametables.LONG_NAMES[0],
    "【官方】小助手",
    "\U0001f44d\U0001f3fd",
    '"引号"先生',
)
OWNER_NAMES: Final = ("小明 🌙", "Lin 林", "阿杰", "Vivian 🌸", "王小二", "Kevin Zhang", "晴天☀️", "橘子")
_ALNUM: Final = string.ascii_lowercase + string.digits
_HEX: Final = "0123456789abcdef"


def build_spec(name: str = "small", seed: int = 0) -> WorldSpec:
    """Build the named scenario's world from ``seed``; the same arguments always give the same spec.

    ``name`` is one of ``SCENARIOS`` ("tiny", "small", "medium", "large").

    Example:
        >>> spec = build_spec("small", seed=7)
        >>> len(spec.friends), len(spec.rooms), spec.name
        (55, 8, 'small')
    """
    size = SCENARIOS.get(name)
    if size is None:
        raise ValueError(f"unknown scenario {name!r}: choose one of {', '.join(SCENARIOS)}")
    return _Builder(size, random.Random(seed)).build(name, seed)


class _Builder:
    """One build: the rng, the uniqueness sets and the pid ranges."""

    def __init__(self, size: ScenarioSize, rng: random.Random) -> None:
        self.size = size
        self.rng = rng
        self.wxids: set[str] = set()
        self.uins: set[int] = set()
        self.first_friend = 1
        self.first_mp = 1 + size.friends
        self.first_stranger = self.first_mp + size.mps
        self.persons: list[PersonSpec] = []

    def build(self, name: str, seed: int) -> WorldSpec:
        self.persons.append(self._owner())
        nicks = self._friend_nicknames()
        for pid in range(self.first_friend, self.first_mp):
            self.persons.append(self._person(pid, nicks[pid - self.first_friend]))
        mp_order = list(range(self.size.mps))
        self.rng.shuffle(mp_order)
        for i, pid in enumerate(range(self.first_mp, self.first_stranger)):
            self.persons.append(self._mp(pid, mp_order[i]))
        for pid in range(self.first_stranger, self.first_stranger + self.size.strangers):
            self.persons.append(self._person(pid, nametables.nickname(self.rng)))
        friends = self._friends()
        rooms = self._rooms()
        return WorldSpec(
            account=AccountSpec(pid=0),
            persons=self.persons,
            friends=friends,
            rooms=rooms,
            seed=seed,
            name=name,
        )

    # -- people ---------------------------------------------------------------------------------

    def _uin(self) -> int:
        while True:
            uin = self.rng.randrange(100_000_000, 4_294_967_295)
            if uin not in self.uins:
                self.uins.add(uin)
                return uin

    def _wxid(self) -> str:
        rng = self.rng
        if rng.random() < 0.2:  # an old account with a custom wxid
            if rng.random() < 0.6:
                wxid = rng.choice(nametables.FAMILY_PINYIN) + rng.choice(nametables.GIVEN_PINYIN)
            else:
                wxid = (
                    rng.choice(nametables.ENGLISH_FIRST).lower() + "_" + rng.choice(nametables.GIVEN_PINYIN)
                )
            wxid += str(rng.randrange(1960, 2012))
            if wxid not in self.wxids:
                self.wxids.add(wxid)
                return wxid
        while True:
            wxid = "wxid_" + "".join(rng.choices(_ALNUM, k=14))
            if wxid not in self.wxids:
                self.wxids.add(wxid)
                return wxid

    def _owner(self) -> PersonSpec:
        rng = self.rng
        uin = rng.randrange(1_000_000_000, 4_294_967_295)  # 10 digits, as recent accounts have
        self.uins.add(uin)
        prov, city = nametables.place(rng)
        return PersonSpec(
            pid=0,
            wxid=self._wxid(),
            nickname=rng.choice(OWNER_NAMES),
            uin=uin,
            sex=rng.choice((1, 2)),
            province=prov,
            city=city,
            signature=nametables.signature(rng),
            attr_status=rng.randrange(4096, 1 << 31),
        )

    def _friend_nicknames(self) -> list[str]:
        rng = self.rng
        n = self.size.friends
        nicks = [nametables.nickname(rng) for _ in range(n)]
        featured = FEATURED_FRIEND_NAMES[:n]
        for pos, nick in zip(rng.sample(range(n), len(featured)), featured, strict=True):
            nicks[pos] = nick
        return nicks

    def _person(self, pid: int, nick: str) -> PersonSpec:
        rng = self.rng
        prov, city = nametables.place(rng)
        r = rng.random()
        alias = ""
        if rng.random() < 0.1:
            alias = (
                rng.choice(nametables.FAMILY_PINYIN)
                + rng.choice(nametables.GIVEN_PINYIN)
                + str(rng.randrange(100, 9999))
            )
        return PersonSpec(
            pid=pid,
            wxid=self._wxid(),
            nickname=nick,
            uin=self._uin(),
            sex=1 if r < 0.45 else (2 if r < 0.9 else 0),
            province=prov,
            city=city,
            signature=nametables.signature(rng),
            alias=alias,
            attr_status=rng.randrange(4096, 1 << 31),
        )

    def _mp(self, pid: int, index: int) -> PersonSpec:
        rng = self.rng
        wxid = "gh_" + "".join(rng.choices(_HEX, k=12))
        while wxid in self.wxids:
            wxid = "gh_" + "".join(rng.choices(_HEX, k=12))
        self.wxids.add(wxid)
        nick = nametables.mp_name(rng, index)
        prov, city = nametables.place(rng)
        return PersonSpec(
            pid=pid,
            wxid=wxid,
            nickname=nick,
            uin=self._uin(),
            province=prov,
            city=city,
            signature=f"{nick.strip()}官方账号，为您提供最新资讯与服务。",
            attr_status=rng.randrange(4096, 1 << 31),
            is_mp=True,
            verify_flag=rng.choice((8, 24, 24, 24, 56)),
        )

    def _friends(self) -> list[FriendSpec]:
        rng = self.rng
        friend_pids = range(self.first_friend, self.first_mp)
        out: list[FriendSpec] = []
        for pid in friend_pids:
            remark = ""
            if rng.random() < 0.25:
                if rng.random() < 0.06:  # someone else's nickname: two contacts then show the same name
                    remark = self.persons[rng.choice(friend_pids)].nickname
                else:
                    remark = nametables.remark(rng)
            out.append(
                FriendSpec(
                    pid=pid,
                    remark=remark,
                    starred=rng.random() < 0.02,
                    pinned=rng.random() < 0.01,
                    muted=rng.random() < 0.02,
                )
            )
        for pid in range(self.first_mp, self.first_stranger):
            out.append(FriendSpec(pid=pid, muted=rng.random() < 0.15, pinned=rng.random() < 0.02))
        self._ensure_friend_features(out[: self.size.friends])
        return out

    def _ensure_friend_features(self, friends: list[FriendSpec]) -> None:
        """At least one starred, pinned and muted friend, one remark and one remark that copies a
        nickname, whatever the seed (tests and demos rely on them)."""
        if len(friends) < 3:
            return
        rng = self.rng
        a, b, c = rng.sample(friends, 3)
        a.starred = a.starred or not any(f.starred for f in friends)
        b.pinned = b.pinned or not any(f.pinned for f in friends)
        c.muted = c.muted or not any(f.muted for f in friends)
        nick = [self.persons[f.pid].nickname for f in friends]
        nickset = set(nick)
        if not any(f.remark in nickset and f.remark != n for f, n in zip(friends, nick, strict=True)):
            i = rng.randrange(len(friends))
            others = [n for n in nickset if n != nick[i]]
            friends[i].remark = rng.choice(sorted(others))
        if sum(1 for f in friends if f.remark) < 2:
            blank = [f for f in friends if not f.remark]
            rng.choice(blank).remark = nametables.remark(rng)

    # -- rooms ----------------------------------------------------------------------------------

    def _room_sizes(self) -> list[int]:
        rng, size = self.rng, self.size
        others = size.friends + size.strangers
        sizes = list(size.forced_room_sizes[: size.rooms])
        cum = [sum(size.room_tiers[: i + 1]) for i in range(4)]
        while len(sizes) < size.rooms:
            r = rng.random() * cum[-1]
            if r < cum[0]:
                n = 3 + int(38 * rng.random() ** 2)  # 3..40, most of them small
            elif r < cum[1]:
                n = 41 + int(110 * rng.random() ** 1.5)  # 41..150
            elif r < cum[2]:
                n = 151 + int(349 * rng.random())  # 151..499
            else:
                n = MAX_ROOM_SIZE
            sizes.append(n)
        rng.shuffle(sizes)
        return [min(n, others + 1) for n in sizes]

    def _rooms(self) -> list[RoomSpec]:
        rng = self.rng
        nf, ns = self.size.friends, self.size.strangers
        rooms: list[RoomSpec] = []
        for rid, n in enumerate(self._room_sizes()):
            want = n - 1  # everyone but the account owner
            frac = rng.uniform(0.05, 0.4) if n > 100 else rng.uniform(0.15, 0.9)
            k_friends = min(round(want * frac), nf)
            k_strangers = want - k_friends
            if k_strangers > ns:
                k_strangers = ns
                k_friends = want - ns
            members = [0]
            members += rng.sample(range(self.first_friend, self.first_friend + nf), k_friends)
            members += rng.sample(range(self.first_stranger, self.first_stranger + ns), k_strangers)
            rng.shuffle(members)  # the owner is not always first, as on the real server
            share = 0.15 if n > 40 else 0.08
            display = {
                pid: nametables.display_name(rng, self.persons[pid].nickname)
                for pid in members
                if rng.random() < share
            }
            topic = "" if rng.random() < 0.08 else nametables.room_topic(rng)
            owner = 0 if rng.random() < 0.12 else rng.choice(members)
            rooms.append(
                RoomSpec(
                    rid=rid,
                    topic=topic,
                    owner_pid=owner,
                    member_pids=members,
                    display_names=display,
                    saved=rng.random() < 0.65,
                    pinned=rng.random() < 0.03,
                    muted=rng.random() < (0.5 if n > 100 else 0.15),
                )
            )
        self._ensure_room_features(rooms)
        return rooms

    def _ensure_room_features(self, rooms: Sequence[RoomSpec]) -> None:
        """Whatever the seed: an in-room display name, an unnamed room, an unsaved one, and (from two
        rooms up) a saved, a pinned and a muted one, and (from three rooms up) two sharing a topic."""
        if not rooms:
            return
        rng = self.rng
        if not any(r.display_names for r in rooms):
            room = rooms[0]
            pid = rng.choice(room.member_pids)
            room.display_names[pid] = nametables.display_name(rng, self.persons[pid].nickname)
        unnamed = next((r for r in rooms if not r.topic), rooms[-1])
        unnamed.topic = ""
        if not any(not r.saved for r in rooms):
            rooms[-1].saved = False
        if len(rooms) < 2:
            return
        if all(not r.saved for r in rooms):
            rooms[0].saved = True
        if not any(r.pinned for r in rooms):
            rooms[0].pinned = True
        if not any(r.muted for r in rooms):
            rng.choice(rooms).muted = True
        topics = [r.topic for r in rooms if r.topic]
        if len(rooms) >= 3 and len(topics) == len(set(topics)):
            a, b = rng.sample([r for r in rooms if r is not unnamed], 2)
            a.topic = a.topic or nametables.room_topic(rng)
            b.topic = a.topic
