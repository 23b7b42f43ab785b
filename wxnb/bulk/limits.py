"""What the server takes as a remark or a room topic, checked before anything is sent.

The numbers come from what users of the web protocol report (sources in docs/bulk.md); the simulator
(:mod:`wxnb.sim.writes`) refuses the same, and a test keeps the two equal:

- a remark: at most :data:`REMARK_MAX_CHARS` characters (Hanson/vbot #53: 16), "" clears it;
- a topic: at most :data:`TOPIC_MAX_CHARS` characters (the phone's box: 32), never empty;
- neither may hold a control character (newline, tab, NUL...): the phone cannot type one and the
  web page shows names on one line.

Example:
    >>> problem("remark", "Company - Annie Smith")
    'too long: 21 characters, the server takes at most 16'
    >>> problem("topic", "  "), problem("remark", ""), problem("topic", "Tea\\n")
    ('an empty topic: a room keeps a name', None, 'a control character (U+000A): names are one line of text')
"""

from __future__ import annotations

import unicodedata
from typing import Final, Literal

__all__ = ["REMARK_MAX_CHARS", "TOPIC_MAX_CHARS", "Kind", "problem"]

Kind = Literal["remark", "topic"]

REMARK_MAX_CHARS: Final = 16
TOPIC_MAX_CHARS: Final = 32
_LIMITS: Final = {"remark": REMARK_MAX_CHARS, "topic": TOPIC_MAX_CHARS}


def problem(kind: Kind, value: object) -> str | None:
    """Why the server would not take ``value`` as a ``kind``, or None when it would."""
    if not isinstance(value, str):
        return f"not text: {type(value).__name__} (give a str, or None to skip the row)"
    if kind == "topic" and not value.strip():
        return "an empty topic: a room keeps a name"
    for ch in value:
        if unicodedata.category(ch) == "Cc":
            return f"a control character (U+{ord(ch):04X}): names are one line of text"
    limit = _LIMITS[kind]
    if len(value) > limit:
        return f"too long: {len(value)} characters, the server takes at most {limit}"
    return None
