"""The notebook glue's tests log in to the session tests' simulator (the same mini world, fast polls)."""

from __future__ import annotations

from tests.session.conftest import session, sim, spec

__all__ = ["session", "sim", "spec"]
