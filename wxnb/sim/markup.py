"""Text as the simulator writes it on the wire, written from PROTOCOL.md §5 (not from the client's code).

The simulator has its own encoder so that a bug in the client's codec cannot cancel itself out: the
client's decoder is tested against what this module writes, and this module against samples copied
from PROTOCOL.md and the seed captures. The rules, as the page states them:

- ``& < >`` are written ``&amp; &lt; &gt;`` (quotes are left alone: the server does not escape them,
  decoders only *meet* ``&quot;`` and ``&#39;`` in the wild); XML embedded in Content is escaped the
  same way.
- A new line is ``<br/>`` (``\\r\\n`` counts as one new line).
- An emoji is ``<span class="emoji emoji1f604"></span>``: the lower-case hex of each code point of the
  emoji, several concatenated for a sequence (ZWJ joins, skin tones, VS16, flags).
- A room message from someone else starts with ``<sender UserName>:<br/>``; a mention is
  ``@Name`` followed by U+2005 (four-per-em space).

What the page leaves open, decided here:

- Hex width: 4 digits below U+10000 (``fe0f``, ``200d``, ``2764``), 5 from U+10000 to U+1FFFF. A
  reader splits concatenated digits by that rule, so a span only ever holds code points the rule
  reads back unambiguously: the emoji blocks (none of U+1000..U+1FFF, whose 4 digits start with 1)
  and their joiners. Tag characters (U+E0020..U+E007F, in subdivision flags like 🏴󠁧󠁢󠁥󠁮󠁧󠁿) would
  need 5 digits not starting with 1; they stay plain text after the flag's span.
- Which code points are emoji: the pictograph blocks (U+1F000..U+1FAFF), Miscellaneous Technical
  (U+2300..U+23FF), Miscellaneous Symbols and Dingbats (U+2600..U+27BF), and Miscellaneous Symbols
  and Arrows (U+2B00..U+2BFF); other symbols (©, ™, ↔) travel as plain text.

Example:
    >>> wire_text("a < b\\n😄")
    'a &lt; b<br/><span class="emoji emoji1f604"></span>'
    >>> wire_text("👍🏽 🇨🇳")
    '<span class="emoji emoji1f44d1f3fd"></span> <span class="emoji emoji1f1e81f1f3"></span>'
    >>> room_prefix("@da84") + wire_text("有")
    '@da84:<br/>有'
    >>> mention("Ann") + "hi"
    '@Ann\\u2005hi'
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "LINE_BREAK",
    "MENTION_END",
    "SPAN_CLOSE",
    "SPAN_OPEN",
    "emoji_span",
    "escape",
    "is_pictograph",
    "mention",
    "room_prefix",
    "wire_text",
    "wire_xml",
]

LINE_BREAK: Final = "<br/>"
SPAN_OPEN: Final = '<span class="emoji emoji'
SPAN_CLOSE: Final = '"></span>'
MENTION_END: Final = "\u2005"

_ESCAPES: Final = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))  # "&" first: the others add one
_PICTOGRAPH_BLOCKS: Final = ((0x1F000, 0x1FAFF), (0x2300, 0x23FF), (0x2600, 0x27BF), (0x2B00, 0x2BFF))
_PICTOGRAPH_RE: Final = re.compile(
    "[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in _PICTOGRAPH_BLOCKS) + "]"
)
_JOINER: Final = 0x200D
_VARIATION_EMOJI: Final = 0xFE0F
_KEYCAP_MARK: Final = 0x20E3
_SKIN_TONES: Final = range(0x1F3FB, 0x1F3FF + 1)
_MODIFIERS: Final = (_VARIATION_EMOJI, _KEYCAP_MARK)
_REGIONAL: Final = range(0x1F1E6, 0x1F1FF + 1)


def escape(text: str) -> str:
    """``& < >`` as entities: the wire rule for text and for XML embedded in Content.

    Example:
        >>> escape('<a href="x">&</a>')
        '&lt;a href="x"&gt;&amp;&lt;/a&gt;'
    """
    if "&" in text or "<" in text or ">" in text:
        for char, entity in _ESCAPES:
            text = text.replace(char, entity)
    return text


def is_pictograph(cp: int) -> bool:
    """True when code point ``cp`` starts an emoji span.

    Example:
        >>> is_pictograph(0x1F604), is_pictograph(ord("a"))
        (True, False)
    """
    return any(low <= cp <= high for low, high in _PICTOGRAPH_BLOCKS)


def emoji_span(sequence: str) -> str:
    """One emoji (or sequence) as its span: the hex of every code point, 4 or 5 digits each.

    Example:
        >>> emoji_span("❤️")
        '<span class="emoji emoji2764fe0f"></span>'
    """
    digits = "".join(format(ord(ch), "04x") for ch in sequence)
    return SPAN_OPEN + digits + SPAN_CLOSE


def _sequence_end(text: str, start: int) -> int:
    """The end of the emoji sequence that starts at ``text[start]`` (a pictograph)."""
    n = len(text)
    i = start + 1
    if ord(text[start]) in _REGIONAL:  # a flag is a pair of regional indicators
        return i + 1 if i < n and ord(text[i]) in _REGIONAL else i
    while i < n:
        cp = ord(text[i])
        if cp in _MODIFIERS or cp in _SKIN_TONES:
            i += 1
        elif cp == _JOINER and i + 1 < n and is_pictograph(ord(text[i + 1])):
            i += 2
        else:
            break
    return i


def _spans(text: str) -> str:
    # The regex only finds where a span starts (C speed over the plain text between emoji);
    # _sequence_end then takes the joiners and modifiers that belong to it.
    out: list[str] = []
    plain_from = 0
    search = _PICTOGRAPH_RE.search
    match = search(text)
    while match is not None:
        start = match.start()
        end = _sequence_end(text, start)
        out.append(text[plain_from:start])
        out.append(emoji_span(text[start:end]))
        plain_from = end
        match = search(text, end)
    if not out:
        return text
    out.append(text[plain_from:])
    return "".join(out)


def wire_text(text: str) -> str:
    """Unicode text → the wire: entities, ``<br/>`` for new lines, spans for emoji.

    Example:
        >>> wire_text("Tom & Jerry\\r\\n👨\\u200d💻")
        'Tom &amp; Jerry<br/><span class="emoji emoji1f468200d1f4bb"></span>'
    """
    wire = escape(text).replace("\r\n", "\n").replace("\n", LINE_BREAK)
    return wire if wire.isascii() else _spans(wire)


def wire_xml(xml: str) -> str:
    """XML embedded in Content (app messages, cards, revokes): escaped, new lines as ``<br/>``.

    Example:
        >>> wire_xml("<msg>\\n<a/>\\n</msg>")
        '&lt;msg&gt;<br/>&lt;a/&gt;<br/>&lt;/msg&gt;'
    """
    return escape(xml).replace("\n", LINE_BREAK)


def room_prefix(sender_user_name: str) -> str:
    """What a room message from someone else starts with: the sender's UserName, ``:`` and a break."""
    return sender_user_name + ":" + LINE_BREAK


def mention(name: str) -> str:
    """``@Name`` and the U+2005 space the phone puts after a mention (the name is not escaped)."""
    return "@" + name + MENTION_END
