"""The store stands below the session and beside the protocol: it imports nothing of the protocol."""

from __future__ import annotations

import ast
from pathlib import Path

import wxnb.store
from wxnb.protocol.records import CATEGORIES
from wxnb.store.inputs import MESSAGE_CATEGORIES

STORE = Path(wxnb.store.__file__).parent


def _imported_modules(path: Path, package: str) -> list[str]:
    """Every module (and ``module.name``) that ``path``, a module of ``package``, imports."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: "from . import x", "from ..protocol import y"
                base = package.rsplit(".", node.level - 1)[0]
                module = f"{base}.{module}" if module else base
            names.append(module)
            names.extend(f"{module}.{alias.name}" for alias in node.names)
    return names


def _is_protocol(name: str) -> bool:
    return name == "wxnb.protocol" or name.startswith("wxnb.protocol.")


def test_no_store_module_imports_the_protocol() -> None:
    modules = sorted(STORE.rglob("*.py"))
    assert len(modules) >= 10  # the walk found the package
    offenders = {
        str(path.relative_to(STORE)): name
        for path in modules
        for name in _imported_modules(path, ".".join(["wxnb", *path.relative_to(STORE.parent).parent.parts]))
        if _is_protocol(name)
    }
    assert offenders == {}


def test_the_walk_would_see_a_protocol_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    for line in ("from wxnb import protocol", "import wxnb.protocol.records", "from ..protocol import x"):
        sample.write_text(f"import os\n{line}\n")
        assert any(_is_protocol(n) for n in _imported_modules(sample, "wxnb.store")), line
    sample.write_text("from . import rows\nfrom wxnb.store.protocolish import y\n")
    assert not any(_is_protocol(n) for n in _imported_modules(sample, "wxnb.store"))


def test_the_stores_categories_are_the_protocols() -> None:
    assert MESSAGE_CATEGORIES == CATEGORIES
