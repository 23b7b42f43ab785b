"""Run a real JupyterLab for end-to-end tests, and drive a notebook in it with Playwright.

What an end-to-end test needs (all installed by ``bash scripts/setup``): the ``test`` extra
(jupyterlab, ipykernel, playwright), Debian's ``/usr/bin/chromium``, and this checkout's built
front end. The server listens on 127.0.0.1 on a free port with a random token; its kernels run
this interpreter with the checkout first on ``PYTHONPATH``, so ``import wxnb`` is the code under
test. Nothing is written outside the given directories.

>>> with running_jupyterlab(tmp_path) as lab:                     # doctest: +SKIP
...     write_notebook(tmp_path / "t.ipynb", ["from wxnb.widgets import LoginWidget", "LoginWidget()"])
...     page.goto(lab.url("lab/tree/t.ipynb"))
...     run_all_cells(page)
...     page.wait_for_selector(".wxnb-login")
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.browser.waits import Deadline, wait_for_js
from tests.frontend import ROOT, ensure_bundle
from wxnb.tutorials import NotebookFailed, free_port, stop_process, wait_for_server

if TYPE_CHECKING:
    from wxnb.sim.simulator import Simulator

#: Starting the server (Python imports, extension discovery) on a busy 2-core machine.
SERVER_START = Deadline("jupyterlab start", 90_000)
#: Opening a notebook in the lab UI and its kernel becoming idle.
NOTEBOOK_OPEN = Deadline("notebook open", 60_000)
#: Running all cells and their widget outputs rendering.
CELLS_RUN = Deadline("cells run", 60_000)
#: A theme switch through the Settings menu.
THEME_CHANGE = Deadline("theme change", 30_000)
#: Ctrl+S until the file on disk changed.
NOTEBOOK_SAVE = Deadline("notebook save", 30_000)

#: The notebook on show (other open notebooks stay in the DOM, hidden).
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"

#: Every cell stays in the DOM (no virtual scrolling), so each output can be looked at.
EVERY_CELL_IN_DOM: Mapping[str, Mapping[str, object]] = {
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}
}
#: Saved notebooks carry the widget state, as many people set it.
SAVE_WIDGET_STATE: Mapping[str, Mapping[str, object]] = {
    "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}
}

DARK_THEME = "JupyterLab Dark"
LIGHT_THEME = "JupyterLab Light"


class JupyterLabError(RuntimeError):
    """The server did not start; the message carries its log."""


@dataclass(frozen=True)
class JupyterLab:
    """A running server: ``lab.url("lab/tree/x.ipynb")`` is a page URL that carries the token."""

    base: str
    token: str
    root_dir: Path
    log: Path
    #: "lab" (JupyterLab 4) or "notebook" (Notebook 7): which front end the server serves.
    app: str = "lab"

    def url(self, path: str = "lab") -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path.lstrip('/')}{sep}token={self.token}"

    def api(self, path: str) -> Any:
        """GET a JSON endpoint of the server's REST API (authenticated with the token)."""
        request = urllib.request.Request(
            f"{self.base}/api/{path.lstrip('/')}", headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            return json.loads(reply.read())


def _write_settings(
    settings_dir: Path,
    theme: str,
    extra: Mapping[str, Mapping[str, object]] | None = None,
    *,
    app: str = "lab",
) -> None:
    folder = settings_dir / "@jupyterlab" / "apputils-extension"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "themes.jupyterlab-settings").write_text(json.dumps({"theme": theme}))
    if app == "lab":
        # No "get notified about Jupyter news?" toast covering the page, and no fetching news at all.
        # (Notebook 7 has no such plugin; settings for a plugin it lacks throw in its page.)
        (folder / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
    for plugin, values in (extra or {}).items():
        # "@scope/package:plugin" is stored as @scope/package/plugin.jupyterlab-settings
        package, _, name = plugin.rpartition(":")
        path = settings_dir / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(dict(values)))


def _wait_until_ready(base: str, token: str, process: subprocess.Popen[bytes], log: Path) -> None:
    try:
        wait_for_server(base, token, process, SERVER_START.ms / 1000)
    except NotebookFailed as exc:
        raise JupyterLabError(f"{SERVER_START.name}: {exc}:\n{log.read_text()[-4000:]}") from exc


@contextmanager
def running_jupyterlab(
    root_dir: Path,
    *,
    theme: str = LIGHT_THEME,
    env: dict[str, str] | None = None,
    settings: Mapping[str, Mapping[str, object]] | None = None,
    app: str = "lab",
) -> Iterator[JupyterLab]:
    """Start ``jupyter lab`` on 127.0.0.1 (free port, random token) serving ``root_dir``; stop it after.

    Args:
        root_dir: the notebook directory (also the kernels' working directory).
        theme: "JupyterLab Light" or "JupyterLab Dark" (written to a private settings dir).
        env: extra environment for the server and its kernels.
        settings: more user settings by plugin id, e.g.
            ``{"@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}}``.
        app: "lab" runs JupyterLab 4; "notebook" runs Notebook 7 (same server, same settings dir;
            pages at ``notebooks/<name>``: see :func:`notebook_path`).

    Raises:
        JupyterLabError: the server exited or did not answer /api/status before the deadline.
    """
    if app not in ("lab", "notebook"):
        raise ValueError(f"app is 'lab' (JupyterLab 4) or 'notebook' (Notebook 7), not {app!r}")
    state = root_dir / ".jupyter-state"
    settings_dir = state / "user-settings"
    _write_settings(settings_dir, theme, settings, app=app)
    token = secrets.token_hex(16)
    port = free_port()
    log = state / "server.log"
    child_env = {
        **os.environ,
        # The kernels import this checkout's wxnb, not an installed copy.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
        "JUPYTERLAB_SETTINGS_DIR": str(settings_dir),
        "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "JUPYTER_CONFIG_DIR": str(state / "config"),
        **(env or {}),
    }
    # Notebook 7's application class takes the lab's options under its own name.
    front = "LabApp" if app == "lab" else "JupyterNotebookApp"
    command: Sequence[str] = [
        sys.executable,
        "-m",
        "jupyterlab" if app == "lab" else "notebook",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        "--ServerApp.open_browser=False",
        f"--{front}.news_url=",
        # No update checks or announcements: the network reaches only package registries here.
        f"--{front}.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--{front}.extension_manager=readonly",
        "--ServerApp.terminals_enabled=False",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command = [*command, "--allow-root"]  # CI and these machines run as root
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=root_dir, env=child_env, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_ready(base, token, process, log)
        yield JupyterLab(base=base, token=token, root_dir=root_dir, log=log, app=app)
    finally:
        stop_process(process)


@dataclass(frozen=True)
class SimLab:
    """A running server whose notebooks log in to ``sim``; ``notebook`` is the first one written."""

    lab: JupyterLab
    sim: Simulator
    notebook: Path


@contextmanager
def running_on_simulator(
    root_dir: Path,
    sim: Simulator,
    notebooks: Mapping[str, Sequence[str]],
    *,
    app: str = "lab",
    settings: Mapping[str, Mapping[str, object]] | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[SimLab]:
    """Write ``notebooks`` (name → code cells) into ``root_dir`` and serve them (:func:`running_jupyterlab`)
    with kernels that find the simulator's URL in ``$WXNB_E2E_SIM`` and a data directory in
    ``$WXNB_E2E_DATA``. When the server has stopped, the simulator must have refused no request."""
    ensure_bundle()  # the kernels import this checkout's wxnb: its front end must be built
    for name, cells in notebooks.items():
        write_notebook(root_dir / name, cells)
    environment = {"WXNB_E2E_SIM": sim.base_url, "WXNB_E2E_DATA": str(root_dir / "data"), **(env or {})}
    with running_jupyterlab(root_dir, env=environment, settings=settings, app=app) as lab:
        yield SimLab(lab, sim, root_dir / next(iter(notebooks)))
    assert sim.errors == []


def write_notebook(path: Path, cells: Sequence[str]) -> Path:
    """Write a minimal nbformat-4 notebook of code cells (python3 kernel) to ``path``."""
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": [
            {
                "cell_type": "code",
                "id": f"cell-{i}",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": source,
            }
            for i, source in enumerate(cells)
        ],
    }
    path.write_text(json.dumps(notebook, indent=1))
    return path


def _notebook_kernel(lab: JupyterLab, name: str) -> dict[str, Any] | None:
    """The server's record of the kernel behind notebook ``name``, or None if it has none yet."""
    for session in lab.api("sessions"):
        if session.get("path") == name and session.get("kernel"):
            kernel: dict[str, Any] = session["kernel"]
            return kernel
    return None


def wait_for_kernel_connected(lab: JupyterLab, name: str, deadline: Deadline) -> None:
    """Wait until the server says the kernel of notebook ``name`` is idle with a page connected.

    The page's indicator can say "idle" before the kernel's channels are open, and a cell run
    then can be lost, so the server's own view is checked too.
    """
    end = time.monotonic() + deadline.ms / 1000
    last: object = None
    while time.monotonic() < end:
        try:
            last = kernel = _notebook_kernel(lab, name)
        except urllib.error.HTTPError as exc:
            # While a kernel is starting, the listing can fail with a 500; ask again.
            last, kernel = f"{exc}; server log tail:\n{lab.log.read_text()[-3000:]}", None
        if kernel and kernel.get("execution_state") == "idle" and kernel.get("connections", 0) >= 1:
            return
        time.sleep(0.2)  # polling the server's REST API, bounded by the named deadline
    raise AssertionError(f"deadline {deadline.name!r} ({deadline.ms} ms) passed; last answer: {last}")


#: Notebook 7.6's own page throws this while loading its settings (with no user settings at all,
#: and with no wxnb output on the page); its stack is wholly inside Notebook 7's core bundle.
NOTEBOOK7_OWN_ERROR = "Cannot read properties of undefined (reading 'schema')"


def is_front_end_own_error(message: str, stack: str) -> bool:
    """True for Notebook 7's known settings error (:data:`NOTEBOOK7_OWN_ERROR`), thrown wholly in its
    own core bundle: tests collecting page errors leave it out, and keep every other error."""
    frames = [line.strip() for line in stack.splitlines() if line.strip().startswith("at ")]
    return (
        message == NOTEBOOK7_OWN_ERROR
        and bool(frames)
        and all(
            "/static/notebook/notebook_core." in f or f == "at async Promise.all (index 0)" for f in frames
        )
    )


def notebook_path(lab: JupyterLab, name: str) -> str:
    """The page path of notebook ``name``: ``lab/tree/<name>?reset`` (JupyterLab: ``?reset`` drops the
    workspace a previous page left, so no other notebook is open) or ``notebooks/<name>`` (Notebook 7:
    one notebook per page)."""
    return f"lab/tree/{name}?reset" if lab.app == "lab" else f"notebooks/{name}"


def _is_notebook7(page: Any) -> bool:
    """Notebook 7 serves notebooks at /notebooks/; JupyterLab at /lab/tree/."""
    return "/notebooks/" in str(page.url)


def open_notebook(page: Any, lab: JupyterLab, name: str) -> None:
    """Open ``name`` (relative to the root dir) alone (see :func:`notebook_path`); wait for its kernel."""
    page.goto(lab.url(notebook_path(lab, name)), timeout=NOTEBOOK_OPEN.ms)
    wait_for_js(
        page, f"() => !!document.querySelector('{PANEL} .jp-Notebook .jp-Cell')", deadline=NOTEBOOK_OPEN
    )
    wait_for_kernel_connected(lab, name, NOTEBOOK_OPEN)
    wait_for_kernel_idle(page, NOTEBOOK_OPEN)


def wait_for_kernel_idle(page: Any, deadline: Deadline) -> None:
    """Wait until the page shows an idle kernel: the toolbar indicator and the status bar agree.

    (The status bar says "Initializing" until the page's kernel connection is up.) Notebook 7 has no
    status bar: its toolbar's indicator is the page's word (open_notebook also asks the server).
    """
    indicator = (
        f"document.querySelector('{PANEL} .jp-Notebook-ExecutionIndicator')"
        "?.getAttribute('data-status') === 'idle'"
    )
    status_bar = (
        r"[...document.querySelectorAll('.jp-StatusBar-TextItem')].some(n => /\| Idle$/.test(n.textContent))"
    )
    both = indicator if _is_notebook7(page) else f"{indicator} && {status_bar}"
    wait_for_js(page, f"() => {both}", deadline=deadline)


def _prompts(index: int | None = None) -> str:
    cells = f"[...document.querySelectorAll('{PANEL} .jp-Cell .jp-InputPrompt')]"
    return cells if index is None else f"({cells}[{index}]?.textContent ?? '')"


def run_all_cells(page: Any) -> None:
    """Run every cell through the Run menu, as a person would; wait until each has a count."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    wait_for_js(
        page,
        f"() => {{ const p = {_prompts()};"
        r" return p.length > 0 && p.every(n => /\[\d+\]/.test(n.textContent)); }",
        deadline=CELLS_RUN,
    )
    wait_for_kernel_idle(page, CELLS_RUN)


def run_cell(page: Any, index: int) -> None:
    """Run one cell (0-based) with Shift+Enter; wait for its new execution count and an idle kernel."""
    prompt = page.locator(f"{PANEL} .jp-Cell").nth(index).locator(".jp-InputPrompt")
    before = prompt.text_content()
    prompt.click()
    page.keyboard.press("Shift+Enter")
    wait_for_js(
        page,
        f"(before) => {{ const t = {_prompts(index)}; return /\\[\\d+\\]/.test(t) && t !== before; }}",
        before,
        deadline=CELLS_RUN,
    )
    wait_for_kernel_idle(page, CELLS_RUN)


def set_theme(page: Any, theme: str) -> None:
    """Switch the running page to ``theme`` through Settings > Theme, as a person would."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Theme").first.hover()
    page.locator(".lm-Menu-itemLabel").get_by_text(theme, exact=True).click()
    light = "true" if theme == LIGHT_THEME else "false"
    # The lab covers the page with its splash screen while the theme's CSS loads: wait it out.
    wait_for_js(
        page,
        f"() => document.body.dataset.jpThemeLight === '{light}'"
        " && !document.querySelector('#jupyterlab-splash')",
        deadline=THEME_CHANGE,
    )


def save_notebook(page: Any, path: Path) -> dict[str, Any]:
    """Save the notebook on show (Ctrl+S); wait until ``path`` on disk has changed; return its JSON."""
    before = path.stat().st_mtime_ns
    page.keyboard.press("Control+s")  # the lab's shortcut: saves the active notebook
    end = time.monotonic() + NOTEBOOK_SAVE.ms / 1000
    while time.monotonic() < end:
        if path.stat().st_mtime_ns != before:
            try:
                saved: dict[str, Any] = json.loads(path.read_text())
            except json.JSONDecodeError:
                saved = {}  # caught mid-write: read it again
            if saved:
                return saved
        time.sleep(0.1)  # polling a file the server writes, bounded by the named deadline
    raise AssertionError(f"deadline {NOTEBOOK_SAVE.name!r} ({NOTEBOOK_SAVE.ms} ms) passed: {path} unchanged")
