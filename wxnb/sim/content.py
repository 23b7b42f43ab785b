"""What a message of each kind looks like on the wire: MsgType, Content and the other AddMsgList fields.

Pure functions of Unicode inputs. Content is already in wire form (``& < >`` escaped, ``<br/>`` line
breaks, emoji spans; embedded XML escaped the same way, PROTOCOL.md §5). Where the wire names a
person or a room by this login's UserName (a card, a friend request, a revoke notice), the body holds
a placeholder (:func:`person_ref`, :func:`room_ref`) that the renderer replaces per login.

Example:
    >>> b = compose("text", text="Tom & Jerry 😄", msg_id=1, sender_wxid="wxid_a")
    >>> b.msg_type, b.content
    (1, 'Tom &amp; Jerry <span class="emoji emoji1f604"></span>')
    >>> compose("link", fields={"url": "http://a/?x=1&y=2", "title": "T"}, msg_id=2).fields["AppMsgType"]
    5
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wxnb.sim.markup import escape, wire_text, wire_xml
from wxnb.sim.strict import json_int, json_real

__all__ = [
    "KINDS",
    "Body",
    "PersonFacts",
    "compose",
    "person_ref",
    "revoke_body",
    "room_ref",
    "substitute_refs",
]

_REF_RE = re.compile("\x00([pr])(\\d+)\x00")


def person_ref(pid: int) -> str:
    """A placeholder for person ``pid``'s UserName, replaced per login when the message is rendered."""
    return f"\x00p{pid}\x00"


def room_ref(rid: int) -> str:
    """A placeholder for room ``rid``'s UserName."""
    return f"\x00r{rid}\x00"


def substitute_refs(text: str, name: Callable[[str, int], str]) -> str:
    """Replace every placeholder in ``text`` with ``name("p"|"r", id)``."""
    return _REF_RE.sub(lambda m: name(m.group(1), int(m.group(2))), text)


@dataclass(slots=True)
class Body:
    """A message body: MsgType, wire Content and the AddMsgList fields that differ from the defaults.

    ``refs`` is True when Content or fields hold placeholders. ``media`` describes what
    webwxgetmsgimg/webwxgetvoice/webwxgetvideo serve for it (``{"width", "height"}`` or
    ``{"voice_ms"}``...). ``selector`` is the synccheck selector it raises (2, or 7 for a chat
    opened on the phone). ``prefix`` is False for messages that never carry the group sender prefix.
    """

    msg_type: int
    content: str
    fields: dict[str, Any] = field(default_factory=dict)
    refs: bool = False
    media: dict[str, Any] | None = None
    selector: int = 2
    prefix: bool = True


@dataclass(slots=True)
class PersonFacts:
    """What a card or a friend request tells about someone."""

    pid: int
    wxid: str
    nickname: str
    alias: str = ""
    province: str = ""
    city: str = ""
    signature: str = ""
    sex: int = 0
    verify_flag: int = 0
    attr_status: int = 0


def _attr(text: str) -> str:
    """Escape a value for an XML attribute (before the whole XML is escaped for the wire)."""
    return escape(text).replace('"', "&quot;")


def _hex(seed: str, n: int = 32) -> str:
    out = ""
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).hexdigest()
        counter += 1
    return out[:n]


# What a message field may hold (a number outside would poison every later sync reply: orjson
# cannot write an int beyond 64 bits, and a negative length has no bytes to serve).
_FIELD_RANGES: Mapping[str, tuple[int, int]] = {
    "width": (0, 65_535),  # a JPEG's limit
    "height": (0, 65_535),
    "voice_length_ms": (0, 3_600_000),
    "play_length_s": (0, 86_400),
    "file_size": (0, 2**53),
}


def _int(fields: Mapping[str, object], name: str, default: int) -> int:
    """A numeric field, strictly (a JSON number or ASCII digits in its range), or ``default``.

    Raises NumberError (a ValueError) naming the field and its range when the value is unusable.
    """
    value = fields.get(name)
    if value is None:
        return default
    low, high = _FIELD_RANGES[name]
    return json_int(value, name, low, high, text=True)


def _coordinate(fields: Mapping[str, object], name: str, default: float, limit: float) -> float:
    value = fields.get(name)
    return default if value is None else json_real(value, name, -limit, limit)


def _str(fields: Mapping[str, object], name: str, default: str = "") -> str:
    value = fields.get(name, default)
    return value if isinstance(value, str) else str(value)


def _thumb(width: int, height: int, limit: int = 120) -> tuple[int, int]:
    scale = min(1.0, limit / max(1, width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _text(text: str, fields: Mapping[str, object], msg_id: int, wxid: str) -> Body:
    return Body(1, wire_text(text))


def _image(text: str, fields: Mapping[str, object], msg_id: int, wxid: str) -> Body:
    width, height = _int(fields, "width", 640), _int(fields, "height", 480)
    tw, th = _thumb(width, height)
    key = _hex(f"img{msg_id}")
    length = width * height // 5 + 1024
    xml = (
        '<?xml version="1.0"?>\n<msg>\n\t<img aeskey="'
        + key
        + f'" encryver="1" cdnthumbaeskey="{key}" cdnthumburl="30{_hex(f"t{msg_id}", 60)}" '
        f'cdnthumblength="{tw * th // 3}" cdnthumbheight="{th}" cdnthumbwidth="{tw}" cdnmidheight="0" '
        f'cdnmidwidth="0" cdnhdheight="0" cdnhdwidth="0" cdnmidimgurl="30{_hex(f"m{msg_id}", 60)}" '
        f'length="{length}" md5="{_hex(f"md5{msg_id}")}" />\n</msg>\n'
    )
    return Body(
        3,
        wire_xml(xml),
        {"ImgStatus": 2, "ImgWidth": tw, "ImgHeight": th},
        media={"width": width, "height": height},
    )


def _voice(text: str, fields: Mapping[str, object], msg_id: int, wxid: str) -> Body:
    ms = _int(fields, "voice_length_ms", 3000)
    xml = (
        f'<msg><voicemsg endflag="1" cancelflag="0" forwardflag="0" voiceformat="4" voicelength="{ms}" '
        f'length="{ms * 2}" bufid="0" clientmsgid="{_hex(f"v{msg_id}", 40)}" fromusername="{_attr(wxid)}" />'
        "</msg>"
    )
    return Body(34, wire_xml(xml), {"VoiceLength": ms}, media={"voice_ms": ms})


def _video(text: str, fields: Mapping[str, object], msg_id: int, wxid: str, msg_type: int = 43) -> Body:
    seconds = _int(fields, "play_length_s", 10)
    width, height = _int(fields, "width", 540), _int(fields, "height", 960)
    tw, th = _thumb(width, height, 288)
    xml = (
        f'<?xml version="1.0"?>\n<msg>\n\t<videomsg aeskey="{_hex(f"va{msg_id}")}" '
        f'cdnthumburl="30{_hex(f"vt{msg_id}", 60)}" cdnthumbaeskey="{_hex(f"vk{msg_id}")}" '
        f'cdnthumblength="{tw * th // 3}" cdnthumbwidth="{tw}" cdnthumbheight="{th}" '
        f'length="{seconds * 180_000}" playlength="{seconds}" cdnvideourl="30{_hex(f"vu{msg_id}", 60)}" '
        f'fromusername="{_attr(wxid)}" md5="{_hex(f"vm{msg_id}")}" />\n</msg>\n'
    )
    return Body(
        msg_type,
        wire_xml(xml),
        {"PlayLength": seconds, "ImgWidth": tw, "ImgHeight": th, "ImgStatus": 2},
        media={"width": tw, "height": th, "video_s": seconds},
    )


def _short_video(text: str, fields: Mapping[str, object], msg_id: int, wxid: str) -> Body:
    return _video(text, fields, msg_id, wxid, msg_type=62)


def _sticker(text: str, fields: Mapping[str, object], msg_id: int, wxid: str) -> Body:
    md5 = _str(fields, "md5") or _hex(f"e{msg_id}")
    xml = (
        f'<msg><emoji fromusername="{_attr(wxid)}" tousername="" type="2" idbuffer="media:0_0" '
        f'md5="{md5}" len="{24_000 + msg_id % 9_000}" productid="" androidmd5="{md5}" '
        f'cdnurl="http://emoji.qpic.cn/wx_emoji/{_hex(f"ec{msg_id}", 48)}/" designerid="" thumburl="" '
        'encrypturl="" aeskey="" width="240" height="240" /></msg>'
    )
    return Body(
        47,
        wire_xml(xml),
        {"ImgStatus": 2, "ImgWidth": 240, "ImgHeight": 240, "HasProductId": 0},
        media={"width": 240, "height": 240},
    )


def _appmsg(
    app_type: int, title: str, des: str, url: str, wxid: str, attach: str = "", appid: str = ""
) -> str:
    return (
        f'<msg><appmsg appid="{_attr(appid)}" sdkver="0"><title>{escape(title)}</title>'
        f"<des>{escape(des)}</des>"
        f"<action></action><type>{app_type}</type><showtype>0</showtype><content></content>"
        f"<url>{escape(url)}</url><thumburl></thumburl>"
        f"<appattach>{attach or '<totallen>0</totallen><attachid></attachid><fileext></fileext>'}</appattach>"
        f"<extinfo></extinfo></appmsg><fromusername>{escape(wxid)}</fromusername><scene>0</scene>"
        "<appinfo><version>1</version><appname></appname></appinfo><commenturl></commenturl></msg>"
    )


def _link(text: str, fields: Mapping[str, object], msg_id: int, wxid: str) -> Body:
    url = _str(fields, "url", "https://mp.weixin.qq.com/s/" + _hex(f"l{msg_id}", 22))
    title = _str(fields, "title", url)
    des = _str(fields, "description")
    return Body(
        49,
        wire_xml(_appmsg(5, title, des, url, wxid)),
        {"AppMsgType": 5, "FileName": wire_text(title), "Url": url},
    )


def _file(text: str, fields: Mapping[str, object], msg_id: int, wxid: str) -> Body:
    name = _str(fields, "file_name", "file.bin")
    size = _int(fields, "file_size", 1024)
    ext = name.rpartition(".")[2] if "." in name else ""
    media_id = "@crypt_" + _hex(f"f{msg_id}", 200)
    attach = f"<totallen>{size}</totallen><attachid>{media_id}</attachid><fileext>{escape(ext)}</fileext>"
    return Body(
        49,
        wire_xml(_appmsg(6, name, "", "", wxid, attach=attach, appid="wxcb8d4298c6a09bcb")),
        {
            "AppMsgType": 6,
            "FileName": wire_text(name),
            "FileSize": str(size),
            "MediaId": media_id,
            "EncryFileName": escape(name).replace(" ", "%20"),
            "AppInfo": {"AppID": "wxcb8d4298c6a09bcb", "Type": 0},
        },
        media={"file_size": size, "file_name": name, "media_id": media_id},
    )


def _location(text: str, fields: Mapping[str, object], msg_id: int, wxid: str) -> Body:
    label = _str(fields, "label", "天安门广场")
    lat, lng = _coordinate(fields, "lat", 39.9087, 90.0), _coordinate(fields, "lng", 116.3975, 180.0)
    link = f"/cgi-bin/mmwebwx-bin/webwxgetpubliclinkimg?url=xxx&msgid={msg_id}&pictype=location"
    ori = (
        f'<?xml version="1.0"?>\n<msg>\n\t<location x="{lat}" y="{lng}" scale="16" label="{_attr(label)}" '
        'maptype="0" poiname="[位置]" poiid="" />\n</msg>\n'
    )
    return Body(
        1,
        wire_text(f"{label}:\n{link}"),
        {
            "SubMsgType": 48,
            "Url": f"http://apis.map.qq.com/uri/v1/geocoder?coord={lat},{lng}",
            "OriContent": ori,
            "ImgStatus": 2,
        },
    )


def _live_location(text: str, fields: Mapping[str, object], msg_id: int, wxid: str) -> Body:
    xml = _appmsg(17, "[位置共享]", "", "", wxid)
    return Body(49, wire_xml(xml), {"AppMsgType": 17, "FileName": wire_text("[位置共享]")})


def _transfer(text: str, fields: Mapping[str, object], msg_id: int, wxid: str) -> Body:
    amount = _str(fields, "amount", "¥8.88")
    xml = _appmsg(2000, "微信转账", f"收到转账{amount}", "", wxid)
    return Body(49, wire_xml(xml), {"AppMsgType": 2000, "FileName": wire_text("微信转账")})


def _red_packet(text: str, fields: Mapping[str, object], msg_id: int, wxid: str) -> Body:
    xml = _appmsg(2001, "微信红包", "恭喜发财，大吉大利", "", wxid)
    return Body(49, wire_xml(xml), {"AppMsgType": 2001, "FileName": wire_text("微信红包")})


def _mini_program(text: str, fields: Mapping[str, object], msg_id: int, wxid: str) -> Body:
    title = _str(fields, "title", "小程序")
    xml = _appmsg(33, title, "", "https://mp.weixin.qq.com/mp/waerrpage", wxid, appid="wx" + _hex(title, 16))
    return Body(49, wire_xml(xml), {"AppMsgType": 33, "FileName": wire_text(title)})


def _voip(text: str, fields: Mapping[str, object], msg_id: int, wxid: str) -> Body:
    xml = (
        "<voipinvitemsg><roomid>0</roomid><key>0</key><status>1</status>"
        "<invitetype>0</invitetype></voipinvitemsg>"
    )
    return Body(50, wire_xml(xml))


def _system(text: str, fields: Mapping[str, object], msg_id: int, wxid: str) -> Body:
    return Body(10000, wire_text(text or _str(fields, "text")), prefix=False)


def _notice(text: str, fields: Mapping[str, object], msg_id: int, wxid: str) -> Body:
    return Body(9999, wire_text(text or _str(fields, "text")), prefix=False)


_COMPOSERS: dict[str, Callable[[str, Mapping[str, object], int, str], Body]] = {
    "text": _text,
    "image": _image,
    "voice": _voice,
    "video": _video,
    "short_video": _short_video,
    "sticker": _sticker,
    "link": _link,
    "file": _file,
    "location": _location,
    "live_location": _live_location,
    "transfer": _transfer,
    "red_packet": _red_packet,
    "mini_program": _mini_program,
    "voip": _voip,
    "system": _system,
    "notice": _notice,
}

# Kinds the world can send from a contact; "card", "friend_request", "possible_friend" and "revoke"
# need more than text and fields and have their own builders below.
KINDS = (*_COMPOSERS, "card", "friend_request", "possible_friend", "revoke")


def compose(
    kind: str,
    *,
    text: str = "",
    fields: Mapping[str, object] | None = None,
    msg_id: int,
    sender_wxid: str = "",
) -> Body:
    """The body of a message of ``kind`` (see :data:`KINDS`) with Unicode ``text`` and kind ``fields``."""
    composer = _COMPOSERS.get(kind)
    if composer is None:
        raise ValueError(f"unknown message kind {kind!r}; known kinds: {', '.join(KINDS)}")
    return composer(text, fields or {}, msg_id, sender_wxid)


def _recommend(who: PersonFacts, content: str, scene: int, ticket: str, op: int) -> dict[str, Any]:
    return {
        "UserName": person_ref(who.pid),
        "NickName": wire_text(who.nickname),
        "QQNum": 0,
        "Province": wire_text(who.province),
        "City": wire_text(who.city),
        "Content": wire_text(content),
        "Signature": wire_text(who.signature),
        "Alias": who.alias,
        "Scene": scene,
        "VerifyFlag": who.verify_flag,
        "AttrStatus": who.attr_status,
        "Sex": who.sex,
        "Ticket": ticket,
        "OpCode": op,
    }


def card_body(card: PersonFacts) -> Body:
    """A contact card (MsgType 42) recommending ``card``."""
    xml = (
        f'<?xml version="1.0"?>\n<msg bigheadimgurl="" smallheadimgurl="" username="{person_ref(card.pid)}" '
        f'nickname="{_attr(card.nickname)}" fullpy="" shortpy="" alias="{_attr(card.alias)}" imagestatus="3" '
        f'scene="17" province="{_attr(card.province)}" city="{_attr(card.city)}" '
        f'sign="{_attr(card.signature)}" sex="{card.sex}" certflag="0" certinfo="" brandIconUrl="" '
        'brandHomeUrl="" brandSubscriptConfigUrl="" brandFlags="0" regionCode="" />\n'
    )
    return Body(42, wire_xml(xml), {"RecommendInfo": _recommend(card, "", 17, "", 0)}, refs=True)


def friend_request_body(who: PersonFacts, greeting: str, msg_id: int, msg_type: int = 37) -> Body:
    """A friend request (37) or a possible-friend notice (40) from ``who``; it comes from ``fmessage``."""
    ticket = "v2_" + _hex(f"ticket{msg_id}", 64) + "@stranger"
    xml = (
        f'<msg fromusername="{_attr(who.wxid)}" encryptusername="v1_{_hex(who.wxid, 64)}@stranger" '
        f'fromnickname="{_attr(who.nickname)}" content="{_attr(greeting)}" fullpy="" shortpy="" '
        f'imagestatus="3" scene="30" country="CN" province="{_attr(who.province)}" city="{_attr(who.city)}" '
        f'sign="{_attr(who.signature)}" percard="1" sex="{who.sex}" alias="{_attr(who.alias)}" weibo="" '
        f'albumflag="0" albumstyle="0" albumbgimgid="" snsflag="1" ticket="{ticket}" opcode="2" '
        'googlecontact="" qrticket="" chatroomusername="" sourceusername="" sourcenickname=""></msg>'
    )
    fields: dict[str, Any] = {
        "RecommendInfo": _recommend(who, greeting, 30, ticket, 2),
        "FromUserName": "fmessage",
        "Ticket": ticket,
    }
    return Body(msg_type, wire_xml(xml), fields, refs=True, prefix=False)


def revoke_body(chat_ref: str, svr_msg_id: int, client_msg_id: str, replace: str) -> Body:
    """A revoke notice (10002) for ``svr_msg_id`` in the chat whose placeholder is ``chat_ref``."""
    xml = (
        f'<sysmsg type="revokemsg"><revokemsg><session>{chat_ref}</session>'
        f"<oldmsgid>{escape(client_msg_id)}</oldmsgid><msgid>{svr_msg_id}</msgid>"
        f"<replacemsg><![CDATA[{replace}]]></replacemsg></revokemsg></sysmsg>"
    )
    return Body(10002, wire_xml(xml), refs=True)
