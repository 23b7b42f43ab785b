"""Login widget figures: QR drawing time, idle update latency, and the coalesced update rate.

Usage: python bench/bench_widget.py [--short]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import figure, percentile
from tests.frontend import ensure_bundle

LOGIN_URL = "https://login.weixin.qq.com/l/gZ-ab_12Qw=="
AVATAR = "data:img/jpg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8U"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true")
    args = parser.parse_args()
    ensure_bundle()
    from wxnb.widgets import LoginWidget, StatusView
    from wxnb.widgets.images import qr_svg_data_url

    rounds = 20 if args.short else 200
    samples = []
    for i in range(rounds):
        start = time.perf_counter()
        qr_svg_data_url(f"{LOGIN_URL}{i}")
        samples.append((time.perf_counter() - start) * 1000)
    figure("qr_svg_ms_p50", statistics.median(samples), "ms", "< 20 ms", rounds=rounds)
    figure("qr_svg_ms_p95", percentile(samples, 95), "ms", "< 50 ms", rounds=rounds)

    # An update after a quiet spell: the call returns with the trait already set (no timer wait).
    widget = LoginWidget()
    latencies = []
    for _ in range(rounds):
        widget.flush()
        time.sleep(0.11)  # benchmark pacing: let the coalescer's 100 ms slot pass (not a test wait)
        start = time.perf_counter()
        widget.show_scanned(AVATAR)
        latencies.append((time.perf_counter() - start) * 1000)
        assert widget.phase == "scanned"
        widget.show_phase("starting")
    figure(
        "idle_update_latency_ms_p50",
        statistics.median(latencies),
        "ms",
        "applied within the call",
        rounds=rounds,
    )
    widget.close()

    # A busy sync thread: how often trait updates actually reach the comm.
    widget = LoginWidget()
    stamps: list[float] = []
    widget.observe(lambda _change: stamps.append(time.perf_counter()), names=["status"])
    calls = 2_000 if args.short else 20_000
    duration = 0.5 if args.short else 3.0
    start = time.perf_counter()
    for n in range(calls):
        widget.show_status(StatusView(nickname="Ann", messages=n, last_sync=time.time()))
        ahead = start + duration * (n + 1) / calls - time.perf_counter()
        if ahead > 0:
            time.sleep(ahead)  # benchmark pacing: spread the calls over `duration` seconds
    widget.flush()  # the explicit final flush is not rate-limited: leave it out of the figures
    applied = stamps[:-1] if len(stamps) > 1 else stamps
    gaps = [(b - a) * 1000 for a, b in itertools.pairwise(applied)]
    span = applied[-1] - applied[0] if len(applied) > 1 else float("nan")
    figure(
        "coalesced_updates_per_s",
        (len(applied) - 1) / span,
        "1/s",
        "<= 10",
        calls=calls,
        calls_per_s=round(calls / (time.perf_counter() - start)),
        last_seen=widget.status["messages"],
    )
    figure("min_gap_between_updates_ms", min(gaps), "ms", ">= 100 (minus timer jitter)", updates=len(applied))
    widget.close()


if __name__ == "__main__":
    main()
