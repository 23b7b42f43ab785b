"""The tutorial notebooks: where they are, running them headless, and serving them in JupyterLab.

``wxnb demo`` serves them in JupyterLab (:func:`serve_lab`); ``wxnb demo --execute OUT`` runs each one
top to bottom against one fresh simulator and writes the executed notebooks and their HTML to OUT
(:func:`execute_notebooks`), then checks that no credential of that simulator (skey, sid, uin,
pass_ticket, cookie values, login codes) is anywhere in them.

How the notebooks find the simulator: they call :func:`wxnb.demo`, which starts one in the kernel, or,
when ``$WXNB_DEMO_URL`` is set (as here when executing), logs in to the simulator at that URL.

Needs the ``demo`` extra (``pip install "wxnb[demo]"``: JupyterLab, nbclient, nbconvert, matplotlib).

Example::

    from wxnb.tutorials import execute_notebooks
    executed = execute_notebooks("out/")     # [Path("out/01-login-and-explore.ipynb"), ...]
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import wxnb
from wxnb.errors import Error

if TYPE_CHECKING:
    from wxnb.sim.simulator import Simulator

__all__ = [
    "DEMO_URL_ENV",
    "NotebookFailed",
    "SecretsInNotebooks",
    "execute_notebooks",
    "find_secrets",
    "free_port",
    "notebook_paths",
    "notebooks_dir",
    "serve_lab",
    "stop_process",
    "wait_for_server",
]

#: When set, ``wxnb.demo()`` logs in to the simulator at this URL instead of starting its own.
DEMO_URL_ENV = "WXNB_DEMO_URL"
#: The scenario ``wxnb.demo()`` builds when it is not given one (tiny, small, medium, large).
SCENARIO_ENV = "WXNB_DEMO_SCENARIO"
FIRST_NOTEBOOK = "01-login-and-explore.ipynb"
_PACKAGE_PARENT = Path(wxnb.__file__).resolve().parent.parent
# The cookies that identify a session (not wxloadtime, a login timestamp, nor mm_lang, a language).
_SECRET_COOKIES = frozenset({"wxuin", "wxsid", "webwx_data_ticket", "webwxuvid", "webwx_auth_ticket"})
_MISSING_EXTRA = 'the demo needs JupyterLab, nbclient and matplotlib: pip install "wxnb[demo]"'


class NotebookFailed(Error):
    """A tutorial notebook raised an error (the message names the notebook and the cell's error)."""


class SecretsInNotebooks(Error):
    """An executed notebook holds a credential or a login code (the message says which kind, where)."""


def notebooks_dir() -> Path:
    """The tutorial notebooks: the checkout's ``notebooks/``, else the copy packed into the wheel.

    Raises:
        NotebookFailed: neither exists (a broken install: reinstall wxnb).
    """
    for folder in (_PACKAGE_PARENT / "notebooks", Path(wxnb.__file__).resolve().parent / "notebooks"):
        if any(folder.glob("[0-9]*.ipynb")):
            return folder
    raise NotebookFailed("the tutorial notebooks are not installed with wxnb: reinstall it from a release")


def notebook_paths(folder: Path | None = None) -> list[Path]:
    """The numbered notebooks of ``folder`` (default :func:`notebooks_dir`), in order."""
    return sorted((folder or notebooks_dir()).glob("[0-9]*.ipynb"))


def kernel_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment for kernels, with this wxnb first on the path (so a kernel imports
    the same wxnb as the command that started it, a checkout included)."""
    path = os.pathsep.join(filter(None, [str(_PACKAGE_PARENT), os.environ.get("PYTHONPATH", "")]))
    return {**os.environ, "PYTHONPATH": path, **(extra or {})}


# -- executing ---------------------------------------------------------------------------------------


def execute_notebooks(
    out: str | Path,
    *,
    scenario: str = "small",
    history_days: float = 28.0,
    traffic: float = 2.0,
    timeout: float = 180.0,
    notebooks: Sequence[Path] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Run each notebook top to bottom against one fresh simulator; write it and its HTML to ``out``.

    The simulator (``scenario``, ``history_days`` of back-history, ``traffic`` messages per second, a
    phone that confirms every login after a second) runs in this process; the kernels log in to it
    through ``$WXNB_DEMO_URL``. ``timeout`` bounds each cell. Returns the executed notebooks' paths.

    Raises:
        NotebookFailed: a cell raised (the partly executed notebook is still written, for reading).
        SecretsInNotebooks: an output holds one of the simulator's credentials or login codes.
    """
    try:
        # nbformat and nbconvert have no type hints: used as Any
        nbformat: Any = importlib.import_module("nbformat")
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
    except ImportError as exc:
        raise NotebookFailed(f"{_MISSING_EXTRA} ({exc})") from None
    from wxnb.entry import DEMO_HISTORY_PER_DAY
    from wxnb.sim.simulator import Simulator

    say = progress or (lambda line: None)
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    paths = list(notebooks) if notebooks is not None else notebook_paths()
    written: list[Path] = []
    with Simulator(
        scenario=scenario,
        seed=0,
        hold=5.0,
        auto_confirm=1.0,
        history_days=history_days,
        history_per_day=DEMO_HISTORY_PER_DAY.get(scenario, 200.0),
    ) as sim:
        sim.run_traffic(traffic)
        env = kernel_env({DEMO_URL_ENV: sim.base_url, SCENARIO_ENV: scenario})
        env.pop("MPLBACKEND", None)  # the kernel's own inline backend, whatever the caller uses
        for path in paths:
            say(f"running {path.name}...")
            started = time.monotonic()
            book = nbformat.read(path, as_version=4)
            client = NotebookClient(
                book,
                timeout=int(timeout),
                kernel_name="python3",
                resources={"metadata": {"path": str(path.parent)}},
            )
            failure: CellExecutionError | None = None
            try:
                client.execute(env=env)
            except CellExecutionError as exc:
                failure = exc
            executed = target / path.name
            nbformat.write(book, executed)
            (target / f"{path.stem}.html").write_text(_html(book), encoding="utf-8")
            written.append(executed)
            if failure is not None:
                raise NotebookFailed(
                    f"{path.name} failed: {failure.ename}: {failure.evalue} "
                    f"(the executed part, with the traceback, is in {executed})"
                )
            say(f"  {path.name}: ok in {time.monotonic() - started:.1f} s")
        leaks = find_secrets(target.iterdir(), credentials_of(sim))
    if leaks:
        raise SecretsInNotebooks("credentials in the executed notebooks: " + "; ".join(leaks))
    return written


def _html(book: Any) -> str:
    nbconvert: Any = importlib.import_module("nbconvert")
    body, _ = nbconvert.HTMLExporter(template_name="lab").from_notebook_node(book)
    return str(body)


def credentials_of(sim: Simulator) -> dict[str, set[str]]:
    """Every credential a simulator handed out, by kind: skey, sid, uin, pass_ticket, cookie, login code."""
    world = sim.world
    found: dict[str, set[str]] = {k: set() for k in ("skey", "sid", "uin", "pass_ticket", "cookie", "uuid")}
    found["uin"].add(str(world.uin))
    with world.lock:
        for session in world.sessions:
            creds = session.creds
            found["skey"].add(creds.skey)
            found["sid"].add(creds.sid)
            found["pass_ticket"].update({creds.pass_ticket, creds.pass_ticket_encoded})
            cookies = creds.cookies(int(session.created))
            found["cookie"].update(value for name, value in cookies if name in _SECRET_COOKIES)
        found["uuid"].update(world.logins)
    return found


def find_secrets(files: Iterable[Path], credentials: dict[str, set[str]]) -> list[str]:
    """``"<file>: <kind>"`` for each file that contains a credential (the value itself is never said)."""
    leaks = []
    for path in sorted(files):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for kind, values in credentials.items():
            if any(value and value in text for value in values):
                leaks.append(f"{path.name}: {kind}")
    return leaks


# -- serving -------------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a server started next).

    >>> 0 < free_port() < 65536
    True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def has_display() -> bool:
    """Whether a browser can be opened here: always on macOS and Windows, on Linux with X or Wayland."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def working_copy(source: Path) -> Path:
    """Where to serve the notebooks from: the checkout's folder itself, or (for an installed wxnb) a
    copy in ``./wxnb-notebooks``, made once and never overwritten (your edits stay)."""
    if source == _PACKAGE_PARENT / "notebooks":
        return source
    copy = Path.cwd() / "wxnb-notebooks"
    if not copy.exists():
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return copy


def serve_lab(
    folder: Path | None = None,
    *,
    scenario: str | None = None,
    open_browser: bool | None = None,
    stop: threading.Event | None = None,
    ready: Callable[[str], None] | None = None,
    start_timeout: float = 120.0,
) -> int:
    """Serve the notebooks in JupyterLab on 127.0.0.1 until ``stop`` is set or the server exits.

    Each notebook's ``wxnb.demo()`` starts its own simulator in its kernel (``scenario``: passed as
    ``$WXNB_DEMO_SCENARIO``). ``ready(url)`` is called with the URL (its token included) once the server
    answers. ``open_browser``: default, only where there is a display. Returns the server's exit code
    (0 when stopped).

    Raises:
        NotebookFailed: JupyterLab is not installed, or did not answer within ``start_timeout`` s.
    """
    if importlib.util.find_spec("jupyterlab") is None:
        raise NotebookFailed(_MISSING_EXTRA)
    root = working_copy(folder or notebooks_dir())
    token, port = secrets.token_hex(24), free_port()
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/lab/tree/{FIRST_NOTEBOOK}?token={token}"
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers run as root
    env = kernel_env({SCENARIO_ENV: scenario} if scenario else None)
    process = subprocess.Popen(command, cwd=root, env=env)
    try:
        wait_for_server(base, token, process, start_timeout)
        if ready is not None:
            ready(url)
        if open_browser if open_browser is not None else has_display():
            webbrowser.open(url)
        while process.poll() is None:
            if stop is not None and stop.wait(0.5):
                return 0
            if stop is None:
                process.wait()
        return process.returncode
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """End a server started with :class:`subprocess.Popen`: terminate, then kill after 20 s; a
    process that already ended is left as it is.

    Example: ``stop_process(subprocess.Popen([sys.executable, "-m", "jupyterlab", ...]))``
    """
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


def wait_for_server(base: str, token: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Return once the Jupyter server at ``base`` answers ``/api/status`` with ``token``.

    Example: ``wait_for_server("http://127.0.0.1:8888", token, process, 120)``

    Raises:
        NotebookFailed: the process exited first, or ``timeout`` s passed.
    """
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(f"{base}/api/status", headers={"Authorization": f"token {token}"})
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise NotebookFailed(f"JupyterLab exited with code {process.returncode} (its log is above)")
        try:
            with urllib.request.urlopen(request, timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # not listening yet: probe again until the deadline
        time.sleep(0.25)  # an external process: a short pause between probes, bounded by the deadline
    raise NotebookFailed(f"JupyterLab did not answer within {timeout:g} s")
