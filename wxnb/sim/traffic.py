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
from bisect import bisect
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from itertools import accumulate
from types import MappingProxyType
from typing import Final

from wxnb.sim.markup import mention
from wxnb.sim.nametables import EMOJI, Picker
from wxnb.sim.spec import IncomingSpec, WorldSpec

__all__ = ["DEFAULT_MIX", "KINDS", "timed", "traffic"]

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


def _timed(
    events: Iterable[IncomingSpec], per_second: float, rng: random.Random
) -> Iterator[tuple[float, IncomingSpec]]:
    t = 0.0
    for event in events:
        t += rng.expovariate(per_second)
        yield t, event
