"""``wxnb sim`` as a user runs it: a subprocess that prints its base URL and stops on a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def start(*args: str) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, "-m", "wxnb.sim", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Base URL: "):
            return process, line.removeprefix("Base URL: ").strip()
    process.wait(10)
    pytest.fail(f"no base URL printed; stderr: {process.stderr.read() if process.stderr else ''}")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_cli_serves_and_stops_cleanly(stop: signal.Signals) -> None:
    process, base = start("--spec", "tests.sim.conftest:make_spec", "--hold", "1", "--auto-confirm", "0.1")
    try:
        assert base.startswith("http://127.0.0.1:")
        reply = requests.get(f"{base}/jslogin?appid=wx782c26e4c19acffb&fun=new", timeout=10)
        assert reply.text.startswith('window.QRLogin.code = 200; window.QRLogin.uuid = "')
        assert requests.get(f"{base}/_sim/state", timeout=10).json()["world"] == "mini"
    finally:
        process.send_signal(stop)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "wxnb simulator stopped." in out and "Traceback" not in err


def test_cli_rejects_a_bad_spec() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wxnb.sim", "--spec", "nowhere"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "MODULE:FUNCTION" in result.stderr


def test_cli_scenario_medium_runs() -> None:
    pytest.importorskip("wxnb.sim.scenario")
    process, base = start("--scenario", "medium", "--traffic", "20", "--hold", "1")
    try:
        state = requests.get(f"{base}/_sim/state", timeout=10).json()
        assert state["friends"] > 0 and state["rooms"] > 0
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)
    assert process.returncode == 0


def test_main_entry_point_parses_like_the_console_script() -> None:
    from wxnb.cli import build_parser

    args = build_parser().parse_args(["sim", "--port", "8123", "--scenario", "tiny", "--traffic", "2"])
    assert (args.command, args.port, args.scenario, args.traffic, args.hold) == (
        "sim",
        8123,
        "tiny",
        2.0,
        25.0,
    )
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sim", "--scenario", "huge"])
