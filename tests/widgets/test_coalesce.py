"""Coalescer: latest values win, at most one apply per interval, no added latency when idle."""

from __future__ import annotations

import threading

import pytest

from tests.widgets.conftest import FakeTime
from wxnb.widgets.coalesce import Coalescer
from wxnb.widgets.errors import WidgetClosed

Applied = list[dict[str, object]]


def make(fake_time: FakeTime, interval: float = 0.1) -> tuple[Coalescer, Applied]:
    applied: Applied = []
    coalescer = Coalescer(
        applied.append, min_interval=interval, clock=fake_time.clock, schedule=fake_time.schedule
    )
    return coalescer, applied


def test_idle_update_is_applied_at_once_in_the_callers_thread(fake_time: FakeTime) -> None:
    threads: list[threading.Thread] = []
    coalescer = Coalescer(
        lambda v: threads.append(threading.current_thread()),
        clock=fake_time.clock,
        schedule=fake_time.schedule,
    )
    coalescer.submit({"phase": "waiting"})
    assert threads == [threading.current_thread()]
    assert fake_time.booked == []


def test_burst_is_merged_into_one_deferred_apply_with_latest_values(fake_time: FakeTime) -> None:
    coalescer, applied = make(fake_time)
    coalescer.submit({"phase": "waiting", "qr": "A"})
    fake_time.advance(0.03)
    coalescer.submit({"phase": "scanned", "qr": ""})
    coalescer.submit({"phase": "confirming"})
    assert applied == [{"phase": "waiting", "qr": "A"}]
    assert [round(b.due - 1000.0, 6) for b in fake_time.booked] == [0.1]  # one booking, at the next slot
    fake_time.advance(0.0699)
    assert len(applied) == 1
    fake_time.advance(0.0002)
    assert applied == [{"phase": "waiting", "qr": "A"}, {"phase": "confirming", "qr": ""}]


def test_update_after_a_quiet_interval_is_immediate_again(fake_time: FakeTime) -> None:
    coalescer, applied = make(fake_time)
    coalescer.submit({"n": 1})
    fake_time.advance(0.1)
    coalescer.submit({"n": 2})
    assert applied == [{"n": 1}, {"n": 2}]
    assert fake_time.booked == []


def test_sustained_stream_is_capped_at_one_apply_per_interval(fake_time: FakeTime) -> None:
    coalescer, applied = make(fake_time, interval=0.1)
    for n in range(1000):  # 1000 updates over 1 s
        coalescer.submit({"messages": n})
        fake_time.advance(0.001)
    fake_time.advance(0.2)
    assert len(applied) <= 11
    assert applied[-1] == {"messages": 999}
    assert coalescer.applied == len(applied)


def test_updates_that_change_nothing_take_no_slot(fake_time: FakeTime) -> None:
    shown: dict[str, object] = {}

    def apply(values: dict[str, object]) -> None:
        shown.update(values)
        applied.append(values)

    applied: Applied = []
    coalescer = Coalescer(
        apply,
        clock=fake_time.clock,
        schedule=fake_time.schedule,
        unchanged=lambda key, value: key in shown and shown[key] == value,
    )
    coalescer.submit({"phase": "confirming", "hint": ""})
    fake_time.advance(0.02)
    coalescer.submit({"phase": "confirming", "hint": ""})  # the same again: nothing to do
    assert fake_time.booked == []
    fake_time.advance(0.01)
    coalescer.submit({"phase": "confirming"})
    coalescer.submit({"phase": "ready", "hint": ""})  # a real change after a repeat...
    assert fake_time.booked != []  # ...still waits for its slot (the first apply was 30 ms ago)
    fake_time.advance(0.1)
    assert applied == [{"phase": "confirming", "hint": ""}, {"phase": "ready"}]


def test_a_pending_key_set_back_to_its_shown_value_is_not_lost(fake_time: FakeTime) -> None:
    shown: dict[str, object] = {}
    coalescer = Coalescer(
        shown.update,
        clock=fake_time.clock,
        schedule=fake_time.schedule,
        unchanged=lambda key, value: key in shown and shown[key] == value,
    )
    coalescer.submit({"phase": "waiting"})
    coalescer.submit({"phase": "expired"})  # pending...
    coalescer.submit({"phase": "waiting"})  # ...and back: equal to what is shown, but must win
    fake_time.advance(0.1)
    assert shown == {"phase": "waiting"}


def test_flush_applies_now_and_a_late_cancelled_timer_does_nothing(fake_time: FakeTime) -> None:
    coalescer, applied = make(fake_time)
    coalescer.submit({"n": 1})
    coalescer.submit({"n": 2})
    coalescer.flush()
    assert applied == [{"n": 1}, {"n": 2}]
    assert fake_time.fire_cancelled_late() == 1
    assert applied == [{"n": 1}, {"n": 2}]


def test_stop_flushes_pending_then_refuses_updates(fake_time: FakeTime) -> None:
    coalescer, applied = make(fake_time)
    coalescer.submit({"n": 1})
    coalescer.submit({"n": 2})
    coalescer.stop()
    assert applied == [{"n": 1}, {"n": 2}]
    assert fake_time.booked == []
    with pytest.raises(WidgetClosed, match="create a new one"):
        coalescer.submit({"n": 3})
    coalescer.stop()  # idempotent
    assert coalescer.stopped


def test_stop_without_flush_drops_pending(fake_time: FakeTime) -> None:
    coalescer, applied = make(fake_time)
    coalescer.submit({"n": 1})
    coalescer.submit({"n": 2})
    coalescer.stop(flush=False)
    fake_time.advance(1)
    assert applied == [{"n": 1}]


def test_error_on_the_timer_thread_is_kept_and_raised(fake_time: FakeTime) -> None:
    def explode(values: dict[str, object]) -> None:
        if values.get("n") == 2:
            raise RuntimeError("trait rejected")

    coalescer = Coalescer(explode, clock=fake_time.clock, schedule=fake_time.schedule)
    coalescer.submit({"n": 1})
    coalescer.submit({"n": 2})
    with pytest.raises(RuntimeError, match="trait rejected"):
        fake_time.advance(0.1)
    assert isinstance(coalescer.last_error, RuntimeError)


def test_negative_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="min_interval"):
        Coalescer(lambda v: None, min_interval=-1)


def test_real_timer_thread_delivers_the_deferred_update() -> None:
    """With the default threading.Timer: the second update arrives by itself, on another thread."""
    applied: Applied = []
    threads: list[str] = []
    done = threading.Event()

    def apply(values: dict[str, object]) -> None:
        applied.append(values)
        threads.append(threading.current_thread().name)
        if values.get("n") == 2:
            done.set()

    coalescer = Coalescer(apply, min_interval=0.05)
    coalescer.submit({"n": 1, "a": "x"})
    coalescer.submit({"n": 2})
    assert done.wait(timeout=10), "deadline 'deferred flush' (10 s) passed without the second update"
    assert applied[-1]["n"] == 2
    merged: dict[str, object] = {}
    for values in applied:
        merged.update(values)
    assert merged == {"n": 2, "a": "x"}
    coalescer.stop()


def test_many_threads_submitting_keep_latest_values_and_never_overlap_applies() -> None:
    state: dict[str, object] = {}
    overlaps: list[int] = []
    busy = threading.Lock()

    def apply(values: dict[str, object]) -> None:
        if not busy.acquire(blocking=False):
            overlaps.append(1)
            return
        try:
            state.update(values)
        finally:
            busy.release()

    coalescer = Coalescer(apply, min_interval=0.002)
    start = threading.Barrier(4)

    def worker(key: str) -> None:
        start.wait(timeout=10)
        for n in range(500):
            coalescer.submit({key: n})

    workers = [threading.Thread(target=worker, args=(f"k{i}",)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=30)
        assert not w.is_alive(), "deadline 'workers' (30 s) passed"
    coalescer.stop()
    assert overlaps == []
    assert state == {f"k{i}": 499 for i in range(4)}
