"""``tz=``: the tables' times in a chosen zone (default: the kernel's), from ``wxnb.login``, ``wxnb.demo``,
``Session`` and ``open_archive``; a zone that does not exist is a typed error at once."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

import wxnb
from tests.session.conftest import FAST_RETRY, FAST_SYNC, wait_until
from tests.sim.conftest import ANN, make_spec
from wxnb.session import Session
from wxnb.sim.simulator import Simulator
from wxnb.store import InvalidTimeZone
from wxnb.store.columns import local_zone


def _sent_at(sim: Simulator, msg_id: str) -> pd.Timestamp:
    return pd.Timestamp(sim.world.message(msg_id).create_time, unit="s", tz="UTC")


def test_login_with_tz_gives_every_table_its_times_in_that_zone(tmp_path: Path) -> None:
    with Simulator(make_spec(), hold=0.3, auto_confirm=0.0) as sim:
        session = wxnb.login(
            sim.base_url, data_dir=tmp_path, show="none", timeout=10, tz="Asia/Shanghai", retry=FAST_RETRY,
            sync=FAST_SYNC,
        )  # fmt: skip
        with session:
            early = sim.phone.send(("friend", ANN), "one")
            late = sim.phone.send(("friend", ANN), "two")
            wait_until(lambda: late in set(session.messages.msg_id), what="the message")
            frame = session.messages
            assert str(frame.time.dt.tz) == "Asia/Shanghai"
            times = frame.set_index("msg_id").time
            for msg_id in (early, late):  # the same instants, shown in Shanghai
                assert times[msg_id] == _sent_at(sim, msg_id)
                assert times[msg_id].utcoffset() == pd.Timedelta(hours=8)
            archive = session.archive_path
        assert archive is not None
        with wxnb.open_archive(archive, tz=UTC) as history:
            assert history.messages.time.dt.tz == UTC
            assert history.messages.set_index("msg_id").time[early] == _sent_at(sim, early)
            assert history.gaps.start.dt.tz == UTC
        with wxnb.open_archive(archive) as history:  # default: the kernel's own zone
            assert history.messages.time.dt.tz == local_zone()


def test_times_are_in_the_kernels_zone_by_default_before_and_after_login(
    sim: Simulator, tmp_path: Path
) -> None:
    session = Session(sim.base_url, data_dir=tmp_path)
    try:
        assert session.messages.time.dt.tz == local_zone()  # the empty frame before login too
    finally:
        session.close()
    chosen = Session(sim.base_url, data_dir=tmp_path, tz=ZoneInfo("America/New_York"))
    try:
        assert str(chosen.messages.time.dt.tz) == "America/New_York"
    finally:
        chosen.close()


def test_demo_takes_a_zone_too(tmp_path: Path) -> None:
    session = wxnb.demo("tiny", traffic=0, show="none", hold=0.3, data_dir=tmp_path, history_days=1, tz="UTC")
    with session:
        wait_until(lambda: len(session.messages) > 0, what="the demo's history")
        assert str(session.messages.time.dt.tz) == "UTC"


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "", 8, "../../etc/passwd"])
def test_a_zone_that_does_not_exist_fails_at_once_and_says_what_works(
    sim: Simulator, tmp_path: Path, bad: object
) -> None:
    with pytest.raises(InvalidTimeZone, match="Asia/Shanghai"):
        wxnb.login(sim.base_url, data_dir=tmp_path, show="none", tz=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidTimeZone):
        wxnb.demo("tiny", show="none", data_dir=tmp_path, tz=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidTimeZone):
        wxnb.open_archive(tmp_path / "none.sqlite3", tz=bad)  # type: ignore[arg-type]
    assert issubclass(InvalidTimeZone, wxnb.Error) and issubclass(InvalidTimeZone, ValueError)
