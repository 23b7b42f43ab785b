"""Decoding a webwxsync reply of 100 realistic messages into records, against the stdlib's json.loads.

Target (issue 3): ``parse_sync`` (parse included, to ``records.Message`` objects) takes at most 1.5x the
time ``json.loads`` takes on the same bytes. Both run in this process, interleaved round by round, so
machine load hits them alike; the figure is the ratio of their medians.

The reply mixes what a busy account receives: room texts with sender prefixes, emoji spans, entities
and mentions; direct and own texts; links and files whose Content is escaped XML; images; voice,
video and stickers; a revoke; system notices; a location.

Usage: python bench/bench_codec.py [--short]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson

from bench.common import figure
from wxnb.protocol.json_replies import parse_sync
from wxnb.protocol.wiretext import encode_text

ME = "@" + "9" * 32


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _item(rng: random.Random, i: int, **fields: Any) -> dict[str, Any]:
    msg_id = str(7466342607691052416 + i * 7919)
    base: dict[str, Any] = {
        "MsgId": msg_id,
        "FromUserName": "",
        "ToUserName": ME,
        "MsgType": 1,
        "Content": "",
        "Status": 3,
        "ImgStatus": 1,
        "CreateTime": 1513913385 + i,
        "VoiceLength": 0,
        "PlayLength": 0,
        "FileName": "",
        "FileSize": "",
        "MediaId": "",
        "Url": "",
        "AppMsgType": 0,
        "StatusNotifyCode": 0,
        "StatusNotifyUserName": "",
        "RecommendInfo": {
            "UserName": "",
            "NickName": "",
            "QQNum": 0,
            "Province": "",
            "City": "",
            "Content": "",
            "Signature": "",
            "Alias": "",
            "Scene": 0,
            "VerifyFlag": 0,
            "AttrStatus": 0,
            "Sex": 0,
            "Ticket": "",
            "OpCode": 0,
        },
        "ForwardFlag": 0,
        "AppInfo": {"AppID": "", "Type": 0},
        "HasProductId": 0,
        "Ticket": "",
        "ImgHeight": 0,
        "ImgWidth": 0,
        "SubMsgType": 0,
        "NewMsgId": int(msg_id),
        "OriContent": "",
        "EncryFileName": "",
    }
    base.update(fields)
    return base


_TEXTS = [
    "好的，明天见 😄",
    "Tom & Jerry <3 — see you at 8?",
    "收到！\n我晚点回复你 👍🏽",
    "@Ann\u2005can you check the doc? 🇨🇳",
    "哈哈哈哈 😂😂 太好笑了",
    "ok",
    'He said "a < b" & left',
    "Meeting moved to 3pm; bring the slides 📊",
]


def _link_xml(rng: random.Random, title: str) -> tuple[str, str]:
    url = f"http://mp.weixin.qq.com/s?__biz=MzA{_hex(rng, 6)}==&amp;mid=2657819596&amp;idx=1"
    url += f"&amp;sn={_hex(rng, 32)}"
    xml = (
        f'<msg><appmsg appid="" sdkver="0"><title>{title}</title><des>读完这篇你就懂了 &amp; more</des>'
        "<action></action><type>5</type><showtype>0</showtype><soundtype>0</soundtype>"
        "<mediatagname></mediatagname>"
        "<messageext></messageext><messageaction></messageaction><content></content><contentattr>0</contentattr>"
        f"<url>{url}&amp;chksm={_hex(rng, 40)}#rd</url><lowurl></lowurl><dataurl></dataurl>"
        "<lowdataurl></lowdataurl>"
        "<appattach><totallen>0</totallen><attachid></attachid><emoticonmd5></emoticonmd5><fileext></fileext>"
        f"<cdnthumburl>{_hex(rng, 120)}</cdnthumburl><cdnthumbmd5>{_hex(rng, 32)}</cdnthumbmd5>"
        "<cdnthumblength>8542</cdnthumblength><cdnthumbwidth>160</cdnthumbwidth>"
        "<cdnthumbheight>160</cdnthumbheight>"
        f"<cdnthumbaeskey>{_hex(rng, 32)}</cdnthumbaeskey><aeskey>{_hex(rng, 32)}</aeskey>"
        "<encryver>0</encryver>"
        "</appattach><extinfo></extinfo><sourceusername>gh_363b924965e9</sourceusername>"
        "<sourcedisplayname>上海本地宝</sourcedisplayname><thumburl>http://mmbiz.qpic.cn/mmbiz_jpg/x/640</thumburl>"
        "<md5></md5><statextstr></statextstr></appmsg><fromusername>gh_363b924965e9</fromusername>"
        "<scene>0</scene><appinfo><version>1</version><appname></appname></appinfo><commenturl></commenturl></msg>"
    )
    return encode_text(xml), url


def _file_xml(name: str, size: int, rng: random.Random) -> str:
    xml = (
        f'<msg><appmsg appid="" sdkver="0"><title>{name}</title><des></des><action></action><type>6</type>'
        "<showtype>0</showtype><content></content><url></url><appattach>"
        f"<totallen>{size}</totallen><attachid>@cdn_{_hex(rng, 80)}</attachid><fileext>pdf</fileext>"
        f"<cdnattachurl>{_hex(rng, 100)}</cdnattachurl><aeskey>{_hex(rng, 32)}</aeskey><encryver>1</encryver>"
        "</appattach><md5>" + _hex(rng, 32) + "</md5></appmsg><fromusername>wxid_x</fromusername></msg>"
    )
    return encode_text(xml)


def _image_xml(rng: random.Random) -> str:
    xml = (
        '<?xml version="1.0"?>\n<msg>\n\t<img aeskey="'
        + _hex(rng, 32)
        + '" encryver="1" cdnthumbaeskey="'
        + _hex(rng, 32)
        + '" cdnthumburl="'
        + _hex(rng, 200)
        + '" cdnthumblength="3415" cdnthumbheight="120" '
        'cdnthumbwidth="90" cdnmidheight="0" cdnmidwidth="0" cdnhdheight="0" cdnhdwidth="0" cdnmidimgurl="'
        + _hex(rng, 200)
        + '" length="43117" md5="'
        + _hex(rng, 32)
        + '" hevc_mid_size="43117" />\n</msg>\n'
    )
    return encode_text(xml)


def build_reply(seed: int = 7) -> bytes:
    """A webwxsync reply body with 100 messages of a busy account (see the module docstring)."""
    rng = random.Random(seed)
    rooms = ["@@" + _hex(rng, 64) for _ in range(4)]
    people = ["@" + _hex(rng, rng.choice((32, 64))) for _ in range(20)]
    kinds = (
        ["group_text"] * 45
        + ["direct_text"] * 15
        + ["own_text"] * 5
        + ["link"] * 8
        + ["file"] * 4
        + ["image"] * 12
        + ["voice"] * 3
        + ["sticker"] * 2
        + ["video"] * 2
        + ["revoke"]
        + ["system"] * 2
        + ["location"]
    )
    rng.shuffle(kinds)
    items = []
    for i, kind in enumerate(kinds):
        room, person = rng.choice(rooms), rng.choice(people)
        text = encode_text(rng.choice(_TEXTS))
        if kind == "group_text":
            items.append(_item(rng, i, FromUserName=room, Content=f"{person}:<br/>{text}"))
        elif kind == "direct_text":
            items.append(_item(rng, i, FromUserName=person, Content=text))
        elif kind == "own_text":
            items.append(_item(rng, i, FromUserName=ME, ToUserName=rng.choice(rooms + people), Content=text))
        elif kind == "link":
            xml, url = _link_xml(rng, rng.choice(["2018在上海，这些统统免费啦！", "Tea &amp; cake 🍰"]))
            items.append(
                _item(
                    rng,
                    i,
                    FromUserName=room,
                    MsgType=49,
                    AppMsgType=5,
                    Url=url,
                    Content=f"{person}:<br/>{xml}",
                )
            )
        elif kind == "file":
            items.append(
                _item(
                    rng,
                    i,
                    FromUserName=person,
                    MsgType=49,
                    AppMsgType=6,
                    FileName="report Q3.pdf",
                    FileSize="482137",
                    MediaId="@crypt_" + _hex(rng, 40),
                    Content=_file_xml("report Q3.pdf", 482137, rng),
                )
            )
        elif kind == "image":
            items.append(
                _item(
                    rng,
                    i,
                    FromUserName=room,
                    MsgType=3,
                    ImgWidth=90,
                    ImgHeight=120,
                    Content=f"{person}:<br/>{_image_xml(rng)}",
                )
            )
        elif kind == "voice":
            items.append(
                _item(
                    rng,
                    i,
                    FromUserName=person,
                    MsgType=34,
                    VoiceLength=4200,
                    Content=encode_text(
                        f'<msg><voicemsg endflag="1" length="6720" voicelength="4200" '
                        f'clientmsgid="{_hex(rng, 40)}" /></msg>'
                    ),
                )
            )
        elif kind == "sticker":
            items.append(
                _item(
                    rng,
                    i,
                    FromUserName=room,
                    MsgType=47,
                    Content=f"{person}:<br/>"
                    + encode_text(f'<msg><emoji md5="{_hex(rng, 32)}" type="2" len="4021" /></msg>'),
                )
            )
        elif kind == "video":
            items.append(
                _item(
                    rng,
                    i,
                    FromUserName=person,
                    MsgType=43,
                    PlayLength=12,
                    Content=encode_text(
                        f'<msg><videomsg length="901233" playlength="12" md5="{_hex(rng, 32)}" /></msg>'
                    ),
                )
            )
        elif kind == "revoke":
            xml = (
                f'<sysmsg type="revokemsg"><revokemsg><session>{room}</session>'
                "<oldmsgid>1057712390</oldmsgid>"
                f'<msgid>3328715812406402417</msgid><replacemsg><![CDATA["Ann" 撤回了一条消息]]></replacemsg>'
                "</revokemsg></sysmsg>"
            )
            items.append(
                _item(rng, i, FromUserName=room, MsgType=10002, Content=f"{person}:<br/>{encode_text(xml)}")
            )
        elif kind == "system":
            items.append(
                _item(rng, i, FromUserName=room, MsgType=10000, Content='"Ann"邀请"Bob 😄"加入了群聊')
            )
        else:
            ori = encode_text(
                '<?xml version="1.0"?>\n<msg>\n\t<location x="39.908860" y="116.397390" scale="16" '
                'label="北京市东城区天安门" maptype="0" poiname="[位置]" />\n</msg>\n'
            )
            items.append(
                _item(
                    rng,
                    i,
                    FromUserName=person,
                    MsgType=1,
                    SubMsgType=48,
                    OriContent=ori,
                    Url="http://apis.map.qq.com/uri/v1/geocoder?coord=39.908860,116.397390",
                    Content="北京市东城区天安门:<br/>/cgi-bin/mmwebwx-bin/webwxgetpubliclinkimg"
                    "?url=xxx&amp;msgid=1&amp;pictype=location",
                )
            )
    key = {"Count": 4, "List": [{"Key": k, "Val": 651991553 + k} for k in (1, 2, 3, 1000)]}
    reply = {
        "BaseResponse": {"Ret": 0, "ErrMsg": ""},
        "AddMsgCount": len(items),
        "AddMsgList": items,
        "ModContactCount": 0,
        "ModContactList": [],
        "DelContactCount": 0,
        "DelContactList": [],
        "ModChatRoomMemberCount": 0,
        "ModChatRoomMemberList": [],
        "Profile": {
            "BitFlag": 0,
            "UserName": {"Buff": ""},
            "NickName": {"Buff": ""},
            "BindUin": 0,
            "BindEmail": {"Buff": ""},
            "BindMobile": {"Buff": ""},
            "Status": 0,
            "Sex": 0,
            "PersonalCard": 0,
            "Alias": "",
            "HeadImgUpdateFlag": 0,
            "HeadImgUrl": "",
            "Signature": "",
        },
        "ContinueFlag": 0,
        "SyncKey": key,
        "SKey": "",
        "SyncCheckKey": key,
    }
    # The real server writes non-ASCII as UTF-8 and pretty-prints nothing: like ensure_ascii=False.
    return json.dumps(reply, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _per_call_ns(fn: Callable[[], object], calls: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(calls):
        fn()
    return (time.perf_counter_ns() - start) / calls


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--short", action="store_true", help="quick run for CI")
    args = parser.parse_args()
    rounds, calls = (7, 20) if args.short else (41, 60)

    body = build_reply()
    reply = parse_sync(body, ME)
    if len(reply.messages) != 100:
        raise SystemExit(f"bench reply decoded to {len(reply.messages)} messages, not 100")
    categories = sorted({m.category for m in reply.messages})

    contenders: dict[str, Callable[[], object]] = {
        "json.loads": lambda: json.loads(body),
        "orjson.loads": lambda: orjson.loads(body),
        "parse_sync": lambda: parse_sync(body, ME),
    }
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    ratios: list[float] = []
    for fn in contenders.values():  # warm up caches and the regex cache
        _per_call_ns(fn, 5)
    for _ in range(rounds):  # interleaved: load on the shared machine hits every contender alike
        for name, fn in contenders.items():
            samples[name].append(_per_call_ns(fn, calls))
        ratios.append(samples["parse_sync"][-1] / samples["json.loads"][-1])
    median = {name: statistics.median(values) for name, values in samples.items()}
    best = {name: min(values) for name, values in samples.items()}
    method = (
        f"median over {rounds} rounds of the per-round ratio; each round times {calls} calls of each "
        f"contender back to back in one process; body {len(body)} bytes, 100 messages"
    )
    figure(
        "codec.sync_decode_vs_json_loads",
        statistics.median(ratios),
        "x",
        target="<= 1.5",
        method=method,
        ratio_of_best=round(best["parse_sync"] / best["json.loads"], 3),
        categories=categories,
    )
    figure("codec.sync_decode_100_messages", median["parse_sync"] / 1000, "us", method="median per call")
    figure("codec.json_loads_same_body", median["json.loads"] / 1000, "us", method="median per call")
    figure("codec.orjson_loads_same_body", median["orjson.loads"] / 1000, "us", method="median per call")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
