"""The tutorial notebooks run top to bottom on the simulator, and what they save holds no credential.

Executing them is what ``wxnb demo --execute OUT`` does (:func:`wxnb.tutorials.execute_notebooks`):
one fresh simulator (the "small" scenario with four weeks of history, so each notebook takes seconds),
each notebook in its own kernel logging in to it through ``$WXNB_DEMO_URL``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import nbformat
import pytest

from wxnb.sim.simulator import Simulator
from wxnb.tutorials import (
    NotebookFailed,
    SecretsInNotebooks,
    credentials_of,
    execute_notebooks,
    find_secrets,
    notebook_paths,
    serve_lab,
)

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = ["01-login-and-explore", "02-analyse-messages", "03-chat", "04-bulk-remarks-and-topics"]


def _outputs(path: Path) -> list[dict[str, object]]:
    book = nbformat.read(path, as_version=4)
    return [output for cell in book.cells if cell.cell_type == "code" for output in cell.outputs]


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("executed")
    execute_notebooks(out, scenario="small", timeout=120)
    return out


def test_the_notebooks_are_the_numbered_tutorials_and_are_saved_without_outputs() -> None:
    paths = notebook_paths()
    assert [p.stem for p in paths] == EXPECTED
    for path in paths:
        assert _outputs(path) == [], f"{path.name} is committed with outputs: clear them"
        first = nbformat.read(path, as_version=4).cells[0]
        assert "wxnb.login()" in first.source, f"{path.name}: the first cell says how to use a real account"


@pytest.mark.timeout(600)
def test_every_notebook_runs_top_to_bottom_and_writes_notebook_and_html(executed: Path) -> None:
    assert sorted(p.name for p in executed.iterdir()) == sorted(
        [f"{name}.ipynb" for name in EXPECTED] + [f"{name}.html" for name in EXPECTED]
    )
    for name in EXPECTED:
        outputs = _outputs(executed / f"{name}.ipynb")
        assert outputs, f"{name}: no output at all"
        assert not [o for o in outputs if o.get("output_type") == "error"]
        assert not [o for o in outputs if o.get("name") == "stderr"], f"{name} wrote to stderr (a warning?)"
        html = (executed / f"{name}.html").read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>") and "session" in html


def test_the_analysis_notebook_draws_its_charts_with_cjk_and_emoji_text(executed: Path) -> None:
    svgs = [
        str(o["data"]["image/svg+xml"])  # type: ignore[index]
        for o in _outputs(executed / "02-analyse-messages.ipynb")
        if "image/svg+xml" in o.get("data", {})  # type: ignore[operator]
    ]
    assert len(svgs) >= 7  # calendar, hour x weekday, workdays, talkers, answers, speed, types
    # Text kept as text (the browser draws it, colour emoji included), measured with a CJK font.
    assert all("<text" in svg for svg in svgs)
    assert any("每天的消息 📅" in svg for svg in svgs)
    assert any("Noto Sans CJK" in svg for svg in svgs), "fonts-noto-cjk is installed by scripts/setup"


def test_the_analysis_covers_weeks_of_history_with_answers(executed: Path) -> None:
    text = json.dumps([o for o in _outputs(executed / "02-analyse-messages.ipynb")], ensure_ascii=False)
    assert "answers; I answer in" in text
    first = next(o for o in _outputs(executed / "02-analyse-messages.ipynb") if o.get("name") == "stdout")
    count = int(str(first["text"]).split(" messages")[0].replace(",", ""))
    assert count > 2_000  # four weeks of the small scenario's history, and the live ones


def test_the_chat_notebook_shows_the_chat_widget(executed: Path) -> None:
    views = [
        o
        for o in _outputs(executed / "03-chat.ipynb")
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]  # type: ignore[operator]
    plain = [str(o["data"]["text/plain"]) for o in views]  # type: ignore[index]
    # session.chat() and session.chat(friend), each with its plain-text form (what the saved file keeps)
    chats = [text for text in plain if text.startswith("wxnb chat: ")]
    assert len(chats) == 2 and all("conversation" in text for text in chats)


def test_the_bulk_notebook_verifies_undoes_and_ends_the_dropped_write_unverified(executed: Path) -> None:
    text = json.dumps(_outputs(executed / "04-bulk-remarks-and-topics.ipynb"), ensure_ascii=False)
    # six changes: the one the simulator drops answers 0 and never shows; the two mistakes are skipped
    assert "remark: 5 verified, 1 unverified, 2 skipped" in text
    assert "the members of each renamed room will see a notice" in text
    assert "你修改群名为" in text  # the rename's notice reached the room
    counts = [
        o["data"]["text/plain"]
        for o in _outputs(executed / "04-bulk-remarks-and-topics.ipynb")
        if "'verified'" in str(o.get("data", {}).get("text/plain", ""))
    ]  # type: ignore[union-attr]
    assert counts == [
        "{'verified': 5, 'unverified': 0, 'failed': 0, 'skipped': 0, 'pending': 0}",  # the remarks undone
        "{'verified': 2, 'unverified': 0, 'failed': 0, 'skipped': 0, 'pending': 0}",  # the renames undone
    ]


def test_no_credential_or_login_code_is_saved(executed: Path) -> None:
    # execute_notebooks raised SecretsInNotebooks if it found one; check the check itself here.
    with Simulator(scenario="tiny") as sim:
        from tests.sim.helpers import WebClient

        web = WebClient(sim.base_url)
        try:
            web.login(sim)
        finally:
            web.close()
        secrets = credentials_of(sim)
    assert all(secrets[kind] for kind in ("skey", "sid", "uin", "pass_ticket", "cookie", "uuid"))
    assert find_secrets(executed.iterdir(), secrets) == []
    skey = next(iter(secrets["skey"]))
    planted = executed.parent / "planted"
    planted.mkdir()
    (planted / "leak.ipynb").write_text(json.dumps({"text": f"skey={skey}"}))
    leaks = find_secrets(planted.iterdir(), secrets)
    assert leaks == ["leak.ipynb: skey"] and skey not in leaks[0]


@pytest.mark.timeout(300)
def test_a_failing_notebook_is_reported_by_name_and_still_written(tmp_path: Path) -> None:
    bad = tmp_path / "src" / "09-broken.ipynb"
    bad.parent.mkdir()
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    nbformat.write(book, bad)
    with pytest.raises(NotebookFailed, match=r"09-broken\.ipynb failed: ZeroDivisionError: division by zero"):
        execute_notebooks(tmp_path / "out", scenario="tiny", history_days=1, notebooks=[bad])
    assert (tmp_path / "out" / "09-broken.ipynb").exists()


def test_secrets_in_notebooks_is_a_wxnb_error() -> None:
    from wxnb.errors import Error

    assert issubclass(SecretsInNotebooks, Error) and issubclass(NotebookFailed, Error)


@pytest.mark.timeout(300)
def test_the_lab_serves_the_notebooks_on_localhost_with_a_token() -> None:
    stop = threading.Event()
    seen: list[str] = []
    found: list[str] = []

    def ready(url: str) -> None:
        base, token = url.partition("/lab/tree/")[0], url.rpartition("token=")[2]
        with urllib.request.urlopen(f"{base}/api/contents?token={token}", timeout=30) as reply:
            found.extend(item["name"] for item in json.loads(reply.read())["content"])
        seen.append(url)
        stop.set()  # serve_lab stops the server and returns 0

    assert serve_lab(open_browser=False, stop=stop, ready=ready) == 0
    (url,) = seen
    assert url.startswith("http://127.0.0.1:") and "/lab/tree/01-login-and-explore.ipynb?token=" in url
    assert len(url.rpartition("token=")[2]) >= 32
    assert {f"{name}.ipynb" for name in EXPECTED} <= set(found)


def test_the_terminal_demo_is_still_there_with_terminal(tmp_path: Path) -> None:
    command = [
        sys.executable, "-m", "wxnb.cli", "demo", "--terminal", "--scenario", "tiny", "--traffic", "20",
        "--data-dir", str(tmp_path), "--duration", "1",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "Logged in as" in out.stdout and out.stdout.rstrip().endswith("wxnb demo stopped.")


def test_execute_and_terminal_options_do_not_mix() -> None:
    from wxnb.cli import main

    with pytest.raises(SystemExit):
        main(["demo", "--execute", "out", "--terminal"])
    with pytest.raises(SystemExit, match="--terminal"):
        main(["demo", "--execute", "out", "--duration", "3"])


def test_an_installed_wxnb_serves_a_copy_in_the_current_directory_and_keeps_edits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wxnb.tutorials import notebooks_dir, working_copy

    assert working_copy(notebooks_dir()) == ROOT / "notebooks"  # a checkout serves its own folder
    packaged = tmp_path / "site-packages" / "wxnb" / "notebooks"
    shutil.copytree(ROOT / "notebooks", packaged)
    monkeypatch.chdir(tmp_path)
    copy = working_copy(packaged)
    assert copy == tmp_path / "wxnb-notebooks"
    assert sorted(p.name for p in copy.glob("*.ipynb")) == [f"{name}.ipynb" for name in EXPECTED]
    (copy / "01-login-and-explore.ipynb").write_text("{}")  # the person's edits
    assert working_copy(packaged) == copy
    assert (copy / "01-login-and-explore.ipynb").read_text() == "{}"
