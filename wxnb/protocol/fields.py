"""Field readers for JSON replies: the type checks every decoder shares.

They raise TypeError for a value of the wrong type; the reply parsers turn that (with KeyError and
friends) into one ProtocolError naming the offending part of the reply.

Example:
    >>> as_int(3), as_int("42"), wire_text("a &amp; b<br/>c")
    (3, 42, 'a & b\\nc')
"""

from __future__ import annotations

from typing import Any, Final

from wxnb.protocol.wiretext import decode_text

__all__ = ["SHAPE_ERRORS", "as_int", "as_str", "wire_text"]

# What a wrongly shaped reply makes a decoder raise; caught once at each parser's edge.
SHAPE_ERRORS: Final = (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError)


def as_int(value: Any) -> int:
    """Ints pass; digit strings (some servers quote numbers) are converted; anything else: TypeError."""
    if type(value) is int:
        return value
    if type(value) is str and value.isascii() and value.lstrip("-").isdigit() and len(value) <= 20:
        return int(value)
    raise TypeError(f"expected a number, got {type(value).__name__}")


def as_str(value: Any) -> str:
    """Strings pass; anything else: TypeError."""
    if type(value) is str:
        return value
    raise TypeError(f"expected a string, got {type(value).__name__}")


def wire_text(wire: str) -> str:
    """Wire text → clean Unicode (:func:`~wxnb.protocol.wiretext.decode_text`), skipping plain text fast."""
    if "<" in wire or "&" in wire:
        return decode_text(wire)
    return wire
