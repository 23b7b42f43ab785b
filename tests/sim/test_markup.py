"""The simulator's wire text against PROTOCOL.md, and the client's decoder against the simulator's text.

The simulator writes text with its own encoder (``wxnb.sim.markup``), so these tests catch a codec
bug on either side instead of letting it cancel itself out: the encoder is checked against wire
samples written by hand from PROTOCOL.md §5 and the seed captures, the client's decoder against the
same samples and against the encoder on generated text.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

# The client's decoder, imported where it lives today (the lead re-points these at merge if it moves).
from wxnb.protocol.items import decode_message
from wxnb.protocol.wiretext import decode_text
from wxnb.sim.markup import mention, room_prefix, wire_text, wire_xml

# (Unicode text, wire form), written by hand from PROTOCOL.md §5 and ../shared/seeds.
SAMPLES = [
    ("plain", "plain"),
    ("有", "有"),
    ("Tom & Jerry", "Tom &amp; Jerry"),
    ("a < b > c", "a &lt; b &gt; c"),
    ("&lt; is literal", "&amp;lt; is literal"),
    ('他说："明天见" it\'s', '他说："明天见" it\'s'),  # quotes are not escaped by the server
    ("line 1\nline 2", "line 1<br/>line 2"),
    ("\n\n", "<br/><br/>"),
    ("😄", '<span class="emoji emoji1f604"></span>'),
    ("hi 😄!", 'hi <span class="emoji emoji1f604"></span>!'),
    ("😄😂", '<span class="emoji emoji1f604"></span><span class="emoji emoji1f602"></span>'),
    ("🇨🇳", '<span class="emoji emoji1f1e81f1f3"></span>'),
    ("🇨🇳🇯🇵", '<span class="emoji emoji1f1e81f1f3"></span><span class="emoji emoji1f1ef1f1f5"></span>'),
    ("👍🏽", '<span class="emoji emoji1f44d1f3fd"></span>'),
    ("❤️", '<span class="emoji emoji2764fe0f"></span>'),
    ("👨\u200d👩\u200d👧", '<span class="emoji emoji1f468200d1f469200d1f467"></span>'),
    ("👩🏽\u200d💻", '<span class="emoji emoji1f4691f3fd200d1f4bb"></span>'),
    ("⌚ ⭐", '<span class="emoji emoji231a"></span> <span class="emoji emoji2b50"></span>'),
    ("a&b\n😄<", 'a&amp;b<br/><span class="emoji emoji1f604"></span>&lt;'),
    ('<span class="emoji emoji1f604"></span>', '&lt;span class="emoji emoji1f604"&gt;&lt;/span&gt;'),
]


@pytest.mark.parametrize(("text", "wire"), SAMPLES)
def test_the_simulator_writes_the_wire_form_protocol_md_gives(text: str, wire: str) -> None:
    assert wire_text(text) == wire


@pytest.mark.parametrize(("text", "wire"), SAMPLES)
def test_the_client_reads_the_hand_written_wire_samples(text: str, wire: str) -> None:
    assert decode_text(wire) == text


def test_crlf_is_one_new_line_and_a_lone_cr_is_kept() -> None:
    assert wire_text("a\r\nb") == "a<br/>b"
    assert wire_text("a\rb") == "a\rb"


def test_a_subdivision_flag_keeps_its_tag_characters_as_text_after_the_span() -> None:
    england = "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    wire = wire_text(england)
    assert wire == '<span class="emoji emoji1f3f4"></span>' + england[1:]
    assert decode_text(wire) == england


def test_embedded_xml_is_escaped_with_line_breaks() -> None:
    xml = '<sysmsg type="revokemsg">\n<revokemsg><msgid>42</msgid></revokemsg>\n</sysmsg>'
    assert wire_xml(xml) == (
        '&lt;sysmsg type="revokemsg"&gt;<br/>&lt;revokemsg&gt;&lt;msgid&gt;42&lt;/msgid&gt;'
        "&lt;/revokemsg&gt;<br/>&lt;/sysmsg&gt;"
    )


def test_a_room_message_carries_the_senders_user_name_as_in_the_seed_capture() -> None:
    sender = "@da84612cd0f1409ee1feeee03d85e70faf7275cbf84326eae071293df8883941"
    content = room_prefix(sender) + wire_text("有")
    # copied from a captured AddMsgList item (seeds/002)
    assert content == "@da84612cd0f1409ee1feeee03d85e70faf7275cbf84326eae071293df8883941:<br/>有"
    message = decode_message(
        {"MsgId": "1", "FromUserName": "@@r", "ToUserName": "@me", "MsgType": 1, "Content": content,
         "CreateTime": 5},
        "@me",
    )  # fmt: skip
    assert (message.sender, message.text) == (sender, "有")


def test_a_mention_ends_with_a_four_per_em_space() -> None:
    text = mention("张伟") + "明天见"
    assert wire_text(text) == "@张伟\u2005明天见"
    assert decode_text(wire_text(text)) == text


@pytest.mark.parametrize(
    ("wire", "text"),
    [
        ("&quot;quoted&quot; &#39;single&#39;", "\"quoted\" 'single'"),  # decoders meet these (PROTOCOL §5)
        ("a<br>b<BR />c", "a\nb\nc"),
        ('<span class="emoji emoji1F604"></span>', "😄"),  # upper-case hex is still read
        ("&amp;amp;", "&amp;"),
        ('<span class="emoji emojizz"></span>', '<span class="emoji emojizz"></span>'),  # kept, not dropped
    ],
)
def test_the_client_reads_variants_the_real_server_is_known_to_send(wire: str, text: str) -> None:
    assert decode_text(wire) == text


_EMOJI = st.sampled_from(
    [
        "😄", "😂", "👍", "👍🏻", "👍🏿", "❤", "❤️", "⭐", "⌚", "☀️", "✌🏽", "🤷\u200d♀️",
        "👨\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "👩🏽\u200d💻", "🇨🇳", "🇺🇸", "🇯🇵", "🇩",
        "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
        "1️⃣", "#️⃣", "\u200d", "\ufe0f", "🏽", "🀄", "🫠",
    ]
)  # fmt: skip
_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
_SPECIAL = st.sampled_from(["&", "<", ">", '"', "'", "\n", "\r\n", "\r", " ", "\u2005", "@", ":", "/", ";"])
_ENTITY_LIKE = st.sampled_from(["&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#x1F604;", "<br/>", "<br>"])
_SPAN_LIKE = st.sampled_from(['<span class="emoji emoji1f604"></span>', 'class="emoji emoji', "emoji1f604"])
_PIECE = st.one_of(
    st.text(max_size=4), _CJK.map(str), _EMOJI, _SPECIAL, _ENTITY_LIKE, _SPAN_LIKE,
    st.characters(codec="utf-8").map(str),
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECE, max_size=24).map("".join))
@example("👨\u200d👩\u200d👧\u200d👦&<>\"'\n")
@example("🇨🇳🇯")
def test_the_client_decodes_what_the_simulator_encodes(text: str) -> None:
    assert decode_text(wire_text(text)) == text.replace("\r\n", "\n")


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECE, max_size=12).map("".join))
def test_a_room_message_decodes_to_its_sender_and_text(text: str) -> None:
    sender = "@" + "ab" * 16
    item = {
        "MsgId": "7", "FromUserName": "@@" + "c" * 64, "ToUserName": "@me", "MsgType": 1,
        "Content": room_prefix(sender) + wire_text(text), "CreateTime": 5,
    }  # fmt: skip
    message = decode_message(item, "@me")
    assert (message.sender, message.text) == (sender, text.replace("\r\n", "\n"))
