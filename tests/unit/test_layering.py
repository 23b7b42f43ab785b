"""Arrows point down (DESIGN.md): the session imports no widget, notebook glue, ipywidgets or IPython.

Two checks: every import statement under ``wxnb/session`` (at module level, inside functions, under
``TYPE_CHECKING``), read from the source; and a real login in a fresh interpreter, after which none of
those modules may be loaded.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SESSION = ROOT / "wxnb" / "session"
FORBIDDEN = ("wxnb.widgets", "wxnb.notebook", "ipywidgets", "anywidget", "IPython", "traitlets")


def _forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN)


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an import statement or an ``importlib.import_module("...")`` call names."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"line {node.lineno}: relative import (the check needs absolute ones)"
            module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def test_the_check_sees_imports_everywhere() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from wxnb.notebook import NotebookLoginView\n"
        "def show():\n    from IPython.display import display\n    import ipywidgets\n"
        "def lazy():\n    import importlib\n    return importlib.import_module('wxnb.widgets.login')\n"
        "from wxnb import widgets\n"
    )
    lines = {line for line, name in _imports(ast.parse(source)) if _forbidden(name)}
    assert lines == {3, 5, 6, 9, 10}  # every forbidden import, and nothing else (typing, importlib)


def test_no_module_of_the_session_imports_a_widget_or_ipython() -> None:
    files = sorted(SESSION.rglob("*.py"))
    assert len(files) >= 10  # the walk found the package
    bad = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in files
        for line, name in _imports(ast.parse(path.read_text(encoding="utf-8")))
        if _forbidden(name)
    ]
    assert bad == []


LOGIN_AND_LOOK = """
import sys, tempfile
from wxnb.session import Session
from wxnb.sim.simulator import Simulator

with Simulator(scenario="tiny", hold=0.2, auto_confirm=0.05) as sim:
    steps = []
    with Session(sim.base_url, data_dir=tempfile.mkdtemp()) as session:
        session.on("login", lambda e: steps.append(e.phase), replay=True)
        session.start().wait_ready(30)
        sim.phone.send(("friend", 1), "hello")
        hello = session.wait_for(lambda m: m.text == "hello", timeout=30)
        session.send(hello.chat, "hi back")
        print(steps[-1], session.status.state, len(session.messages) >= 2)
forbidden = %r
print(sorted(m for m in sys.modules if any(m == f or m.startswith(f + ".") for f in forbidden)))
"""


def test_a_whole_session_loads_no_widget_module() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", LOGIN_AND_LOOK % (FORBIDDEN,)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["ready online True", "[]"]
