"""Name and text tables for synthetic worlds: nicknames, remarks, topics, signatures, places.

Everything here is precomputed data plus small functions that draw from it with a caller's
``random.Random``, so that a scenario built from a seed is the same on every run and machine.
The tables deliberately hold the names that break naive clients: CJK, emoji sequences (flags,
ZWJ families, skin tones, ``❤️`` with VS16), ``& < >`` and quotes, literal entities such as
``R&amp;D`` (a decoder must unescape once, not twice), full-width punctuation, very long names,
names that are blank after trimming, and common names that many people share.

Example:
    >>> import random
    >>> from wxnb.sim.nametables import nickname
    >>> rng = random.Random(1)
    >>> isinstance(nickname(rng), str)
    True
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Final

__all__ = [
    "BLANK_NAMES",
    "COMMON_NAMES",
    "EMOJI",
    "ENTITY_NAMES",
    "Picker",
    "display_name",
    "mp_name",
    "nickname",
    "place",
    "remark",
    "room_topic",
    "signature",
]

FAMILY: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND_FAMILY: Final = ("欧阳", "司马", "上官", "诸葛", "东方", "慕容")
GIVEN: Final = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍鹏辉玲红飞建国林婷雪梅琳晨浩宇欣怡子涵梓轩思雨"
    "诺佳豪嘉俊桐然文博一可心悦晓阳宁安琪瑶颖倩璐慧茜蕾薇彤妍鑫鹤峰岩松柏川江海天昊铭泽楠睿哲翔凯"
)
# Shared by many people: the duplicates a client must not merge.
COMMON_NAMES: Final = ("张伟", "王伟", "王芳", "李伟", "李娜", "张敏", "李静", "王静", "刘伟", "王秀英")
FAMILY_PINYIN: Final = (
    "wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu",
    "hu", "guo", "he", "gao", "lin", "luo", "zheng", "liang", "xie", "song", "tang",
)  # fmt: skip
GIVEN_PINYIN: Final = (
    "wei", "fang", "na", "min", "jing", "li", "qiang", "lei", "jun", "yang", "yong", "yan", "jie",
    "juan", "tao", "ming", "chao", "xia", "ping", "gang", "hua", "peng", "hui", "ling", "hong", "fei",
    "lin", "ting", "xue", "mei", "chen", "hao", "yu", "xin", "yi", "zi", "han", "xuan", "si", "nuo",
    "jia", "tong", "ran", "wen", "bo", "xiao", "le", "kai", "rui", "ze",
)  # fmt: skip
ENGLISH_FIRST: Final = (
    "Alex", "Chris", "Emma", "Olivia", "Liam", "Noah", "Sophia", "Mia", "Lucas", "Ethan", "Grace",
    "Kevin", "Jason", "Cindy", "Vivian", "Tony", "Jack", "Lily", "Amy", "David", "Michael", "Jessica",
    "Eric", "Ivy", "Leo", "Coco", "Sunny", "Kiki", "Momo", "Zoe", "Ryan", "Bella", "Max", "Anna",
)  # fmt: skip
ENGLISH_LAST: Final = ("Chen", "Wang", "Li", "Smith", "Zhang", "Liu", "Brown", "Lee", "Ng", "Wong", "Tan")
CUTE: Final = (
    "一只会飞的猪", "小鱼儿", "晴天", "阿杰", "老王", "大熊", "小可爱", "追风少年", "岁月静好",
    "柠檬不酸", "momo", "夏天的风", "橘子汽水", "慢慢来", "努力的小透明", "吃货一枚", "静待花开",
    "阳光总在风雨后", "Luna", "小号", "木木", "二狗", "奶茶续命", "不想上班", "北方的狼", "向日葵",
    "知足常乐", "平安是福",
)  # fmt: skip
BUSINESS: Final = (
    "A 阿杰-装修设计", "AAA 建材 王总", "A~专业代购 Lily", "顺丰快递-小李", "房产经纪 张经理",
    "A0 保险规划 陈", "牙科诊所 前台", "京东客服 小美", "驾校 刘教练", "健身私教 Kevin",
)  # fmt: skip
# Each entry is one user-perceived emoji: single code points and sequences (ZWJ, skin tone, VS16, flags).
EMOJI: Final = (
    "😄", "😂", "🌸", "🍀", "✨", "🔥", "🐱", "🐶", "🌙", "☀️", "⭐", "🎵", "🍜", "🏀", "🌈", "💯",
    "\u2764\ufe0f",  # red heart with VS16
    "\U0001f44d\U0001f3fd",  # thumbs up, medium skin tone
    "\U0001f64f\U0001f3fb",  # folded hands, light skin tone
    "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",  # family: man, woman, girl, boy
    "\U0001f469\u200d\U0001f4bb",  # woman technologist
    "\U0001f3f3\ufe0f\u200d\U0001f308",  # rainbow flag
    "\U0001f1e8\U0001f1f3",  # flag: China
    "\U0001f1fa\U0001f1f8",  # flag: United States
    "\U0001f1ef\U0001f1f5",  # flag: Japan
    "1\ufe0f\u20e3",  # keycap 1
)  # fmt: skip
# Names that HTML-escaping and entity decoding get wrong when done twice or not at all.
ENTITY_NAMES: Final = (
    "Tom & Jerry", "A&B工作室", "<script>alert(1)</script>", "a<b>c", '"引号"先生', "It's Ann",
    "R&amp;D 小组", "&lt;tag&gt;", "5 > 3 & 2 < 4", "M&M's 🍫", "&#39;单引号&#39;", "老<王>",
)  # fmt: skip
FULL_WIDTH: Final = (
    "【官方】小助手", "（请备注）李", "～小鱼～", "『 Luna 』", "！！！", "“阿强”", "李老师（数学）",
    "「晴」",
)  # fmt: skip
# Blank-looking names: a space and an ideographic space (blank after str.strip()), and the Hangul
# filler and zero-width space that people use for "invisible" names (str.strip() keeps those).
BLANK_NAMES: Final = (" ", "\u3000", "\u3164", "\u200b")
LONG_NAMES: Final = (
    "这是一个非常非常长的昵称用来测试界面会不会被撑破而且还带有表情😂😂😂以及 English words 和数字 123",
    "Alexander Maximilian Christopher Wellington-Smythe the Third 🇬🇧 (London office, please add note)",
    "🌸" * 30,
    "爱生活爱自己爱家人爱朋友爱这个世界的一切美好事物和所有不美好的事物也一样爱着" * 2,
)
PLACES: Final = (
    ("北京", ("海淀", "朝阳", "东城", "西城", "丰台")),
    ("上海", ("浦东新区", "徐汇", "静安", "闵行", "黄浦")),
    ("广东", ("广州", "深圳", "佛山", "东莞", "珠海")),
    ("浙江", ("杭州", "宁波", "温州", "绍兴")),
    ("江苏", ("南京", "苏州", "无锡", "常州")),
    ("四川", ("成都", "绵阳", "乐山")),
    ("湖北", ("武汉", "宜昌", "襄阳")),
    ("山东", ("济南", "青岛", "烟台")),
    ("福建", ("福州", "厦门", "泉州")),
    ("河南", ("郑州", "洛阳", "开封")),
    ("湖南", ("长沙", "株洲")),
    ("陕西", ("西安", "宝鸡")),
    ("重庆", ("渝中", "江北", "沙坪坝")),
    ("天津", ("和平", "南开")),
    ("辽宁", ("沈阳", "大连")),
    ("云南", ("昆明", "大理")),
    ("California", ("San Francisco", "Los Angeles")),
    ("England", ("London",)),
)
SIGNATURES: Final = (
    "做一个温暖的人", "人生如逆旅，我亦是行人。", "Stay hungry, stay foolish.", "忙，勿扰", "岁月静好 🌸",
    "努力工作 & 好好生活", "<无>", "有事请留言，看到会回复", "Less is more.", "今天也要加油鸭🦆",
    "一切都是最好的安排", "专业代购 欧美日韩 💯 正品保证", "Keep calm and carry on ❤️", "不忘初心，方得始终",
    "...", "📷 摄影爱好者 | 🏃 跑步 | 🍜 吃货", "free as the wind\n自由如风",
    "Life is short, eat dessert first 🍰",
)  # fmt: skip
ROOM_TOPICS: Final = (
    "相亲相爱一家人", "家人群", "大学同学群", "高中同学会", "产品部", "技术交流群", "周末羽毛球🏸",
    "Python 学习交流 3群", "R&D <核心> 小组", "业主群（3期）", "宝妈育儿交流", "跑步打卡🏃",
    "公司年会筹备", "小区团购", "王者开黑", "读书会📚", "相亲相爱一家人 ❤️", "考研互助",
    "旅行计划 🇯🇵 2025", "项目A & 项目B 对接", "篮球群🏀", "吃货联盟", "二手闲置", "宿舍 302",
    "Team Lunch 🍜", "工作群", "老乡会", "投资理财交流", "\"周五\" 聚餐", "【通知】请勿闲聊",
    "猫咪爱好者 🐱", "前端 <div> 爱好者", "Tom & Jerry 的周末局 🎉",
)  # fmt: skip
MP_NAMES: Final = (
    "人民日报", "腾讯新闻", "微信支付", "招商银行信用卡", "中国移动 10086", "美团外卖", "滴滴出行",
    "京东JD.COM", "丁香医生", "三联生活周刊", "果壳", "少数派", "36氪", "虎嗅APP", "得到", "十点读书",
    "央视新闻", "南方周末", "航旅纵横", "12306", "B&Q 百安居", "<深度> 科技评论", "故宫博物院",
    "星巴克中国 ☕", "中国联通", "顺丰速运", "饿了么", "麦当劳McDonald's", "网易云音乐", "知乎日报",
)  # fmt: skip
DISPLAY_SUFFIX: Final = ("-产品", "-技术", "（家长）", " 家长", "@腾讯", "(Beijing)", " 🏸", "-3班", "·设计")


class Picker:
    """Weighted choice among callables with one ``rng.random()`` and a bisect (no ``rng.choices``)."""

    __slots__ = ("_cum", "_fns", "_total")

    def __init__(self, table: Sequence[tuple[float, Callable[[random.Random], str]]]) -> None:
        self._fns = [fn for _, fn in table]
        self._cum = list(accumulate(w for w, _ in table))
        self._total = self._cum[-1]

    def __call__(self, rng: random.Random) -> str:
        return self._fns[bisect(self._cum, rng.random() * self._total)](rng)


def _chinese(rng: random.Random) -> str:
    fam = rng.choice(COMPOUND_FAMILY) if rng.random() < 0.02 else rng.choice(FAMILY)
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return fam + given


def _common(rng: random.Random) -> str:
    return rng.choice(COMMON_NAMES)


def _pinyin(rng: random.Random) -> str:
    fam, given = rng.choice(FAMILY_PINYIN), rng.choice(GIVEN_PINYIN)
    style = rng.randrange(5)
    if style == 0:
        return f"{fam.title()} {given.title()}"
    if style == 1:
        return fam + given
    if style == 2:
        return f"{given.title()} {fam.title()}"
    if style == 3:
        return f"xiao{given}{rng.randrange(100)}"
    return f"{fam.title()}_{given}"


def _english(rng: random.Random) -> str:
    first = rng.choice(ENGLISH_FIRST)
    style = rng.randrange(4)
    if style == 0:
        return first
    if style == 1:
        return f"{first} {rng.choice(ENGLISH_LAST)}"
    if style == 2:
        return f"{first.lower()}.{rng.choice(ENGLISH_LAST).lower()}"
    return f"{first}{rng.randrange(1, 100)}"


def _cute(rng: random.Random) -> str:
    return rng.choice(CUTE)


def _business(rng: random.Random) -> str:
    return rng.choice(BUSINESS)


def _plain(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.45:
        return _chinese(rng)
    if r < 0.65:
        return _english(rng)
    if r < 0.8:
        return _pinyin(rng)
    return _cute(rng)


def _emoji_decorated(rng: random.Random) -> str:
    base, emo = _plain(rng), rng.choice(EMOJI)
    style = rng.randrange(4)
    if style == 0:
        return f"{base} {emo}"
    if style == 1:
        return emo + base
    if style == 2:
        return base + emo + rng.choice(EMOJI)
    return emo * rng.randrange(1, 4)  # emoji only


def _entity(rng: random.Random) -> str:
    return rng.choice(ENTITY_NAMES)


def _full_width(rng: random.Random) -> str:
    return rng.choice(FULL_WIDTH)


def _long(rng: random.Random) -> str:
    return rng.choice(LONG_NAMES)


def _blank(rng: random.Random) -> str:
    name = rng.choice(BLANK_NAMES)
    return name if rng.random() < 0.7 else f"  {_english(rng)}  "  # or padded with spaces


nickname: Final = Picker(
    [
        (34, _chinese),
        (2, _common),
        (11, _pinyin),
        (14, _english),
        (11, _cute),
        (3, _business),
        (15, _emoji_decorated),
        (3, _entity),
        (2, _full_width),
        (1, _long),
        (0.4, _blank),
    ]
)
"""A random nickname: ``nickname(rng) -> str``."""


def _remark_real_name(rng: random.Random) -> str:
    return _chinese(rng) if rng.random() < 0.9 else _common(rng)


def _remark_with_context(rng: random.Random) -> str:
    ctx = rng.choice(("同事", "同学", "装修", "房东", "客户", "邻居", "高中", "健身", "老乡", "Boss"))
    sep = rng.choice(("-", " ", "（", "_"))
    name = _remark_real_name(rng)
    return f"{name}（{ctx}）" if sep == "（" else f"{name}{sep}{ctx}"


def _remark_family(rng: random.Random) -> str:
    return rng.choice(("妈妈", "爸爸", "老婆❤️", "老公", "姐姐", "弟弟", "二姨", "外婆", "Mom", "宝贝 💕"))


remark: Final = Picker(
    [
        (45, _remark_real_name),
        (30, _remark_with_context),
        (5, _remark_family),
        (10, _english),
        (5, _emoji_decorated),
        (2, _entity),
        (3, _full_width),
    ]
)
"""A random remark (the caller decides how often one is set at all)."""


def display_name(rng: random.Random, nick: str) -> str:
    """An in-room display name, often derived from the member's nickname."""
    r = rng.random()
    if r < 0.5:
        return (nick.strip() or "某人") + rng.choice(DISPLAY_SUFFIX)
    if r < 0.8:
        return _chinese(rng)
    if r < 0.9:
        return f"{rng.randrange(1, 10)}班 {_chinese(rng)}家长"
    return nickname(rng)


def room_topic(rng: random.Random) -> str:
    """A room topic from a small table (so duplicates happen, as they do in real lists)."""
    return rng.choice(ROOM_TOPICS)


def mp_name(rng: random.Random, index: int) -> str:
    """The ``index``-th official account's name; past the table, numbered variants."""
    if index < len(MP_NAMES):
        return MP_NAMES[index]
    return f"{rng.choice(MP_NAMES)} {rng.choice(('服务号', '订阅号', '助手', 'Plus', '资讯'))}{index}"


def signature(rng: random.Random) -> str:
    """A personal signature; about half of people leave it empty."""
    return rng.choice(SIGNATURES) if rng.random() < 0.5 else ""


def place(rng: random.Random) -> tuple[str, str]:
    """(province, city); a fifth of people leave both empty."""
    if rng.random() < 0.2:
        return "", ""
    prov, cities = rng.choice(PLACES)
    return prov, rng.choice(cities)
