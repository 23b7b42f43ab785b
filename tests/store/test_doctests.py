"""The examples in the store's docstrings run and show what they say."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import wxnb.store

MODULES = sorted(f"wxnb.store.{m.name}" for m in pkgutil.iter_modules(wxnb.store.__path__))


@pytest.mark.parametrize("name", ["wxnb.store", *MODULES])
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
