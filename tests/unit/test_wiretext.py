"""The wire-text rule shared by client and simulator: emoji spans, entities, <br/>."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from wxnb.protocol.wiretext import decode_emoji_hex, decode_text, encode_text


def test_emoji_span_and_escapes() -> None:
    assert encode_text("Tom & Jerry <3\n😄") == (
        'Tom &amp; Jerry &lt;3<br/><span class="emoji emoji1f604"></span>'
    )


def test_sequences_become_one_span() -> None:
    flag = "\U0001f1e8\U0001f1f3"
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    thumbs_dark = "\U0001f44d\U0001f3ff"
    assert encode_text(flag) == '<span class="emoji emoji1f1e81f1f3"></span>'
    assert encode_text(family) == '<span class="emoji emoji1f468200d1f469200d1f467"></span>'
    assert encode_text(thumbs_dark) == '<span class="emoji emoji1f44d1f3ff"></span>'
    assert encode_text("\u2764\ufe0f") == '<span class="emoji emoji2764fe0f"></span>'


def test_decoder_meets_quot_and_apos_and_br_variants() -> None:
    assert decode_text("&quot;hi&quot; it&#39;s<br>a<br />b") == '"hi" it\'s\na\nb'


def test_user_typed_markup_stays_literal() -> None:
    typed = '<br/> and <span class="emoji emoji1f604"></span>'
    assert decode_text(encode_text(typed)) == typed


def test_invalid_span_digits_are_kept_not_dropped() -> None:
    wire = '<span class="emoji emojid800"></span>x'
    assert decode_text(wire) == wire
    assert decode_emoji_hex("abc") is None


@given(st.text())
def test_round_trip(text: str) -> None:
    assert decode_text(encode_text(text)) == text.replace("\r\n", "\n")


# --- the fast decoder gives exactly what the plain regex decoder gives --------------------------------

_REF_SPAN_RE = re.compile(r'<span class="emoji emoji([0-9a-fA-F]+)"\s*></span>')
_REF_BR_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _reference_decode(wire: str) -> str:
    """The straightforward form of the rule: regex spans, regex <br>, html.unescape."""

    def span(match: re.Match[str]) -> str:
        decoded = decode_emoji_hex(match.group(1).lower())
        return decoded if decoded is not None else match.group(0)

    return html.unescape(_REF_BR_RE.sub("\n", _REF_SPAN_RE.sub(span, wire)))


_PIECES = st.sampled_from(
    [
        '<span class="emoji emoji1f604"></span>', '<span class="emoji emoji1F1E81f1f3" ></span>',
        '<span class="emoji emojid800"></span>', '<span class="emoji emoji', '"></span>', "<br/>", "<BR>",
        "<br />", "<br", "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&amp;lt;", "&nbsp;", "&#x1F604;", "&",
        "&lt", "a", "好", "1f604", " ", "\n", "<", ">",
    ]
)  # fmt: skip


@given(st.lists(_PIECES | st.text(max_size=3), max_size=12).map("".join))
def test_fast_decoder_matches_the_reference(wire: str) -> None:
    assert decode_text(wire) == _reference_decode(wire)


@given(st.text())
def test_fast_decoder_matches_the_reference_on_any_text(wire: str) -> None:
    assert decode_text(wire) == _reference_decode(wire)


def test_subdivision_flag_round_trips() -> None:
    # 🏴 + tag characters (England): the tags cannot be written in a span's 4-or-5-digit groups, so
    # they must stay text after the flag's span and come back unchanged.
    england = "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    wire = encode_text(f"go {england}!")
    assert wire.startswith('go <span class="emoji emoji1f3f4"></span>')
    assert decode_text(wire) == f"go {england}!"
