"""A wheel built from a clean copy of the sources carries the compiled front end."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.frontend import ROOT

pytestmark = pytest.mark.slow


def _copy_sources(dest: Path) -> None:
    """What a fresh clone would hold: tracked files plus new ones not yet committed, nothing ignored."""
    if (ROOT / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.split(b"\0")
        for name in filter(None, (n.decode() for n in listed)):
            source = ROOT / name
            if source.is_file():  # a deleted but not yet committed file is still listed
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / name)
    else:
        shutil.copytree(
            ROOT,
            dest,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("node_modules", "static", ".venv", "__pycache__", "test-output"),
        )


def test_wheel_from_clean_sources_contains_the_bundle(tmp_path: Path) -> None:
    if shutil.which("npm") is None:
        pytest.fail("npm is needed to build the wheel's front end: install node >= 20 and npm")
    src, out = tmp_path / "src", tmp_path / "dist"
    _copy_sources(src)
    assert not (src / "wxnb" / "static").exists(), "the copy must start without a built bundle"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"wheel build failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    (wheel,) = out.glob("wxnb-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        js = zf.read("wxnb/static/login.js").decode()
        css = zf.read("wxnb/static/login.css").decode()
    assert "export" in js and "sourceMappingURL" not in js  # production build: ESM, no dev maps
    assert js.count("\n") < 5, "the shipped bundle should be minified"
    assert ".wxnb-login" in css
    assert not any(n.startswith(("js/", "tests/")) or "node_modules" in n for n in names)
