"""The examples in the client modules' docstrings run and hold (client.py's logs in to a simulator)."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["client", "login_client", "transport", "cancel"])
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"wxnb.protocol.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
