"""bulk → session, never the other way; bulk's core knows nothing of widgets, notebooks or the simulator.
The examples in bulk's docstrings run."""

from __future__ import annotations

import ast
import doctest
import importlib
from pathlib import Path

import pytest

import wxnb.bulk
import wxnb.session

MODULES = ["wxnb.bulk", "wxnb.bulk.limits", "wxnb.bulk.journal"]


def _imports(package_dir: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted(package_dir.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[path.name] = names
    return found


def test_the_session_imports_nothing_of_bulk() -> None:
    imports = _imports(Path(wxnb.session.__file__).parent)
    assert len(imports) >= 10
    assert {m: n for m, n in imports.items() if any(x.startswith("wxnb.bulk") for x in n)} == {}


def test_bulk_imports_no_view_and_no_simulator() -> None:
    imports = _imports(Path(wxnb.bulk.__file__).parent)
    banned = ("wxnb.notebook", "wxnb.widgets", "wxnb.sim", "ipywidgets", "IPython", "anywidget", "wxnb.store")
    assert {m: n for m, n in imports.items() if any(x.startswith(banned) for x in n)} == {}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
