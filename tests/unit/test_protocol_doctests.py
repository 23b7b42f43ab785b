"""The examples in the protocol modules' docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "bodies", "codec", "contacts", "credentials", "errors", "fields", "hosts", "ids", "messages",
    "records", "replies", "synckey", "wiretext",
]  # fmt: skip


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"wxnb.protocol.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
