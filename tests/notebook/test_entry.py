"""The public face: lazy ``import wxnb``, ``wxnb.demo()``, the ``wxnb demo`` command, ``login()``.

The widget's wiring is tested in ``test_login_view.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

import wxnb
from tests.session.conftest import new_qr, wait_until
from wxnb.notebook import NotebookSession, in_notebook
from wxnb.session import Session
from wxnb.sim.simulator import Simulator

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_import_wxnb_loads_nothing_heavy() -> None:
    code = (
        "import sys, wxnb; heavy = ('pandas', 'requests', 'anywidget', 'pyarrow', 'wxnb.session'); "
        "print([m for m in heavy if m in sys.modules]); print(callable(wxnb.login))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "True"]
    assert {"login", "demo", "Session", "open_archive"} <= set(dir(wxnb))
    with pytest.raises(AttributeError):
        wxnb.nothing_here  # noqa: B018


def test_demo_logs_in_to_an_in_process_simulator_and_close_stops_it(tmp_path: Path) -> None:
    session = wxnb.demo("tiny", traffic=50.0, show="none", hold=0.3, data_dir=tmp_path)
    try:
        assert session.status.state == "online"
        session.wait_for(lambda m: m.category != "status", timeout=10)
        sim = session._owned[0]
        base = sim.base_url
    finally:
        session.close()
    with pytest.raises(requests.ConnectionError):
        requests.get(base + "/_sim/state", timeout=5)


def test_the_demo_command_prints_messages_and_status_then_stops(tmp_path: Path) -> None:
    command = [
        sys.executable, "-m", "wxnb.cli", "demo", "--scenario", "tiny", "--traffic", "20",
        "--duration", "1.5", "--status-every", "0.5", "--data-dir", str(tmp_path),
    ]  # fmt: skip
    out = subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Scan this QR code" in text and "▄" in text
    assert "Logged in as" in text and "[status]" in text and " · online since " in text
    assert text.rstrip().endswith("wxnb demo stopped.")
    assert any(line.startswith("  ") and ": " in line for line in text.splitlines())


def test_not_a_notebook_here() -> None:
    assert not in_notebook()


def test_login_with_the_widget_returns_at_once_and_new_code_restarts_the_qr(
    sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.frontend import ensure_bundle

    ensure_bundle()
    session = wxnb.login(sim.base_url, data_dir=tmp_path, resume=False, show="widget")
    try:
        assert session.status.state == "logging_in" and isinstance(session, NotebookSession)
        assert session._view is not None
        widget = session.widget
        first = new_qr(sim, set())
        wait_until(lambda: widget.phase == "waiting", what="the QR on the widget")
        for callback in widget._new_code_callbacks:  # what a click on "New code" runs
            callback()
        second = new_qr(sim, {first})
        sim.phone.confirm(second)
        session.wait_ready(10)
        assert session.interactive
    finally:
        session.close()
    capsys.readouterr()  # display() outside a kernel prints the widget's repr


def test_in_a_kernel_login_returns_a_notebook_session_in_a_terminal_a_plain_one(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sim.phone.auto_confirm(0.05)
    with wxnb.login(sim.base_url, data_dir=tmp_path / "t", resume=False, timeout=10) as session:
        assert type(session) is Session and not hasattr(session, "widget")
        assert "Scan this QR code" in capsys.readouterr().out  # "auto" outside a kernel: text
    monkeypatch.setattr("wxnb.entry.in_notebook", lambda: True)
    with wxnb.login(sim.base_url, data_dir=tmp_path / "k", resume=False, show="none", timeout=10) as shown:
        # Not shown at login, but `shown` at the end of a later cell can still draw its widget.
        assert isinstance(shown, NotebookSession) and shown._view is None
        assert shown.status.state == "online" and not shown.interactive
