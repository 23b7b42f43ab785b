"""Test helper: make sure this checkout's front end is built before widget or browser tests run.

A checkout's tests must test its own JavaScript, so the bundle in ``wxnb/static/`` is rebuilt
(``npm ci`` when ``node_modules`` is missing or older than the lockfile, then ``npm run build``)
whenever it is missing or older than anything in ``js/`` that goes into it. An installed wheel
(no ``js/`` beside the package) is taken as built.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "js"
STATIC = ROOT / "wxnb" / "static"
BUNDLE = ("login.js", "login.css", "chat.js", "chat.css")


class FrontendBuildError(RuntimeError):
    """npm is missing or the build failed; the message says what to run."""


def _newest_source_mtime() -> float:
    sources = [JS / "build.mjs", JS / "package.json", JS / "package-lock.json", *(JS / "src").rglob("*")]
    return max(p.stat().st_mtime for p in sources if p.is_file())


def _run(args: list[str]) -> None:
    done = subprocess.run(args, cwd=JS, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise FrontendBuildError(
            f"`{' '.join(args)}` in {JS} failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
        )


def ensure_bundle() -> Path:
    """Build ``wxnb/static/`` if it is missing or stale; return the static directory."""
    if not (JS / "package.json").is_file():
        return STATIC
    targets = [STATIC / name for name in BUNDLE]
    if (
        all(t.is_file() for t in targets)
        and min(t.stat().st_mtime for t in targets) >= _newest_source_mtime()
    ):
        return STATIC
    npm = shutil.which("npm")
    if npm is None:
        raise FrontendBuildError(
            "npm is not installed, so the widget front end cannot be built: install node >= 20 "
            "and npm (Debian: apt-get install -y nodejs npm), then run `bash scripts/setup`"
        )
    stamp = JS / "node_modules" / ".package-lock.json"
    if not stamp.is_file() or stamp.stat().st_mtime < (JS / "package-lock.json").stat().st_mtime:
        _run([npm, "ci", "--no-audit", "--no-fund"])
    _run([npm, "run", "build"])
    return STATIC
