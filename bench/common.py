"""Helpers shared by the bench scripts: figure printing and percentiles."""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence


def figure(name: str, value: float, unit: str, target: str = "", **extra: object) -> None:
    """Print one figure as a JSON line (the format bench/run.py collects)."""
    row: dict[str, object] = {"figure": name, "value": round(value, 4), "unit": unit, "target": target}
    row.update(extra)
    print(json.dumps(row, ensure_ascii=False), flush=True)


def percentile(samples: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) of samples, by linear interpolation."""
    if not samples:
        raise ValueError("no samples")
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[max(0, min(98, int(p) - 1))]
