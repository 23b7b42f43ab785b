"""``python -m wxnb.sim [options]`` is ``wxnb sim [options]``."""

from __future__ import annotations

import sys

from wxnb.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["sim", *sys.argv[1:]]))
