"""One writer per archive: a second writer is refused, in this process or another, with or without fcntl."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from wxnb.store import Archive, open_archive
from wxnb.store.errors import ArchiveLockedError

ROOT = str(Path(__file__).resolve().parents[2])

# A writer in a child process: takes the archive, says so, and holds it until told to close (or killed).
_HOLDER = """
import sys
{no_fcntl}
sys.path.insert(0, {root!r})
from wxnb.store import Archive
from wxnb.store.errors import ArchiveLockedError
try:
    archive = Archive({path!r})
except ArchiveLockedError:
    print("locked", flush=True)
    raise SystemExit(0)
print("holding", flush=True)
sys.stdin.readline()
archive.close()
print("closed", flush=True)
"""
_NO_FCNTL = "sys.modules['fcntl'] = None  # as on a platform without fcntl: importing it fails"


def _holder(path: Path, *, fcntl: bool) -> subprocess.Popen[str]:
    script = _HOLDER.format(root=ROOT, path=str(path), no_fcntl="" if fcntl else _NO_FCNTL)
    return subprocess.Popen(
        [sys.executable, "-W", "ignore", "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _line(child: subprocess.Popen[str]) -> str:
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    if not line:
        child.wait(timeout=30)
        assert child.stderr is not None
        pytest.fail(f"child ended without a word: {child.stderr.read()}")
    return line


def _close(child: subprocess.Popen[str]) -> None:
    assert child.stdin is not None
    child.stdin.write("\n")
    child.stdin.flush()
    assert _line(child) == "closed"
    assert child.wait(timeout=30) == 0


def test_a_second_writer_in_another_process_is_refused_until_the_first_closes(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    child = _holder(path, fcntl=True)
    try:
        assert _line(child) == "holding"
        with pytest.raises(ArchiveLockedError, match="another wxnb session"):
            Archive(path)
        with open_archive(path) as reader:  # readers are welcome meanwhile
            assert reader.messages.empty
        _close(child)
        Archive(path).close()
    finally:
        child.kill()
        child.wait(timeout=30)


def test_writers_exclude_each_other_without_fcntl(tmp_path: Path) -> None:
    """Where fcntl is missing, filelock falls back to a lock file created exclusively (with the owner's
    PID): two writers still exclude each other, and a crashed writer's lock is taken over."""
    path = tmp_path / "a.sqlite3"
    first = _holder(path, fcntl=False)
    second: subprocess.Popen[str] | None = None
    try:
        assert _line(first) == "holding"
        second = _holder(path, fcntl=False)
        assert _line(second) == "locked"
        assert second.wait(timeout=30) == 0
        _close(first)
        second = _holder(path, fcntl=False)
        assert _line(second) == "holding"
        os.kill(second.pid, signal.SIGKILL)  # dies holding the lock: no close, no release
        second.wait(timeout=30)
        third = _holder(path, fcntl=False)
        assert _line(third) == "holding"
        _close(third)
    finally:
        for child in (first, second):
            if child is not None:
                child.kill()
                child.wait(timeout=30)


_IN_ONE_PROCESS = """
import sys
sys.modules['fcntl'] = None
sys.path.insert(0, {root!r})
import filelock
from wxnb.store import Archive
from wxnb.store.errors import ArchiveLockedError
print(filelock.FileLock.__name__)
first = Archive({path!r})
try:
    Archive({path!r})
except ArchiveLockedError:
    print("refused")
first.close()
Archive({path!r}).close()
print("reopened")
"""


def test_without_fcntl_a_second_writer_in_the_same_process_is_refused(tmp_path: Path) -> None:
    script = _IN_ONE_PROCESS.format(root=ROOT, path=str(tmp_path / "a.sqlite3"))
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["SoftFileLock", "refused", "reopened"]
