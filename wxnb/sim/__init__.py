"""A faithful WeChat web-protocol server on 127.0.0.1, with a virtual phone, for tests, demos and bots.

Example:
    >>> from wxnb.sim import Simulator  # doctest: +SKIP
    >>> with Simulator(scenario="small") as sim:  # doctest: +SKIP
    ...     print(sim.base_url)

The names below are loaded on first use, so that ``import wxnb.sim.spec`` stays light.
See ``docs/simulator.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wxnb.sim.clock import Clock
    from wxnb.sim.faults import Faults
    from wxnb.sim.phone import Phone
    from wxnb.sim.simulator import Simulator, TrafficRunner
    from wxnb.sim.world import World, WorldError

__all__ = ["Clock", "Faults", "Phone", "Simulator", "TrafficRunner", "World", "WorldError"]

_WHERE = {
    "Clock": "wxnb.sim.clock",
    "Faults": "wxnb.sim.faults",
    "Phone": "wxnb.sim.phone",
    "Simulator": "wxnb.sim.simulator",
    "TrafficRunner": "wxnb.sim.simulator",
    "World": "wxnb.sim.world",
    "WorldError": "wxnb.sim.world",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'wxnb.sim' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
