"""Text as it travels on the wire: emoji spans, HTML entities and ``<br/>`` line breaks.

Pure functions, shared by the client (decoding) and the simulator (encoding), so that the two sides
agree on one rule (PROTOCOL.md §5):

- ``& < >`` are escaped as ``&amp; &lt; &gt;``; decoders also meet ``&quot;`` and ``&#39;``.
- A new line is ``<br/>``.
- An emoji, or an emoji sequence, is ``<span class="emoji emoji1f604"></span>``: the lower-case hex of
  each code point, concatenated. Code points below U+10000 are written with 4 digits, the others with 5.

Example:
    >>> encode_text("a < b\\n😄")
    'a &lt; b<br/><span class="emoji emoji1f604"></span>'
    >>> decode_text('a &lt; b<br/><span class="emoji emoji1f604"></span>')
    'a < b\\n😄'
"""

from __future__ import annotations

import html
import re

__all__ = ["decode_emoji_hex", "decode_text", "encode_emoji", "encode_text", "is_emoji_codepoint"]

_ZWJ = 0x200D
_VS16 = 0xFE0F
_KEYCAP = 0x20E3


def is_emoji_codepoint(cp: int) -> bool:
    """True for code points that WeChat writes as emoji spans (pictographs, symbols, flags)."""
    return (
        0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2300 <= cp <= 0x23FF or 0x2B00 <= cp <= 0x2BFF
    )


def _is_modifier(cp: int) -> bool:
    return cp in (_VS16, _KEYCAP) or 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F


def _is_regional_indicator(cp: int) -> bool:
    return 0x1F1E6 <= cp <= 0x1F1FF


def _span(cps: list[int]) -> str:
    digits = "".join(f"{cp:04x}" if cp < 0x10000 else f"{cp:05x}" for cp in cps)
    return f'<span class="emoji emoji{digits}"></span>'


def encode_emoji(text: str) -> str:
    """Replace each emoji (or emoji sequence: ZWJ joins, skin tones, flags, keycaps) by one span."""
    out: list[str] = []
    cps = [ord(c) for c in text]
    i, n = 0, len(cps)
    while i < n:
        cp = cps[i]
        if not is_emoji_codepoint(cp):
            out.append(chr(cp))
            i += 1
            continue
        seq = [cp]
        i += 1
        if _is_regional_indicator(cp) and i < n and _is_regional_indicator(cps[i]):
            seq.append(cps[i])
            i += 1
        while i < n:
            if _is_modifier(cps[i]):
                seq.append(cps[i])
                i += 1
            elif cps[i] == _ZWJ and i + 1 < n and is_emoji_codepoint(cps[i + 1]):
                seq.extend((cps[i], cps[i + 1]))
                i += 2
            else:
                break
        out.append(_span(seq))
    return "".join(out)


def encode_text(text: str) -> str:
    """Unicode text → wire form: escape ``& < >``, new lines to ``<br/>``, emoji to spans."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace("\r\n", "\n").replace("\n", "<br/>")
    return encode_emoji(escaped)


def decode_emoji_hex(digits: str) -> str | None:
    """``"1f1e81f1f3"`` → ``"🇨🇳"``; None when the digits do not split into valid code points.

    Greedy: five digits when they start with 1 and name a code point in U+10000..U+1FFFF, else four.
    """
    out: list[str] = []
    i, n = 0, len(digits)
    while i < n:
        if digits[i] == "1" and i + 5 <= n:
            cp = int(digits[i : i + 5], 16)
            if 0x10000 <= cp <= 0x1FFFF:
                out.append(chr(cp))
                i += 5
                continue
        if i + 4 > n:
            return None
        cp = int(digits[i : i + 4], 16)
        if 0xD800 <= cp <= 0xDFFF:  # lone surrogates are not characters
            return None
        out.append(chr(cp))
        i += 4
    return "".join(out) if out else None


_SPAN_RE = re.compile(r'<span class="emoji emoji([0-9a-fA-F]+)"\s*></span>')
_BR_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _span_to_char(match: re.Match[str]) -> str:
    decoded = decode_emoji_hex(match.group(1).lower())
    return decoded if decoded is not None else match.group(0)


def decode_text(wire: str) -> str:
    """Wire form → clean Unicode: spans to emoji, ``<br/>`` to new lines, entities unescaped.

    A span whose digits are not valid code points is kept as it is (data is never dropped).
    """
    if "<" in wire:
        if "emoji" in wire:
            wire = _SPAN_RE.sub(_span_to_char, wire)
        wire = _BR_RE.sub("\n", wire)
    if "&" in wire:
        wire = html.unescape(wire)
    return wire
