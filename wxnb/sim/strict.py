"""Numbers read from requests and control calls, parsed strictly: one helper for every endpoint.

Python's own parsing is lenient in ways a server must not be: ``"²".isdigit()`` is True and then
``int("²")`` raises; ``int(" 5")``, ``int("1_000")``, ``int("٣")`` and ``int("0x1f", 16)`` all succeed;
a JSON float of 1e308 becomes a 309-digit int that no JSON encoder can write back; a delay of 1e300
seconds overflows a timer. So every number the simulator takes from outside goes through here:

- text: ASCII digits only (no sign, space, underscore or other script's digits), at most as many
  digits as the upper bound has, then range-checked;
- JSON values: an int (never a bool), or a float with no fractional part when an integer is wanted;
  finite and range-checked when a real is wanted;
- anything else raises :class:`NumberError` (a ``ValueError``), whose message names the field, the
  allowed range and the value received, so a control call can answer 400 with it and a protocol
  endpoint can answer the real server's error reply.

Example:
    >>> parse_digits("42", "MsgID")
    42
    >>> parse_digits("²", "MsgID")
    Traceback (most recent call last):
    ...
    wxnb.sim.strict.NumberError: MsgID must be a whole number of ASCII digits, not '²'
    >>> json_real(1e300, "delay", 0, 86_400)
    Traceback (most recent call last):
    ...
    wxnb.sim.strict.NumberError: delay must be a number from 0 to 86400, not 1e+300
"""

from __future__ import annotations

import math
from typing import Final

from wxnb.errors import Error

__all__ = [
    "MAX_INT64",
    "MAX_UINT64",
    "NumberError",
    "digits_or_none",
    "json_int",
    "json_real",
    "parse_digits",
    "parse_hex",
]

MAX_UINT64: Final = 2**64 - 1
MAX_INT64: Final = 2**63 - 1
_ASCII_DIGITS: Final = frozenset("0123456789")
_ASCII_HEX: Final = frozenset("0123456789abcdefABCDEF")


class NumberError(Error, ValueError):
    """A number from a request or a control call that is malformed or out of range.

    The message says which field, what is allowed and what came; send a number in that range.
    """


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_digits(text: str, name: str, low: int = 0, high: int = MAX_UINT64) -> int:
    """``text`` as a non-negative decimal of ASCII digits, within ``low..high``.

    Example:
        >>> parse_digits("007", "seq"), parse_digits("18446744073709551615", "MsgId")
        (7, 18446744073709551615)
    """
    if not text or len(text) > len(str(high)) + 2 or not _ASCII_DIGITS.issuperset(text):
        # +2: leading zeros are accepted, but the length is bounded before int() sees the text
        raise NumberError(f"{name} must be a whole number of ASCII digits, not {_shown(text)}")
    value = int(text)
    if not low <= value <= high:
        raise NumberError(f"{name} must be from {low} to {high}, not {_shown(text)}")
    return value


def digits_or_none(text: str, high: int = MAX_UINT64) -> int | None:
    """``text`` as ASCII digits within ``0..high``, or None (for ids: an id that is not one is unknown).

    Example:
        >>> digits_or_none("12"), digits_or_none("1²"), digits_or_none("-1"), digits_or_none("9" * 30)
        (12, None, None, None)
    """
    try:
        return parse_digits(text, "id", 0, high)
    except NumberError:
        return None


def parse_hex(text: str, name: str, high: int = MAX_INT64) -> int:
    """``text`` as ASCII hex digits (no ``0x``, sign or space), within ``0..high`` (chunk sizes).

    Example:
        >>> parse_hex("1A", "chunk size")
        26
    """
    if not text or len(text) > 16 or not _ASCII_HEX.issuperset(text):
        raise NumberError(f"{name} must be ASCII hex digits, not {_shown(text)}")
    value = int(text, 16)
    if value > high:
        raise NumberError(f"{name} must be at most {high}, not {_shown(text)}")
    return value


def json_int(value: object, name: str, low: int, high: int, *, text: bool = False) -> int:
    """A JSON value as an integer within ``low..high``: an int, a float with no fraction, or (with
    ``text``) a string of ASCII digits. Bools are refused.

    Example:
        >>> json_int(3.0, "width", 1, 10), json_int("7", "Type", 0, 100, text=True)
        (3, 7)
        >>> json_int(True, "pid", 0, 10)
        Traceback (most recent call last):
        ...
        wxnb.sim.strict.NumberError: pid must be an integer from 0 to 10, not True
    """
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value) if abs(value) <= 2.0**64 else None
    elif text and isinstance(value, str):
        number = digits_or_none(value, MAX_UINT64)
    if number is None or not low <= number <= high:
        raise NumberError(f"{name} must be an integer from {low} to {high}, not {_shown(value)}")
    return number


def json_real(value: object, name: str, low: float, high: float) -> float:
    """A JSON number (int or float, finite, not a bool) within ``low..high``.

    Example:
        >>> json_real(2, "rate", 0, 1_000)
        2.0
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise NumberError(f"{name} must be a number from {low:g} to {high:g}, not {_shown(value)}")
    number = float(value) if abs(value) < 1e300 else math.inf
    if not (math.isfinite(number) and low <= number <= high):
        raise NumberError(f"{name} must be a number from {low:g} to {high:g}, not {_shown(value)}")
    return number
