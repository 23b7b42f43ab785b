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

__all__ = [
    "decode_emoji_hex",
    "decode_text",
    "encode_emoji",
    "encode_text",
    "is_emoji_codepoint",
    "unescape_entities",
]

_ZWJ = 0x200D
_VS16 = 0xFE0F
_KEYCAP = 0x20E3


def is_emoji_codepoint(cp: int) -> bool:
    """True for code points that WeChat writes as emoji spans (pictographs, symbols, flags)."""
    return (
        0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2300 <= cp <= 0x23FF or 0x2B00 <= cp <= 0x2BFF
    )


def _is_modifier(cp: int) -> bool:
    # Not the tag characters of subdivision flags (U+E0020..E007F): the wire's 4-or-5-digit spans
    # (5 only for U+1xxxx) cannot carry them, so they stay plain text after the flag's span, as the
    # simulator writes them (wxnb/sim/markup.py); a span would not decode back.
    return cp in (_VS16, _KEYCAP) or 0x1F3FB <= cp <= 0x1F3FF


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


_SPAN_OPEN = '<span class="emoji emoji'
_SPAN_TAIL_RE = re.compile(r'([0-9a-fA-F]+)"\s*></span>')
_BR_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SIMPLE_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&amp;", "&"))
_EMOJI_CACHE: dict[str, str | None] = {}  # hex digits → text; few distinct emoji recur in chat text
_EMOJI_CACHE_MAX = 4096


def _emoji(digits: str) -> str | None:
    decoded = _EMOJI_CACHE.get(digits, "")
    if decoded == "":
        decoded = decode_emoji_hex(digits.lower())
        if len(_EMOJI_CACHE) >= _EMOJI_CACHE_MAX:
            _EMOJI_CACHE.clear()
        _EMOJI_CACHE[digits] = decoded
    return decoded


def _decode_spans(wire: str) -> str:
    # Same result as substituting the regex <span class="emoji emoji([0-9a-fA-F]+)"\s*></span>: a
    # match can only start where the literal opening does and cannot contain another opening, so
    # splitting on the opening finds the same matches, without a regex callback per span.
    parts = wire.split(_SPAN_OPEN)
    out = [parts[0]]
    for part in parts[1:]:
        m = _SPAN_TAIL_RE.match(part)
        if m is not None and (decoded := _emoji(m.group(1))) is not None:
            out.append(decoded)
            out.append(part[m.end() :])
        else:  # not a valid span: kept as it is (data is never dropped)
            out.append(_SPAN_OPEN)
            out.append(part)
    return "".join(out)


def unescape_entities(wire: str) -> str:
    """``html.unescape``, faster for the entities the server writes (``&amp; &lt; &gt; &quot; &#39;``).

    Example:
        >>> unescape_entities("a &amp;lt; b &amp; c &#x1F604;")
        'a &lt; b & c 😄'
    """
    # html.unescape is slow (a regex callback per entity); when every "&" starts one of the five
    # entities the server writes, chained replacements ("&amp;" last, so "&amp;lt;" stays "&lt;")
    # give the same result.
    ampersands = wire.count("&")
    if ampersands == 0:
        return wire
    if ampersands == wire.count("&amp;"):  # the common case: URLs and XML values
        return wire.replace("&amp;", "&")
    count = wire.count
    known = count("&amp;") + count("&lt;") + count("&gt;") + count("&quot;") + count("&#39;")
    if known != ampersands:
        return html.unescape(wire)
    for entity, char in _SIMPLE_ENTITIES:
        wire = wire.replace(entity, char)
    return wire


def decode_text(wire: str) -> str:
    """Wire form → clean Unicode: spans to emoji, ``<br/>`` to new lines, entities unescaped.

    A span whose digits are not valid code points is kept as it is (data is never dropped).
    """
    if "<" in wire:
        if _SPAN_OPEN in wire:
            wire = _decode_spans(wire)
        wire = wire.replace("<br/>", "\n")
        if "<" in wire:
            wire = _BR_RE.sub("\n", wire)
    if "&" in wire:
        wire = unescape_entities(wire)
    return wire
