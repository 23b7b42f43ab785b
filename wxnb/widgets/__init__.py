"""anywidget views: login, status, chat.

The widget classes load lazily, so the pure helpers (:mod:`~wxnb.widgets.coalesce`,
:mod:`~wxnb.widgets.images`) import without anywidget or a built front end.

>>> from wxnb.widgets import ChatWidget, LoginWidget, StatusView
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wxnb.widgets.chat import ChatWidget, ConversationView, MessageView
    from wxnb.widgets.login import LoginWidget, StatusView

__all__ = ["ChatWidget", "ConversationView", "LoginWidget", "MessageView", "StatusView"]

_CHAT = ("ChatWidget", "ConversationView", "MessageView")


def __getattr__(name: str) -> Any:
    if name in _CHAT:
        from wxnb.widgets import chat

        return getattr(chat, name)
    if name in __all__:
        from wxnb.widgets import login

        return getattr(login, name)
    raise AttributeError(f"module 'wxnb.widgets' has no attribute {name!r}")
