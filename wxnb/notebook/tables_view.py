"""A compact default HTML view of wxnb's tables in a notebook, for people; the frames keep every column.

``session.messages`` has 18 columns, ``contacts`` 19: shown as pandas shows any frame, the text a
person wants sits off-screen behind ids, a long nickname wraps into nine lines, newlines show as
``\\n`` and ``raw_content`` is escaped XML. So in a notebook, a frame tagged by the store
(``frame.attrs["wxnb"]``, kept by ``head()``, ``tail()``, filters and sorts) is drawn with only the
columns people read (:data:`VIEW_COLUMNS`), long text clipped with an ellipsis, newlines as line breaks,
times to the second, and a caption saying what is hidden and how to see everything. The DataFrame is
untouched: ``frame.columns`` has every column, and any analysis sees them all.

A frame whose columns someone chose (``messages[["text", "msg_id"]]``) shows exactly those columns
(still clipped). To see a frame as pandas draws it: ``frame.attrs.pop("wxnb")``, or
``pd.DataFrame(frame)`` with attrs cleared.

Installed by :func:`register` on IPython's HTML formatter for ``pandas.DataFrame``; every other
frame is drawn exactly as before (pandas' own ``_repr_html_``, IPython's display protocol).

Example:
    >>> import numpy as np
import pandas as pd
    >>> frame = pd.DataFrame({"time": pd.to_datetime([0], unit="s", utc=True), "chat_name": ["Ann"],
    ...                       "sender_name": ["Ann"], "type": ["text"], "text": ["hi\\nthere"],
    ...                       "msg_id": ["1"]})
    >>> frame.attrs["wxnb"] = "messages"
    >>> "hi<br>there" in compact_html(frame) and "msg_id" not in compact_html(frame)
    True
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import pandas as pd

__all__ = ["CLIP", "VIEW_COLUMNS", "compact_html", "register"]

#: The columns people read, per table, in the frames' order (the rest stay in the frame).
VIEW_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "messages": ("time", "chat_name", "sender_name", "type", "text"),
    "contacts": ("display_name", "kind", "remark", "nickname", "alias", "signature"),
    "rooms": ("display_name", "member_count", "owner", "remark", "nickname"),
    "members": ("display_name", "nickname"),
}
#: Characters of text shown per cell before the ellipsis.
CLIP: Final = 80

#: Columns of free text: they wrap (within 40em); every other column stays on one line.
_WRAPPING: Final = frozenset({"text", "signature", "url", "file_name", "raw_content"})

# The doubled class outranks JupyterLab's ``:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td``
# (right-aligned, meant for numbers): names and text read from the left.
_STYLE: Final = (
    "<style>table.wxnb-table.wxnb-table td,table.wxnb-table.wxnb-table th"
    "{text-align:left;vertical-align:top;white-space:nowrap}"
    "table.wxnb-table.wxnb-table td.wxnb-wrap"
    "{white-space:normal;overflow-wrap:anywhere;min-width:16em;max-width:40em}"
    ".wxnb-caption{opacity:.7;margin:.2em 0 .5em}</style>"
)


def _cell(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, pd.Timestamp):
        return html.escape(value.strftime("%Y-%m-%d %H:%M:%S"))
    if isinstance(value, bool | np.bool_):
        return "✓" if value else ""
    text = str(value)
    if len(text) > CLIP:
        text = text[: CLIP - 1].rstrip() + "…"
    return html.escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def _shown_columns(frame: pd.DataFrame, table: str) -> list[str]:
    view = VIEW_COLUMNS[table]
    present = [c for c in view if c in frame.columns]
    # The full table (or most of it): the reading columns. Columns someone chose: exactly those.
    return present if len(present) == len(view) else list(frame.columns)


def compact_html(frame: pd.DataFrame) -> str:
    """The compact HTML of a wxnb table (``frame.attrs["wxnb"]`` names it); see the module docstring.

    Rows: as pandas shows them (``display.max_rows``; a longer frame shows its first and last
    ``display.min_rows // 2`` rows around a "…" row).

    Raises:
        ValueError: the frame carries no wxnb table name.
    """
    table = frame.attrs.get("wxnb")
    if table not in VIEW_COLUMNS:
        raise ValueError(f"not a wxnb table (frame.attrs['wxnb'] is {table!r})")
    columns = _shown_columns(frame, str(table))
    rows = len(frame)
    max_rows = pd.get_option("display.max_rows") or rows
    if rows > max_rows:
        half = max(1, (pd.get_option("display.min_rows") or 10) // 2)
        parts = [frame.iloc[:half], None, frame.iloc[rows - half :]]
    else:
        parts = [frame]
    classes = [' class="wxnb-wrap"' if c in _WRAPPING else "" for c in columns]
    body: list[str] = []
    for part in parts:
        if part is None:
            body.append("<tr><th>…</th>" + "<td>…</td>" * len(columns) + "</tr>")
            continue
        for index, row in zip(part.index, part[columns].itertuples(index=False, name=None), strict=True):
            cells = "".join(f"<td{wrap}>{_cell(v)}</td>" for wrap, v in zip(classes, row, strict=True))
            body.append(f"<tr><th>{html.escape(str(index))}</th>{cells}</tr>")
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    hidden = len(frame.columns) - len(columns)
    caption = [f"{table} · {rows:,} {'row' if rows == 1 else 'rows'}"]
    if hidden:
        caption.append(
            f"{len(columns)} of {len(frame.columns)} columns shown (all are in the frame; "
            'frame.attrs.pop("wxnb") shows them all)'
        )
    if "time" in columns and isinstance(frame["time"].dtype, pd.DatetimeTZDtype):
        caption.append(f"times in {frame['time'].dt.tz}")
    return (
        f'{_STYLE}<div class="wxnb-caption">{html.escape(" · ".join(caption))}</div>'
        f'<table class="dataframe wxnb-table" border="0"><thead><tr><th></th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _html(frame: pd.DataFrame) -> str | None:
    if frame.attrs.get("wxnb") in VIEW_COLUMNS:
        return compact_html(frame)
    # Any other frame: pandas' own drawing (IPython's display protocol method), as without wxnb.
    pandas_html: str | None = frame._repr_html_()  # type: ignore[operator]
    return pandas_html


def register(shell: Any) -> bool:
    """Draw wxnb's tables compactly in ``shell`` (an IPython shell); other frames are unchanged.

    Idempotent. Returns False when the shell has no HTML formatter (a terminal IPython).

    Example: ``register(IPython.get_ipython())`` (``wxnb.login()`` in a notebook does it).
    """
    formatters = getattr(getattr(shell, "display_formatter", None), "formatters", {})
    html_formatter = formatters.get("text/html")
    if html_formatter is None:
        return False
    html_formatter.for_type(pd.DataFrame, _html)
    return True
