"""The examples in the notebook glue's and the entry points' docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["wxnb.notebook", "wxnb.notebook.notebook_session", "wxnb.entry"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
