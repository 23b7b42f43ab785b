"""Runs every ``bench/bench_*.py`` script and prints their figures as JSON lines.

Each script is run in its own process (so one benchmark's threads and memory cannot skew another's) and
must print one JSON object per figure: ``{"figure": ..., "value": ..., "unit": ..., "target": ...}``.

Usage:
    python bench/run.py            # full runs, the figures reported in issue notes
    python bench/run.py --short    # quick runs for CI: proves the scripts work, figures are indicative
    python bench/run.py sim        # only bench_sim.py
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--short", action="store_true", help="quick mode for CI")
    parser.add_argument("only", nargs="*", help="names of benchmarks to run (bench_<name>.py)")
    args = parser.parse_args()
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in args.only]
    failed = []
    for script in scripts:
        cmd = [sys.executable, str(script)] + (["--short"] if args.short else [])
        print(f"# {script.name}", flush=True)
        if subprocess.run(cmd, cwd=HERE.parent).returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"# failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
