"""The small numbers a web client makes up: DeviceID, ClientMsgId/LocalID and the ``r``/``rr``/``_`` stamps.

Formed as the real web page forms them:

- DeviceID: ``"e" + 15 random digits`` (``Math.random().toFixed(15).substring(2, 17)``).
- ClientMsgId = LocalID: the ms timestamp followed by 4 random digits, 17 digits in all
  (``now + Math.random().toFixed(3).replace(".", "")``).
- ``r`` on webwxinit and the login poll, and ``rr`` in the webwxsync body: ``~new Date``, the bitwise
  NOT of the ms timestamp taken as a signed 32-bit integer (a negative number).
- ``_`` and synccheck's ``r``: the ms timestamp.

Example:
    >>> len(device_id()), device_id()[0]
    (16, 'e')
    >>> client_msg_id(now=1_513_925_104_690, rng=random.Random(0))
    '15139251046906311'
    >>> reversed_ms(now=1_513_922_271_000)  # same as ~1513922271000 in JavaScript
    -2093782809
"""

from __future__ import annotations

import random
import time

__all__ = ["client_msg_id", "device_id", "now_ms", "reversed_ms"]

_rng = random.Random()


def now_ms() -> int:
    """Milliseconds since the epoch: the ``_`` query parameter and synccheck's ``r``."""
    return time.time_ns() // 1_000_000


def device_id(rng: random.Random | None = None) -> str:
    """A fresh ``'e' + 15 digits`` DeviceID."""
    return f"e{(rng or _rng).randrange(10**15):015d}"


def client_msg_id(now: int | None = None, rng: random.Random | None = None) -> str:
    """A 17-digit ClientMsgId/LocalID string: ms timestamp × 10⁴ + 4 random digits."""
    ms = now_ms() if now is None else now
    return str(ms * 10_000 + (rng or _rng).randrange(10_000))


def reversed_ms(now: int | None = None) -> int:
    """``~new Date`` in JavaScript: NOT of the ms timestamp as a signed 32-bit int (``r``, ``rr``)."""
    ms = now_ms() if now is None else now
    as_int32 = ((ms + 2**31) % 2**32) - 2**31
    return ~as_int32
