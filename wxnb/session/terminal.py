"""The login in a terminal: the QR code as text (qrcode's ASCII output) and one line per step.

Example:
    >>> art = qr_ascii("https://login.weixin.qq.com/l/4dcaWx3uBw==")
    >>> art.count("\\n") > 10, set(art) <= set("\\xa0▀▄█\\n")
    (True, True)
"""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from typing import TextIO

from wxnb.session.login import LoginEvent

__all__ = ["TerminalLoginView", "qr_ascii"]


def qr_ascii(text: str, *, invert: bool = True) -> str:
    """``text`` as a QR code drawn with Unicode half blocks (two rows per line).

    ``invert`` (default) draws light modules as blocks, which reads right on the usual dark terminal;
    phones scan both.
    """
    import qrcode

    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_L)
    code.add_data(text)
    code.make(fit=True)
    out = io.StringIO()
    code.print_ascii(out=out, invert=invert)
    return out.getvalue()


class TerminalLoginView:
    """Prints login events to ``out`` (default: stdout): the QR as text, then what to do next."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out

    def _print(self, text: str) -> None:
        out = self.out or sys.stdout
        out.write(text + "\n")
        out.flush()

    def __call__(self, event: LoginEvent) -> None:
        phase = event.phase
        if phase == "waiting":
            expires = ""
            if event.expires_at is not None:
                at = datetime.fromtimestamp(event.expires_at, UTC).astimezone()
                expires = f" (valid until {at:%H:%M:%S})"
            self._print(f"Scan this QR code with WeChat on your phone{expires}:")
            self._print(qr_ascii(event.qr_text))
        elif phase == "scanned":
            self._print("Scanned. Confirm the login on your phone.")
        elif phase == "cancelled":
            self._print("Cancelled on the phone. The same QR code still works: scan it again.")
        elif phase == "expired":
            self._print(f"The QR code expired. {event.detail}.")
        elif phase == "push":
            self._print("A login request was sent to your phone: confirm it there (no scan needed).")
        elif phase == "resuming":
            self._print("Resuming the saved session...")
        elif phase == "confirmed":
            self._print("Confirmed.")
        elif phase == "initialising":
            self._print(f"Loading: {event.detail}...")
        elif phase == "ready":
            self._print(f"Logged in. {event.detail}")
        elif phase == "blocked":
            self._print(f"Login refused by WeChat: {event.detail}")
        elif phase == "failed":
            self._print(f"Login failed: {event.detail}")
