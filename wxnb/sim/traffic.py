"""A seeded stream of the messages other people send into a world: who, where, what kind, what text.

``traffic(spec, seed)`` is infinite and reproducible (the same spec and seed give the same stream);
take a fixed count with ``itertools.islice``. ``group_share`` of the messages go to rooms the account
is in (from a member other than the account owner), the rest are direct messages from friends;
official accounts (MPs) send some of the direct ``link`` messages. Activity is skewed as in real lists:
a few chats and a few members of each room do most of the talking.

``mix`` maps each kind to a weight (kinds left out get none). A ``revoke`` takes back a recent message
of the same sender in the same chat: ``fields["revokes"]`` is that message's index in the stream,
counting from 0. When no recent message can be revoked, a text message is sent instead.

Fields by kind (``text`` is set for text messages only):
image {width, height} · voice {voice_length_ms} · video {play_length_s} · sticker {md5} ·
link {url, title, description} · file {file_name, file_size} · location {label, lat, lng} ·
card {card_pid} · system {text} · revoke {revokes}.

``history(spec, days=..., end=...)`` is the past: several weeks of conversations with replies (the
account owner's own among them), with a daily rhythm (quiet nights, busy evenings) and a weekly one
(rooms busier on workdays, friends at weekends), each paired with its CreateTime.

Example:
    >>> from itertools import islice
    >>> from wxnb.sim.scenario import build_spec
    >>> spec = build_spec("tiny")
    >>> events = list(islice(traffic(spec, seed=3), 100))
    >>> events == list(islice(traffic(spec, seed=3), 100))
    True
    >>> {e.chat[0] for e in events} == {"friend", "room"}
    True
"""

from __future__ import annotations

import math
import random
import time
from bisect import bisect
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from itertools import accumulate
from types import MappingProxyType
from typing import Final

from wxnb.sim.markup import mention
from wxnb.sim.nametables import EMOJI, Picker
from wxnb.sim.spec import IncomingSpec, WorldSpec

__all__ = ["DEFAULT_MIX", "HOURLY", "KINDS", "WEEKLY_FRIENDS", "WEEKLY_ROOMS", "history", "timed", "traffic"]

KINDS: Final = (
    "text", "image", "voice", "video", "sticker", "link", "file", "location", "card", "system",
    "revoke",
)  # fmt: skip

DEFAULT_MIX: Final[Mapping[str, float]] = MappingProxyType(
    {
        "text": 0.705,
        "image": 0.09,
        "sticker": 0.07,
        "voice": 0.04,
        "link": 0.03,
        "file": 0.015,
        "video": 0.015,
        "system": 0.02,
        "location": 0.005,
        "card": 0.005,
        "revoke": 0.005,
    }
)
"""A realistic mix: mostly text, then images and stickers; revokes are rare."""

MP_LINK_SHARE: Final = 0.3  # of direct link messages, the part that comes from official accounts
MENTION_SHARE: Final = 0.12  # of room text messages, the part that starts with an @mention
REVOCABLE_WINDOW: Final = 64  # a revoke targets one of the last this-many messages (the 2-minute rule)

CN_LINES: Final = (
    "好的", "收到", "哈哈哈哈", "在吗？", "晚上一起吃饭吗", "明天几点开会？", "我到了", "稍等一下",
    "这个周末有空吗", "谢谢！", "辛苦了", "刚看到消息", "[捂脸]", "[微笑]", "[强][强][强]", "好嘞👌",
    "没问题", "马上到", "哈哈，笑死我了", "文件发你邮箱了", "今天好热啊", "路上堵车，晚十分钟",
    "你吃了吗", "嗯嗯", "好滴", "晚安🌙", "早上好☀️", "这个价格可以再便宜点吗？", "已转账，请查收",
    "明天见", "我觉得可以", "同意 +1", "收到，谢谢老师", "别忘了交作业",
    "孩子今天发烧了，请假一天", "周五团建，大家报名", "这是什么情况？", "求推荐好吃的火锅🍲",
)  # fmt: skip
EN_LINES: Final = (
    "ok", "see you at 7", "lol", "sounds good!", "Can you send me the file?", "on my way", "thanks 🙏",
    "Happy birthday! 🎂", "Let's sync tomorrow.", "brb", "Got it, thx", "Where are you?", "nice 👍",
    "Meeting moved to 3pm", "haha same", "Did you see the news?", "I'll check and get back to you.",
)  # fmt: skip
# Characters a wire encoder must escape, and text that looks like markup or entities.
SPECIAL_LINES: Final = (
    "A & B < C > D", "<b>not bold</b>", "if (a < b && c > d) return;", "5 > 3 & 2 < 4",
    "literal &amp; stays &amp;", "&lt;script&gt; is text", "Tom & Jerry 😂", '他说："明天见"',
    "it's <3", "价格<100 & 质量>90分", "R&D 周报 <草稿>", "&#39;quoted&#39;",
)  # fmt: skip
LINK_TITLES: Final = (
    "2025年最值得去的10个地方", "深度 | 人工智能将如何改变我们的工作", "重磅！新政策发布",
    "一文读懂 Python 3.13 新特性", "这家店的牛肉面，排队两小时也值得 🍜", "How to write better code",
    "Q&A：关于年假的 5 个问题", "<独家> 内幕消息", "健康提醒：夏季饮食注意事项",
    "周末去哪儿？城市周边游攻略",
)  # fmt: skip
LINK_HOSTS: Final = (
    "https://www.zhihu.com/question/", "https://www.bilibili.com/video/BV",
    "https://news.qq.com/rain/a/", "https://github.com/", "https://example.com/article?id=",
)  # fmt: skip
FILE_NAMES: Final = (
    "2024年度报告(终版).pdf", "合同 v3 & 附件.docx", "IMG_2041.zip", "会议纪要.docx",
    "报价单-最新.xlsx", "产品需求文档 PRD v1.2.pdf", "photo (1).jpg", "简历_张伟.pdf", "发票.pdf",
    "slides_final_FINAL.pptx", "数据 2025-03.csv", "安装包.apk", "README.md", "论文初稿（修改版）.doc",
    "家庭旅行 🇯🇵.pptx",
)  # fmt: skip
PLACES: Final = (
    ("北京市海淀区中关村大街27号", 39.9830, 116.3160),
    ("星巴克(国贸店)", 39.9088, 116.4590),
    ("上海虹桥站", 31.1940, 121.3200),
    ("上海市浦东新区世纪大道100号", 31.2350, 121.5060),
    ("广州塔", 23.1065, 113.3245),
    ("深圳湾公园", 22.5190, 113.9470),
    ("杭州西湖 & 断桥", 30.2590, 120.1500),
    ("成都 春熙路", 30.6570, 104.0800),
    ("Starbucks <Union Square>", 37.7880, -122.4075),
)
IMAGE_SIZES: Final = (
    (1080, 1920),
    (1920, 1080),
    (750, 1334),
    (1242, 2688),
    (640, 480),
    (1080, 1080),
    (120, 120),
)
SYSTEM_ROOM: Final = (
    '"{a}" 拍了拍 "{b}"', "收到红包，请在手机上查看", '"{a}"与群里其他人都不是朋友关系，请注意隐私安全',
    '你邀请"{b}"加入了群聊', "以下是新消息",
)  # fmt: skip
SYSTEM_DIRECT: Final = (
    "你已添加了{a}，现在可以开始聊天了。", '"{a}" 拍了拍我', "收到红包，请在手机上查看",
    "以上是打招呼的内容",
)  # fmt: skip


def _line(rng: random.Random) -> str:
    return rng.choice(CN_LINES) if rng.random() < 0.7 else rng.choice(EN_LINES)


def _emoji_line(rng: random.Random) -> str:
    return "".join(rng.choice(EMOJI) for _ in range(rng.randrange(1, 5)))


def _decorated(rng: random.Random) -> str:
    return f"{_line(rng)} {rng.choice(EMOJI)}"


def _two(rng: random.Random) -> str:
    return f"{_line(rng)} {_line(rng)}"


def _multi_line(rng: random.Random) -> str:
    return "\n".join(_line(rng) for _ in range(rng.randrange(2, 6)))


def _special(rng: random.Random) -> str:
    return rng.choice(SPECIAL_LINES)


def _url(rng: random.Random) -> str:
    return f"看看这个 {rng.choice(LINK_HOSTS)}{rng.randrange(10**6, 10**9)}&from=timeline&utm_source=wx"


def _paragraph(rng: random.Random) -> str:
    n = rng.randrange(8, 30)
    return "".join(_line(rng) + rng.choice(("，", "。", "! ", "\n", " ")) for _ in range(n))


_text: Final = Picker(
    [
        (52, _line),
        (10, _decorated),
        (8, _two),
        (6, _emoji_line),
        (6, _multi_line),
        (5, _special),
        (3, _url),
        (1.5, _paragraph),
    ]
)


def _check_mix(mix: Mapping[str, float] | None) -> list[float]:
    """Weights in ``KINDS`` order, or a ValueError that says what is wrong."""
    if mix is None:
        mix = DEFAULT_MIX
    unknown = sorted(set(mix) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown message kinds in mix: {unknown}; valid kinds are {', '.join(KINDS)}")
    weights = [float(mix.get(k, 0.0)) for k in KINDS]
    bad = [k for k, w in zip(KINDS, weights, strict=True) if not (math.isfinite(w) and w >= 0)]
    if bad:
        raise ValueError(f"mix weights must be finite and >= 0: {', '.join(bad)}")
    if sum(weights) <= 0:
        raise ValueError("mix has no positive weight: give at least one kind a weight > 0")
    return weights


def _zipf(n: int, rng: random.Random, s: float = 0.8) -> tuple[list[int], list[float]]:
    """A random ranking of ``n`` items and cumulative weights 1/rank**s (a few items get most picks)."""
    order = list(range(n))
    rng.shuffle(order)
    return order, list(accumulate(1.0 / (r + 1) ** s for r in range(n)))


def traffic(
    spec: WorldSpec,
    seed: int = 0,
    *,
    group_share: float = 0.6,
    mix: Mapping[str, float] | None = None,
) -> Iterator[IncomingSpec]:
    """An endless, reproducible stream of incoming messages for ``spec``.

    Raises ValueError at once (not at the first ``next``) for an unknown kind or a bad weight in
    ``mix``, for ``group_share`` outside 0..1, and when the spec has no room (with a member besides the
    account owner) for ``group_share > 0``, or no friend who is a person for ``group_share < 1``.

    Example:
        >>> from itertools import islice
        >>> from wxnb.sim.scenario import build_spec
        >>> spec = build_spec("small")
        >>> [e.kind for e in islice(traffic(spec, mix={"image": 1}), 3)]
        ['image', 'image', 'image']
    """
    weights = _check_mix(mix)
    if not 0.0 <= group_share <= 1.0:
        raise ValueError(f"group_share must be between 0 and 1, not {group_share!r}")
    gen = _Generator(spec, random.Random(seed), group_share, weights)
    return gen.run()


class _Generator:
    def __init__(self, spec: WorldSpec, rng: random.Random, group_share: float, weights: list[float]) -> None:
        self.spec = spec
        self.rng = rng
        self.group_share = group_share
        self.kind_cum = list(accumulate(weights))
        owner = spec.account.pid
        self.people = [f.pid for f in spec.friends if not spec.person(f.pid).is_mp and f.pid != owner]
        self.mps = [f.pid for f in spec.friends if spec.person(f.pid).is_mp]
        self.contacts = [f.pid for f in spec.friends if f.pid != owner]
        # Rooms the account is in, with the members who can write (everyone but the account owner).
        self.rooms = [
            (r.rid, [m for m in r.member_pids if m != owner], r.display_names)
            for r in spec.rooms
            if owner in r.member_pids and len(r.member_pids) > 1
        ]
        if group_share > 0 and not self.rooms:
            raise ValueError("the spec has no room with the account and another member: pass group_share=0")
        if group_share < 1 and not self.people:
            raise ValueError("the spec has no friend who is a person (not an MP): pass group_share=1")
        self.people_order, self.people_cum = _zipf(len(self.people), rng)
        self.room_order, self.room_cum = _zipf(len(self.rooms), rng)

    def kind(self) -> str:
        """A message kind drawn from the mix."""
        return KINDS[bisect(self.kind_cum, self.rng.random() * self.kind_cum[-1])]

    def _pick(self, order: list[int], cum: list[float]) -> int:
        return order[bisect(cum, self.rng.random() * cum[-1])]

    def _name_in(self, pid: int, display: Mapping[int, str]) -> str:
        return display.get(pid) or self.spec.person(pid).nickname

    def run(self) -> Iterator[IncomingSpec]:
        rng = self.rng
        kind_cum, kind_total = self.kind_cum, self.kind_cum[-1]
        recent: deque[tuple[int, tuple[str, int], int]] = deque(maxlen=REVOCABLE_WINDOW)
        index = 0
        while True:
            kind = KINDS[bisect(kind_cum, rng.random() * kind_total)]
            if kind == "revoke":
                if recent:
                    pos = rng.randrange(len(recent))
                    target, chat, sender = recent[pos]
                    del recent[pos]  # a message is revoked at most once
                    yield IncomingSpec(
                        chat=chat, sender_pid=sender, kind="revoke", fields={"revokes": target}
                    )
                    index += 1
                    continue
                kind = "text"
            display: Mapping[int, str] = {}
            members: list[int] = []
            if self.rooms and rng.random() < self.group_share:
                rid, members, display = self.rooms[self._pick(self.room_order, self.room_cum)]
                # A core of up to six members does most of the talking.
                if rng.random() < 0.7:
                    sender = members[rng.randrange(min(6, len(members)))]
                else:
                    sender = members[rng.randrange(len(members))]
                chat = ("room", rid)
            else:
                if kind == "link" and self.mps and rng.random() < MP_LINK_SHARE:
                    sender = self.mps[rng.randrange(len(self.mps))]
                else:
                    sender = self.people[self._pick(self.people_order, self.people_cum)]
                chat = ("friend", sender)
            text, fields = self._content(kind, sender, members, display)
            yield IncomingSpec(chat=chat, sender_pid=sender, kind=kind, text=text, fields=fields)
            if kind != "system":
                recent.append((index, chat, sender))
            index += 1

    def _content(
        self, kind: str, sender: int, members: list[int], display: Mapping[int, str]
    ) -> tuple[str, dict[str, object]]:
        rng = self.rng
        if kind == "text":
            text = _text(rng)
            if members and rng.random() < MENTION_SHARE:
                # Mention someone in the room, the account owner included (that is what @ is for).
                target = rng.choice([*members, self.spec.account.pid])
                if rng.random() < 0.05:
                    text = mention("所有人") + text  # @all, as room owners do
                elif target != sender:
                    text = mention(self._name_in(target, display)) + text
            return text, {}
        if kind == "image":
            w, h = rng.choice(IMAGE_SIZES)
            return "", {"width": w, "height": h}
        if kind == "sticker":
            return "", {"md5": f"{rng.getrandbits(128):032x}"}
        if kind == "voice":
            return "", {"voice_length_ms": 1000 + int(59_000 * rng.random() ** 2)}
        if kind == "video":
            return "", {"play_length_s": 1 + int(299 * rng.random() ** 2)}
        if kind == "link":
            return "", self._link(sender)
        if kind == "file":
            size = int(math.exp(rng.uniform(math.log(1_000), math.log(200_000_000))))
            return "", {"file_name": rng.choice(FILE_NAMES), "file_size": size}
        if kind == "location":
            label, lat, lng = rng.choice(PLACES)
            return "", {
                "label": label,
                "lat": round(lat + rng.uniform(-0.01, 0.01), 6),
                "lng": round(lng + rng.uniform(-0.01, 0.01), 6),
            }
        if kind == "card":
            return "", {"card_pid": rng.choice(self.contacts) if self.contacts else sender}
        # system
        if members:
            other = rng.choice(members)
            line = rng.choice(SYSTEM_ROOM)
            text = line.format(a=self._name_in(sender, display), b=self._name_in(other, display))
        else:
            text = rng.choice(SYSTEM_DIRECT).format(a=self.spec.person(sender).nickname)
        return "", {"text": text}

    def _link(self, sender: int) -> dict[str, object]:
        rng = self.rng
        if self.spec.person(sender).is_mp:
            slug = "".join(
                rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", k=22)
            )
            url = f"https://mp.weixin.qq.com/s/{slug}"
        else:
            url = f"{rng.choice(LINK_HOSTS)}{rng.randrange(10**6, 10**9)}"
            if rng.random() < 0.3:
                url += "&share_source=wechat&vd=1"
        title = rng.choice(LINK_TITLES)
        return {"url": url, "title": title, "description": f"{title[:12]}…点击阅读全文 & 分享给朋友"}


def timed(
    events: Iterable[IncomingSpec], per_second: float, seed: int = 0
) -> Iterator[tuple[float, IncomingSpec]]:
    """Pair each event with its send time in seconds from the start, at ``per_second`` on average.

    Arrivals are a Poisson process (exponential gaps), seeded, so bursts happen as in real chats.

    Example:
        >>> from itertools import islice
        >>> from wxnb.sim.scenario import build_spec
        >>> pairs = list(timed(islice(traffic(build_spec("tiny")), 1000), per_second=100))
        >>> 5 < pairs[-1][0] < 15
        True
    """
    if not (math.isfinite(per_second) and per_second > 0):
        raise ValueError(f"per_second must be a positive number, not {per_second!r}")
    return _timed(events, per_second, random.Random(seed))


# Relative activity by local hour (0..23): quiet nights, a lunch peak, the evening busiest.
HOURLY: Final = (
    2, 1, 0.5, 0.3, 0.3, 0.5, 1.5, 4, 7, 8, 8, 9, 10, 8, 7, 7, 7, 8, 9, 11, 12, 12, 9, 5,
)  # fmt: skip
# Relative activity by weekday (Monday first): rooms (work, school) on workdays, friends at weekends.
WEEKLY_ROOMS: Final = (1.1, 1.1, 1.1, 1.05, 1.0, 0.55, 0.45)
WEEKLY_FRIENDS: Final = (0.8, 0.8, 0.85, 0.9, 1.1, 1.45, 1.3)
# What the account owner sends from the phone in the history (no system notices, revokes, cards).
OWNER_KINDS: Final = ("text",) * 14 + ("image", "sticker", "sticker", "voice", "link")
MAX_HISTORY_DAYS: Final = 366


def history(
    spec: WorldSpec,
    *,
    days: float,
    end: float,
    per_day: float = 200.0,
    seed: int = 0,
    utc_offset: int = 0,
    group_share: float = 0.6,
) -> list[tuple[int, IncomingSpec]]:
    """About ``per_day`` messages a day over the ``days`` before ``end`` (epoch seconds), oldest first,
    each paired with its CreateTime (an int below ``end``).

    Messages come in conversations: someone starts, others answer (in direct chats the account owner,
    whose messages have ``sender_pid == spec.account.pid``), each with their own typical delay. The
    rhythm follows the local time ``utc_offset`` seconds east of UTC (:data:`HOURLY`,
    :data:`WEEKLY_ROOMS`, :data:`WEEKLY_FRIENDS`). Reproducible: the same arguments give the same list.

    Example:
        >>> from wxnb.sim.scenario import build_spec
        >>> past = history(build_spec("tiny"), days=14, end=1_750_000_000, per_day=50)
        >>> 400 < len(past) < 1000, past == sorted(past, key=lambda p: p[0])
        (True, True)
        >>> any(e.sender_pid == 0 for _, e in past)  # the owner answers too
        True
    """
    if not (isinstance(days, int | float) and 0 < days <= MAX_HISTORY_DAYS):
        raise ValueError(f"days must be a number of days in (0, {MAX_HISTORY_DAYS}], not {days!r}")
    if not (isinstance(per_day, int | float) and 0 < per_day <= 100_000):
        raise ValueError(f"per_day must be a positive number of messages (at most 100000), not {per_day!r}")
    if not (isinstance(end, int | float) and math.isfinite(end) and end > days * 86_400):
        raise ValueError(f"end must be a time in epoch seconds after the history's start, not {end!r}")
    if not 0.0 <= group_share <= 1.0:
        raise ValueError(f"group_share must be between 0 and 1, not {group_share!r}")
    mix = {k: w for k, w in DEFAULT_MIX.items() if k != "revoke"}
    gen = _Generator(spec, random.Random(f"history:{seed}"), group_share, _check_mix(mix))
    return _History(gen, per_day).build(end - days * 86_400, end, utc_offset)


class _History:
    """One history: conversations drawn hour by hour, each a thread of answers."""

    MEAN_LENGTH: Final = 4.0  # messages per conversation, on average

    def __init__(self, gen: _Generator, per_day: float) -> None:
        self.gen = gen
        self.rng = gen.rng
        self.owner = gen.spec.account.pid
        self.per_day = per_day
        self.hour_total = sum(HOURLY)
        self._delay: dict[int, float] = {}

    def delay(self, pid: int) -> float:
        """Seconds until ``pid`` answers: each person has a typical delay (some answer in seconds,
        some take an hour), drawn once."""
        mean = self._delay.get(pid)
        if mean is None:
            mean = 20.0 if pid == self.owner else math.exp(self.rng.uniform(math.log(15), math.log(2_400)))
            self._delay[pid] = mean
        return 3.0 + self.rng.expovariate(1.0 / mean)

    def build(self, start: float, end: float, utc_offset: int) -> list[tuple[int, IncomingSpec]]:
        drawn: list[tuple[float, IncomingSpec]] = []
        rate = self.per_day / self.MEAN_LENGTH / self.hour_total  # conversations per unit of HOURLY
        hour = math.floor((start + utc_offset) / 3_600) * 3_600 - utc_offset  # local hour boundaries
        while hour < end:
            local = time.gmtime(hour + utc_offset)
            rooms_w = WEEKLY_ROOMS[local.tm_wday] * self.gen.group_share
            friends_w = WEEKLY_FRIENDS[local.tm_wday] * (1 - self.gen.group_share)
            expected = rate * HOURLY[local.tm_hour] * (rooms_w + friends_w)
            for _ in range(_poisson(self.rng, expected)):
                t = hour + self.rng.random() * 3_600
                in_room = self.gen.rooms and self.rng.random() * (rooms_w + friends_w) < rooms_w
                self.conversation(t, bool(in_room), drawn)
            hour += 3_600
        out = [(int(t), e) for t, e in drawn if start <= t < end]
        out.sort(key=lambda pair: pair[0])
        return out

    def conversation(self, t: float, in_room: bool, out: list[tuple[float, IncomingSpec]]) -> None:
        gen, rng = self.gen, self.rng
        display: Mapping[int, str] = {}
        members: list[int] = []
        if in_room:
            rid, members, display = gen.rooms[gen._pick(gen.room_order, gen.room_cum)]
            core = members[: min(6, len(members))]
            speakers = [*core, self.owner] if rng.random() < 0.35 else list(core)
            chat: tuple[str, int] = ("room", rid)
        else:
            friend = gen.people[gen._pick(gen.people_order, gen.people_cum)]
            speakers = [friend, self.owner]
            chat = ("friend", friend)
        length = 1 + int(rng.expovariate(1.0 / (self.MEAN_LENGTH - 0.5)))  # int() takes ~0.5 off
        sender = speakers[0] if not in_room else rng.choice(speakers)
        if not in_room and rng.random() < 0.25:
            sender = self.owner  # the owner starts a quarter of direct conversations
        for i in range(length):
            if i:
                # An answer: someone other than the last speaker, after their typical delay.
                others = [p for p in speakers if p != sender]
                if not others:
                    break
                sender = rng.choice(others)
                t += self.delay(sender)
            kind = rng.choice(OWNER_KINDS) if sender == self.owner else gen.kind()
            text, fields = gen._content(kind, sender, members, display)
            out.append((t, IncomingSpec(chat=chat, sender_pid=sender, kind=kind, text=text, fields=fields)))


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; the means here are small)."""
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _timed(
    events: Iterable[IncomingSpec], per_second: float, rng: random.Random
) -> Iterator[tuple[float, IncomingSpec]]:
    t = 0.0
    for event in events:
        t += rng.expovariate(per_second)
        yield t, event
