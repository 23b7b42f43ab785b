"""The glue above the session: widgets made on demand and wired to a session's events.

This is the only package that imports both :mod:`wxnb.session` and :mod:`wxnb.widgets`: the session
emits events and knows nothing of widgets, ipywidgets or IPython; the widgets know nothing of the
session. ``wxnb.login()`` in a notebook returns a :class:`NotebookSession`.

- :class:`NotebookSession`: a :class:`~wxnb.session.Session` with ``.widget`` (made on first use,
  on the main thread) and ``_repr_mimebundle_`` delegating to it.
- :class:`NotebookLoginView`: draws the login steps and the status line on a ``LoginWidget``.
- :func:`bulk_progress`: a bulk run's progress view (counts, ETA, pause/resume/cancel).
- :class:`NotebookChatView`: what ``session.chat()`` shows: a ``ChatWidget`` following the session.
- :func:`in_notebook`: whether this runs in a Jupyter kernel.

Importing this package does not import anywidget or IPython: the widget classes load on first use.

>>> from wxnb.notebook import NotebookSession, in_notebook
"""

from __future__ import annotations

from wxnb.notebook.bulk_view import BulkProgressView, bulk_progress
from wxnb.notebook.chat_view import NotebookChatView
from wxnb.notebook.login_view import DESKTOP_HINT, ENDED_HINT, NEW_CODE_HINT, NotebookLoginView
from wxnb.notebook.notebook_session import NotebookSession, NotMainThread, in_notebook

__all__ = [
    "DESKTOP_HINT",
    "ENDED_HINT",
    "NEW_CODE_HINT",
    "BulkProgressView",
    "NotMainThread",
    "NotebookChatView",
    "NotebookLoginView",
    "NotebookSession",
    "bulk_progress",
    "in_notebook",
]
