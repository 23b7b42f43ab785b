"""Errors raised by the widgets' Python API: each says what was wrong and what to pass instead."""

from __future__ import annotations

from wxnb.errors import Error


class WidgetError(Error):
    """Base class of every error raised by :mod:`wxnb.widgets`."""


class WidgetInputError(WidgetError, ValueError):
    """A value handed to a widget cannot be shown (wrong type, range or format)."""


class InvalidImageDataUrl(WidgetInputError):
    """An image is not a base64 ``data:image/...`` URL of a PNG, JPEG, GIF or WebP picture."""


class FrontendBundleMissing(WidgetError, ImportError):
    """The compiled front end (``wxnb/static/*.js``) is not there: the JavaScript was never built."""


class WidgetClosed(WidgetError, RuntimeError):
    """The widget was closed; it cannot be updated any more (create a new one)."""
