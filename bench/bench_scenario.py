"""How fast scenarios are built and traffic is generated (issue 2, item 5).

The simulator must build the large scenario in 3 s in total; this script times the spec part
(target ≤ 1.2 s), leaving the rest for loading the spec into a world.

Usage:
    python bench/bench_scenario.py           # every scenario, 5 builds each; 200,000 events on "large"
    python bench/bench_scenario.py --short   # small and medium only, 20,000 events on "medium"
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import figure
from wxnb.sim.scenario import build_spec, traffic

TARGETS = {"large": "<= 1.2 s"}


def bench_build(name: str, repeats: int) -> None:
    times = []
    for seed in range(repeats):
        start = time.perf_counter()
        spec = build_spec(name, seed)
        times.append(time.perf_counter() - start)
    figure(
        f"scenario_build_{name}",
        statistics.median(times),
        "s",
        TARGETS.get(name, ""),
        method=f"median of {repeats} builds (seeds 0..{repeats - 1}), time.perf_counter",
        max_s=round(max(times), 4),
        persons=len(spec.persons),
        friends=len(spec.friends),
        rooms=len(spec.rooms),
        memberships=sum(len(r.member_pids) for r in spec.rooms),
    )


def bench_traffic(name: str, count: int) -> None:
    spec = build_spec(name, 0)
    start = time.perf_counter()
    n = sum(1 for _ in islice(traffic(spec, 0), count))
    elapsed = time.perf_counter() - start
    figure(
        "traffic_events_per_s",
        n / elapsed,
        "events/s",
        "",
        method=f"{n} events of DEFAULT_MIX on {name!r}, time.perf_counter",
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--short", action="store_true", help="small and medium only (for CI)")
    args = parser.parse_args()
    names = ["small", "medium"] if args.short else ["tiny", "small", "medium", "large"]
    for name in names:
        bench_build(name, 3 if args.short else 5)
    if args.short:
        bench_traffic("medium", 20_000)
    else:
        bench_traffic("large", 200_000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
