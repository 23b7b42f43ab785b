"""The examples in the session modules' docstrings run and hold (some log in to a simulator)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "wxnb.session.errors", "wxnb.session.events", "wxnb.session.login", "wxnb.session.paths",
    "wxnb.session.quarantine", "wxnb.session.ratelimits", "wxnb.session.recipients",
    "wxnb.session.session", "wxnb.session.status", "wxnb.session.terminal", "wxnb.session.writer",
    "wxnb.session.actions", "wxnb.session.listeners", "wxnb.protocol.cancel",
]  # fmt: skip


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
