"""Where the compiled front end lives, with a clear error when it was never built."""

from __future__ import annotations

from pathlib import Path

from wxnb.widgets.errors import FrontendBundleMissing

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def static_file(name: str) -> Path:
    """The path of one built front-end file, e.g. ``static_file("login.js")``.

    The files are built from ``js/`` by ``npm run build`` (the wheel and editable installs run
    it through hatch-jupyter-builder). A :class:`~pathlib.Path`, not its text, is what the
    widgets hand to anywidget, so ``ANYWIDGET_HMR=1`` can reload it while ``npm run dev`` runs.

    >>> static_file("login.js").name
    'login.js'

    Raises:
        FrontendBundleMissing: the file was never built; the message says how to build it.
    """
    path = STATIC_DIR / name
    if not path.is_file():
        raise FrontendBundleMissing(
            f"the widget front end {path} is missing: build it with `npm --prefix js ci && "
            "npm --prefix js run build` in the wxnb checkout, or reinstall wxnb "
            "(`bash scripts/setup` or `pip install -e .` builds it; both need node >= 20 and npm)"
        )
    return path
