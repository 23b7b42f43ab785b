"""AddMsgList items → Message: who/where, text decoding and every content kind."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.unit import protocol_samples as s
from tests.unit.protocol_samples import ANN, BOB, ME, ROOM, item
from wxnb.protocol.errors import ProtocolError
from wxnb.protocol.items import decode_message, decode_messages, split_group_prefix


def test_real_group_message_from_the_seed() -> None:
    sync = json.loads(s.sample_bytes("sync_seed002.json"))
    raw = sync["AddMsgList"][0]
    me = raw["ToUserName"]
    m = decode_message(raw, me)
    assert m.msg_id == "7466342607691052416"
    assert m.chat == raw["FromUserName"]
    assert m.sender == "@da84612cd0f1409ee1feeee03d85e70faf7275cbf84326eae071293df8883941"
    assert (m.is_group, m.is_self) == (True, False)
    assert (m.text, m.category, m.msg_type) == ("有", "text", 1)
    assert m.raw_content == raw["Content"]
    assert m.create_time == 1513913385


def test_direct_text_with_emoji_entities_and_new_lines() -> None:
    content = 'Tom &amp; Jerry &lt;3<br/>see <span class="emoji emoji1f604"></span> &quot;ok&quot; it&#39;s'
    m = decode_message(item(Content=content), ME)
    assert (m.chat, m.sender, m.is_group, m.is_self) == (BOB, BOB, False, False)
    assert m.text == 'Tom & Jerry <3\nsee 😄 "ok" it\'s'


def test_own_message_to_a_room_has_no_prefix() -> None:
    m = decode_message(item(FromUserName=ME, ToUserName=ROOM, Content="hello @Ann\u2005"), ME)
    assert (m.chat, m.sender, m.is_group, m.is_self) == (ROOM, ME, True, True)
    assert m.text == "hello @Ann\u2005"


def test_own_message_to_a_friend() -> None:
    m = decode_message(item(FromUserName=ME, ToUserName=BOB, Content="hi"), ME)
    assert (m.chat, m.sender, m.is_group, m.is_self) == (BOB, ME, False, True)


def test_own_message_echoed_in_a_room_with_a_prefix_is_self() -> None:
    m = decode_message(item(FromUserName=ROOM, Content=f"{ME}:<br/>mine"), ME)
    assert (m.chat, m.sender, m.is_self, m.text) == (ROOM, ME, True, "mine")


def test_room_system_notice_without_prefix() -> None:
    m = decode_message(item(FromUserName=ROOM, MsgType=10000, Content='"Ann"邀请"Bob"加入了群聊'), ME)
    assert (m.category, m.sender, m.text) == ("system", ROOM, '"Ann"邀请"Bob"加入了群聊')


def test_group_prefix_split() -> None:
    assert split_group_prefix(f"{ANN}:<br/>a:<br/>b") == (ANN, "a:<br/>b")
    assert split_group_prefix("@zz:<br/>x") == ("", "@zz:<br/>x")  # not hex: not a UserName
    assert split_group_prefix("@:<br/>x") == ("", "@:<br/>x")
    assert split_group_prefix("@" + "a" * 200 + ":<br/>x")[0] == ""
    assert split_group_prefix("@abc no sep") == ("", "@abc no sep")


def test_message_to_a_room_from_someone_else_is_a_group_message() -> None:
    m = decode_message(item(FromUserName=BOB, ToUserName=ROOM, Content="x"), ME)
    assert (m.chat, m.sender, m.is_group, m.is_self) == (ROOM, BOB, True, False)


def test_link_app_message() -> None:
    url = "http://mp.weixin.qq.com/s?__biz=MzA5&amp;mid=26&amp;idx=1#rd"
    m = decode_message(item(MsgType=49, AppMsgType=5, Content=s.LINK_CONTENT, Url=url), ME)
    assert m.category == "link"
    assert m.text == "Tea & cake: <best> 🍰"
    assert m.description == "A guide"
    assert m.url == "http://mp.weixin.qq.com/s?__biz=MzA5&mid=26&idx=1#rd"


def test_link_url_taken_from_the_xml_when_the_field_is_empty() -> None:
    m = decode_message(item(MsgType=49, AppMsgType=5, Content=s.LINK_CONTENT), ME)
    assert m.url == "http://mp.weixin.qq.com/s?__biz=MzA5&mid=26&idx=1#rd"


def test_link_in_a_room_with_unescaped_xml_and_cdata_title() -> None:
    content = (
        f"{ANN}:<br/><msg><appmsg><title><![CDATA[A <b> title]]></title><des>d &amp; e</des>"
        "<url>http://x.example/?a=1&amp;b=2</url></appmsg></msg>"
    )
    m = decode_message(item(FromUserName=ROOM, MsgType=49, AppMsgType=5, Content=content), ME)
    assert (m.sender, m.text, m.description, m.url) == (
        ANN,
        "A <b> title",
        "d & e",
        "http://x.example/?a=1&b=2",
    )


def test_file_app_message() -> None:
    m = decode_message(
        item(MsgType=49, AppMsgType=6, Content=s.FILE_CONTENT, FileName="report Q3.pdf", FileSize="482137"),
        ME,
    )
    assert (m.category, m.file_name, m.file_size, m.text) == (
        "file",
        "report Q3.pdf",
        482137,
        "report Q3.pdf",
    )


def test_file_size_from_the_xml_when_the_field_is_empty() -> None:
    m = decode_message(item(MsgType=49, AppMsgType=6, Content=s.FILE_CONTENT), ME)
    assert (m.file_size, m.text) == (482137, "report Q3.pdf")


@pytest.mark.parametrize(
    ("app_type", "category"),
    [
        (5, "link"),
        (6, "file"),
        (8, "sticker"),
        (17, "live_location"),
        (2000, "transfer"),
        (2001, "red_packet"),
        (33, "mini_program"),
        (77, "app"),
    ],
)
def test_app_message_categories(app_type: int, category: str) -> None:
    assert decode_message(item(MsgType=49, AppMsgType=app_type, Content=""), ME).category == category


def test_image_in_a_room() -> None:
    content = f"{ANN}:<br/>{s.IMAGE_CONTENT}"
    m = decode_message(item(FromUserName=ROOM, MsgType=3, Content=content, ImgWidth=90, ImgHeight=120), ME)
    assert (m.category, m.sender, m.text, m.img_width, m.img_height) == ("image", ANN, "", 90, 120)
    assert m.raw_content == content


@pytest.mark.parametrize(
    ("msg_type", "category"), [(34, "voice"), (43, "video"), (47, "sticker"), (62, "video")]
)
def test_media_kinds(msg_type: int, category: str) -> None:
    m = decode_message(item(MsgType=msg_type, Content="&lt;msg/&gt;", VoiceLength=3000, PlayLength=7), ME)
    assert (m.category, m.text, m.voice_length, m.play_length) == (category, "", 3000, 7)


def test_revoke_in_a_room() -> None:
    m = decode_message(item(FromUserName=ROOM, MsgType=10002, Content=f"{ANN}:<br/>{s.REVOKE_CONTENT}"), ME)
    assert (m.category, m.sender) == ("revoke", ANN)
    assert m.revoked_msg_id == "3328715812406402417"
    assert m.text == '"Ann" 撤回了一条消息'


def test_revoke_without_msgid_is_kept_leniently() -> None:
    m = decode_message(item(MsgType=10002, Content="&lt;sysmsg type=&quot;revokemsg&quot;&gt;"), ME)
    assert (m.category, m.revoked_msg_id, m.text) == ("revoke", None, "")


def test_status_notify_lists_the_chats() -> None:
    names = f"filehelper,{ROOM},{BOB}"
    m = decode_message(
        item(FromUserName=ME, ToUserName=ME, MsgType=51, StatusNotifyCode=4, StatusNotifyUserName=names), ME
    )
    assert (m.category, m.status_notify_code) == ("status", 4)
    assert m.status_notify_user_names == ("filehelper", ROOM, BOB)
    assert m.status_notify_user_name == names


def _recommend(**fields: Any) -> dict[str, Any]:
    info: dict[str, Any] = dict(item()["RecommendInfo"])
    info.update(fields)
    return info


def test_friend_request() -> None:
    info = _recommend(
        UserName="@f00d",
        NickName='Carol <span class="emoji emoji1f338"></span>',
        Content="I'm Carol from the meetup",
        Ticket="v2_abc@stranger",
    )
    m = decode_message(item(FromUserName="fmessage", MsgType=37, RecommendInfo=info), ME)
    assert m.category == "friend_request"
    assert (m.recommend_user_name, m.recommend_nickname) == ("@f00d", "Carol 🌸")
    assert m.text == m.recommend_content == "I'm Carol from the meetup"
    assert m.recommend_ticket == "v2_abc@stranger"
    assert "v2_abc" not in repr(m)


def test_contact_card() -> None:
    m = decode_message(item(MsgType=42, RecommendInfo=_recommend(UserName="@c4", NickName="Dave")), ME)
    assert (m.category, m.text, m.recommend_user_name) == ("card", "Dave", "@c4")


def test_location_as_text_with_sub_type_48() -> None:
    m = decode_message(
        item(
            MsgType=1,
            SubMsgType=48,
            Content="北京市东城区天安门:<br/>/cgi-bin/mmwebwx-bin/webwxgetpubliclinkimg?url=x&amp;pictype=location",
            OriContent=s.LOCATION_ORI,
            Url="http://apis.map.qq.com/uri/v1/geocoder?coord=39.908860,116.397390",
        ),
        ME,
    )
    assert (m.category, m.text) == ("location", "北京市东城区天安门")
    assert (m.latitude, m.longitude) == (39.90886, 116.39739)
    assert m.url.startswith("http://apis.map.qq.com/")


def test_location_message_type_48() -> None:
    m = decode_message(item(MsgType=48, Content=s.LOCATION_ORI), ME)
    assert (m.category, m.text, m.latitude, m.longitude) == (
        "location",
        "北京市东城区天安门",
        39.90886,
        116.39739,
    )


def test_location_with_bad_coordinates_keeps_the_text() -> None:
    m = decode_message(item(MsgType=48, Content='<msg><location x="north" label="here"/></msg>'), ME)
    assert (m.text, m.latitude, m.longitude) == ("here", None, None)


def test_unknown_type_keeps_decoded_text() -> None:
    m = decode_message(item(MsgType=12345, Content="a &amp; b"), ME)
    assert (m.category, m.text) == ("unknown", "a & b")


def test_tolerated_number_forms() -> None:
    m = decode_message(item(MsgId=7466342607691052416, MsgType="1", CreateTime="1513913385", Content="x"), ME)
    assert (m.msg_id, m.msg_type, m.create_time) == ("7466342607691052416", 1, 1513913385)


def test_minimal_item_from_another_server() -> None:
    raw = {"MsgId": "1", "FromUserName": BOB, "ToUserName": ME, "MsgType": 1, "Content": "x", "CreateTime": 1}
    m = decode_message(raw, ME)
    assert (m.text, m.file_size, m.url, m.media_id) == ("x", None, "", "")


@pytest.mark.parametrize(
    "change",
    [
        {"MsgId": None},
        {"MsgId": 1.5},
        {"FromUserName": 5},
        {"ToUserName": None},
        {"MsgType": "text"},
        {"Content": None},
        {"CreateTime": []},
        {"ImgWidth": "wide"},
        {"FileSize": "big"},
        {"Url": 3},
        {"MsgType": 37, "RecommendInfo": "x"},
        {"MsgType": 51, "StatusNotifyUserName": 1},
    ],
)
def test_wrong_envelope_types_raise_protocol_error(change: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError) as info:
        decode_message(item(**change), ME)
    assert info.value.endpoint == "webwxsync"


@pytest.mark.parametrize("field", ["MsgId", "FromUserName", "ToUserName", "MsgType", "Content", "CreateTime"])
def test_missing_envelope_fields_raise_protocol_error(field: str) -> None:
    raw = item()
    del raw[field]
    with pytest.raises(ProtocolError, match=field):
        decode_message(raw, ME)


def test_decode_messages_names_the_bad_item() -> None:
    with pytest.raises(ProtocolError, match=r"AddMsgList\[1\]"):
        decode_messages([item(Content="ok"), item(Content=None)], ME)
    with pytest.raises(ProtocolError):
        decode_messages(["not a dict"], ME)  # type: ignore[list-item]


def test_fast_constructor_builds_the_same_object_as_the_dataclass() -> None:
    import dataclasses

    raw = item(FromUserName=ROOM, MsgType=49, AppMsgType=5, Content=f"{ANN}:<br/>{s.LINK_CONTENT}")
    m = decode_message(raw, ME)
    rebuilt = dataclasses.replace(m)  # goes through Message.__init__
    assert rebuilt == m
    assert all(getattr(m, f.name) == getattr(rebuilt, f.name) for f in dataclasses.fields(m))
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.text = "changed"  # type: ignore[misc]
