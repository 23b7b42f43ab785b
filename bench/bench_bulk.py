"""The bulk helpers' figures (issue 14).

1. ``bulk.plan_function``: ``wxnb.bulk.plan_remarks(session, function)`` over a session with 10,000
   friends (a simulator world made here), the function building "Company - name" for each. Median of
   5 plans, worst as ``max_s``. Target ≤ 1 s.
2. ``bulk.pace_ratio``: a plan of N remark changes applied with ``pace`` P and no jitter: the mean
   time between the starts of two writes, divided by P. Target: within 5 % of 1 (never below 1: the
   run is never faster than asked). ``min_ratio`` is the smallest single gap over P.
3. ``bulk.pace_ratio_jitter``: the same with the default jitter (0.2): each gap is P × (1 + U(0, 0.2)),
   so the expected mean ratio is 1.10; ``min_ratio`` must still be ≥ 1.

Full run: P = 0.5 s, N = 60. ``--short`` (CI): P = 0.05 s, N = 40. The simulator runs in this process.

Usage: python bench/bench_bulk.py [--short]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import figure
from wxnb.bulk import plan_remarks
from wxnb.session import Session
from wxnb.sim.simulator import Simulator
from wxnb.sim.spec import AccountSpec, FriendSpec, PersonSpec, WorldSpec


def crowd(friends: int) -> WorldSpec:
    persons = [PersonSpec(0, "wxid_owner", "Owner", uin=2663483111)]
    persons += [
        PersonSpec(p, f"wxid_f{p:05d}", f"朋友{p} Friend", attr_status=1000 + p)
        for p in range(1, friends + 1)
    ]
    return WorldSpec(
        AccountSpec(0), persons, [FriendSpec(p) for p in range(1, friends + 1)], seed=3, name="crowd"
    )


def bench_plan(friends: int) -> None:
    with (
        Simulator(crowd(friends), hold=1.0, auto_confirm=0.0) as sim,
        Session(sim.base_url, data_dir=tempfile.mkdtemp(), resume=False).start() as session,
    ):
        session.wait_ready(120)
        times = []
        for _ in range(5):
            start = time.perf_counter()
            plan = plan_remarks(session, lambda row: f"ACME - {row.nickname}"[:16])
            times.append(time.perf_counter() - start)
        assert plan.counts["change"] == friends, plan.counts
        figure("bulk.plan_function", statistics.median(times), "s", "<= 1 s", rows=friends, max_s=max(times))


def bench_pace(pace: float, writes: int, jitter: float, name: str) -> None:
    with (
        Simulator(crowd(writes), hold=1.0, auto_confirm=0.0) as sim,
        Session(sim.base_url, data_dir=tempfile.mkdtemp(), resume=False).start() as session,
    ):
        session.wait_ready(60)
        run = plan_remarks(session, lambda row: f"New {row.nickname}"[:16]).apply(pace=pace, jitter=jitter)
        result = run.wait(writes * pace * 3 + 60)
        gaps = [b - a for a, b in zip(run.write_times, run.write_times[1:], strict=False)]
        ratio = statistics.fmean(gaps) / pace
        target = "within 5 % of 1, never < 1" if jitter == 0 else f"mean ≈ {1 + jitter / 2:.2f}, never < 1"
        figure(name, ratio, "x pace", target, pace_s=pace, jitter=jitter, writes=len(run.write_times),
                   min_ratio=min(gaps) / pace, verified=result.counts["verified"])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--short", action="store_true", help="CI: a quicker pace and fewer writes")
    args = parser.parse_args()
    pace, writes = (0.05, 40) if args.short else (0.5, 60)
    bench_plan(10_000)
    bench_pace(pace, writes, 0.0, "bulk.pace_ratio")
    bench_pace(pace, writes, 0.2, "bulk.pace_ratio_jitter")


if __name__ == "__main__":
    main()
