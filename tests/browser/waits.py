"""Small wait helpers with named deadlines: a failure says which wait ran out, never a bare timeout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout


@dataclass(frozen=True)
class Deadline:
    """How long one kind of wait may take, with a name that appears in the failure."""

    name: str
    ms: int


#: Loading the harness page and the bundle.
PAGE_LOAD = Deadline("page load", 15_000)
#: One render or re-render after a model change.
RENDER = Deadline("render", 5_000)
#: An image decoding (the QR SVG, an avatar).
IMAGE = Deadline("image decode", 5_000)


def wait_for_js(page: Page, expression: str, arg: Any = None, *, deadline: Deadline) -> Any:
    """Poll ``expression`` (a JS function of ``arg``) until it returns something truthy; return it."""
    try:
        handle = page.wait_for_function(expression, arg=arg, timeout=deadline.ms, polling=50)
    except PlaywrightTimeout as exc:
        raise AssertionError(
            f"deadline {deadline.name!r} ({deadline.ms} ms) passed waiting for: {expression}"
        ) from exc
    return handle.json_value()


def wait_for_text(page: Page, selector: str, text: str, *, deadline: Deadline = RENDER) -> None:
    """Wait until the first element matching ``selector`` has exactly ``text`` as textContent."""
    wait_for_js(
        page,
        "([sel, want]) => document.querySelector(sel)?.textContent === want",
        [selector, text],
        deadline=deadline,
    )


def text_of(page: Page, selector: str) -> str:
    """The textContent of the first element matching ``selector`` ("" if none)."""
    value: str = page.evaluate("(sel) => document.querySelector(sel)?.textContent ?? ''", selector)
    return value


def is_shown(page: Page, selector: str) -> bool:
    """True if the element exists and neither it nor an ancestor is hidden."""
    shown: bool = page.evaluate(
        "(sel) => { const n = document.querySelector(sel); return !!n && n.checkVisibility(); }",
        selector,
    )
    return shown
