"""The examples in the simulator's docstrings run and say what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "wxnb.sim.clock", "wxnb.sim.content", "wxnb.sim.cursors", "wxnb.sim.faults", "wxnb.sim.http",
    "wxnb.sim.images", "wxnb.sim.jpeg", "wxnb.sim.logins", "wxnb.sim.markup", "wxnb.sim.phone",
    "wxnb.sim.render", "wxnb.sim.simulator", "wxnb.sim.skeletons", "wxnb.sim.usernames", "wxnb.sim.world",
    "wxnb.sim.writes",
]  # fmt: skip


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
