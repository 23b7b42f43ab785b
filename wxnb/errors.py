"""The one root of every error wxnb raises.

Catch :class:`Error` to handle anything the package raises on purpose; its subclasses, grouped by
layer (``wxnb.protocol.errors``, ``wxnb.store.errors``, ``wxnb.session.errors``,
``wxnb.widgets.errors``, ``wxnb.sim``), say what went wrong and what to do next.

Example:
    >>> import wxnb
    >>> try:
    ...     raise wxnb.Error("something wxnb could not do")
    ... except wxnb.Error as error:
    ...     print(error)
    something wxnb could not do
"""

from __future__ import annotations

__all__ = ["Error"]


class Error(Exception):
    """Base class of every error the wxnb package raises (protocol, store, session, widgets, sim)."""
