"""wxnb: WeChat in a Jupyter notebook.

Nothing heavy is imported here: pandas, requests and the widgets load on first use.

Example:
    >>> import wxnb
    >>> session = wxnb.login()          # doctest: +SKIP  (a QR code; scan it with the phone)
    >>> session = wxnb.demo()           # doctest: +SKIP  (a simulated WeChat in this process)
    >>> history = wxnb.open_archive("~/.local/share/wxnb/acct-...")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0.dev0"
__all__ = [
    "Error",
    "Session",
    "SessionStatus",
    "SyncOptions",
    "WxError",
    "__version__",
    "demo",
    "login",
    "open_archive",
]

if TYPE_CHECKING:
    from wxnb.entry import demo, login
    from wxnb.errors import Error
    from wxnb.protocol.errors import WxError
    from wxnb.session import Session, SessionStatus, SyncOptions
    from wxnb.store import open_archive

_LAZY = {
    "Error": "wxnb.errors",
    "Session": "wxnb.session",
    "SessionStatus": "wxnb.session",
    "SyncOptions": "wxnb.session",
    "demo": "wxnb.entry",
    "login": "wxnb.entry",
    "open_archive": "wxnb.store",
    "WxError": "wxnb.protocol.errors",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'wxnb' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
