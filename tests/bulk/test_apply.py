"""Applying plans against the simulator: pace, 1205, verification, resume after a restart, undo."""

from __future__ import annotations

import io
import itertools
from collections import Counter
from pathlib import Path

import pytest

from tests.bulk.conftest import crowd_spec, log_in
from tests.session.conftest import wait_until
from tests.sim.conftest import ANN, SAVED_ROOM, TOM
from wxnb.bulk import (
    BulkBusy,
    BulkRun,
    Journal,
    Progress,
    journal_path,
    plan_remarks,
    plan_topics,
    text_progress,
)
from wxnb.session import Session
from wxnb.sim.simulator import Simulator

PACE = 0.01


def _writes(sim: Simulator, endpoint: str = "webwxoplog") -> list[tuple[str, int]]:
    return [e.chat for e in sim.world.outbox_since(0) if e.endpoint == endpoint and e.chat is not None]


def _gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


def test_300_remarks_through_1205_all_verified_none_twice_never_too_fast(tmp_path: Path) -> None:
    with Simulator(crowd_spec(300), hold=0.3, seed=5) as sim, log_in(sim, tmp_path) as session:
        sim.faults.set_budget("oplog", 20, per=0.5)  # 40 a second: the run goes faster, so 1205 comes
        plan = plan_remarks(session, lambda row: f"ACME {row.nickname}")
        assert plan.counts["change"] == 300
        run = plan.apply(pace=PACE, seed=1)
        result = run.wait(120)
        assert result.counts["verified"] == 300, result.df[result.df.state != "verified"].head()
        progress = run.progress
        assert progress.rate_limited > 0 and progress.state == "finished"
        assert progress.writes == 300  # a 1205 is no write: nothing changed
        written = Counter(_writes(sim))
        assert len(written) == 300 and set(written.values()) == {1}  # the outbox: each once
        assert min(_gaps(run.write_times)) >= PACE  # never faster than asked
        assert {sim.world.remark(p) for p in range(1, 301)} == {f"ACME Friend {p}" for p in range(1, 301)}
        wait_until(lambda: set(session.friends.remark) == set(plan.df.new), what="the tables to follow")


def test_interrupted_then_a_new_session_applies_only_the_rest(tmp_path: Path) -> None:
    with Simulator(crowd_spec(40), hold=0.3, seed=5) as sim:
        changes = {f"Friend {p}": f"New {p}" for p in range(1, 41)}
        with log_in(sim, tmp_path) as session:
            run = plan_remarks(session, changes).apply(pace=PACE)
            run.on_progress(lambda p: run.cancel() if p.writes >= 15 else None)
            first = run.wait(60)
            assert run.progress.state == "cancelled"
            done = first.counts["verified"]
            assert 15 <= done < 40 and first.counts["skipped"] == 40 - done
            assert "cancelled" in str(first.df.set_index("state").reason.get("skipped", ""))
        # "Restart the kernel": a new session on the same data dir, the same changes planned again.
        with log_in(sim, tmp_path, resume=False) as again:
            plan = plan_remarks(again, changes)
            assert plan.counts["unchanged"] == done and plan.counts["change"] == 40 - done
            second = plan.apply(pace=PACE).wait(60)
            assert second.counts["verified"] == 40 - done
        written = Counter(_writes(sim))
        assert len(written) == 40 and set(written.values()) == {1}


def test_the_session_closing_mid_run_stops_it_and_a_new_session_does_the_rest(tmp_path: Path) -> None:
    with Simulator(crowd_spec(30), hold=0.3, seed=5) as sim:
        changes = {f"Friend {p}": f"Again {p}" for p in range(1, 31)}
        session = log_in(sim, tmp_path)
        run = plan_remarks(session, changes).apply(pace=PACE)
        run.on_progress(lambda p: session.close() if p.writes >= 10 else None)  # the kernel goes away
        first = run.wait(60)
        session.close()
        assert run.progress.state == "stopped" and "not usable" in first.stop_reason
        assert first.counts["failed"] == 0 and first.counts["skipped"] > 0
        with log_in(sim, tmp_path, resume=False) as again:
            plan = plan_remarks(again, changes)
            assert plan.counts["unchanged"] + plan.counts["change"] == 30
            assert plan.apply(pace=PACE).wait(60).counts["verified"] == plan.counts["change"]
        written = Counter(_writes(sim))
        assert len(written) == 30 and set(written.values()) == {1}
        assert {sim.world.remark(p) for p in range(1, 31)} == {f"Again {p}" for p in range(1, 31)}


def test_a_write_whose_fate_is_unknown_is_never_sent_again(session: Session, sim: Simulator) -> None:
    ann = session.friends.set_index("remark").loc["Annie ✨"]
    assert session.archive_path is not None
    with Journal(journal_path(session.archive_path)) as journal:  # as if the kernel died mid-request
        journal.mark("remark", str(ann["key"]), "Ann (lost)", "Annie ✨", "sending")
    result = (
        plan_remarks(session, {"Annie ✨": "Ann (lost)", "Tom & Jerry <3": "Tom"})
        .apply(pace=PACE, verify_timeout=0.2)
        .wait(30)
    )
    states = result.df.set_index("new").state
    assert states["Ann (lost)"] == "unverified" and states["Tom"] == "verified"
    assert _writes(sim) == [("person", TOM)]


def test_answers_0_changes_nothing_ends_unverified_and_the_tables_keep_the_old_value(
    sim: Simulator, session: Session
) -> None:
    sim.faults.writes.ignore("oplog", [("person", ANN)])
    plan = plan_remarks(session, {"Annie ✨": "Ann (ACME)", "Tom & Jerry <3": "Tom (ACME)"})
    result = plan.apply(pace=PACE, verify_timeout=0.3).wait(30)
    rows = result.df.set_index("new")
    assert (
        rows.at["Ann (ACME)", "state"] == "unverified" and "did not happen" in rows.at["Ann (ACME)", "reason"]
    )
    assert rows.at["Tom (ACME)", "state"] == "verified"
    wait_until(lambda: "Tom (ACME)" in set(session.friends.remark), what="Tom's change in the tables")
    assert "Annie ✨" in set(session.friends.remark) and "Ann (ACME)" not in set(session.friends.remark)
    assert len(_writes(sim)) == 2  # both were sent, once
    # Applying again does not send the unverified one again.
    assert plan_remarks(session, {"Annie ✨": "Ann (ACME)"}).apply(pace=PACE, verify_timeout=0.1).wait(30)
    assert len(_writes(sim)) == 2
    assert result.undo_plan().df.key.tolist() == [rows.at["Tom (ACME)", "key"]]  # only what was verified


def test_a_lag_before_the_change_shows_is_waited_for(sim: Simulator, session: Session) -> None:
    sim.faults.writes.set_lag(0.3)
    result = plan_remarks(session, {"Annie ✨": "Lagging"}).apply(pace=PACE, verify_timeout=10).wait(30)
    assert result.counts["verified"] == 1 and sim.world.remark(ANN) == "Lagging"


def test_topics_the_notice_members_see_a_room_left_and_undo(sim: Simulator, session: Session) -> None:
    plan = plan_topics(session, {"家人群 👨‍👩‍👧": "Family 2026", "Big & <Room>": "Big room"})
    sim.world.remove_members(2, [0], by=0)  # the account leaves the big room after planning
    result = plan.apply(pace=PACE, verify_timeout=2).wait(30)
    rows = result.df.set_index("new")
    assert rows.at["Family 2026", "state"] == "verified"
    assert rows.at["Big room", "state"] == "failed" and "leave" in rows.at["Big room", "reason"]
    assert sim.world.topic(SAVED_ROOM) == "Family 2026" and sim.world.topic(2) == "Big & <Room>"
    notices = wait_until(
        lambda: session.messages[session.messages.text == "你修改群名为“Family 2026”"].to_dict("records"),
        what="the rename's notice in the room",
    )
    assert [(str(n["type"]), n["chat_name"]) for n in notices] == [("system", "Family 2026")]
    assert sim.world.find_messages("你修改群名为“Family 2026”")
    wait_until(lambda: "Family 2026" in set(session.rooms.nickname), what="the new topic in the tables")
    undo = result.undo_plan()
    assert undo.df.new.tolist() == ["家人群 👨‍👩‍👧"] and undo.counts["change"] == 1
    assert undo.apply(pace=PACE).wait(30).counts["verified"] == 1
    assert sim.world.topic(SAVED_ROOM) == "家人群 👨‍👩‍👧"
    assert len(_writes(sim, "webwxupdatechatroom")) == 2


def test_the_topic_ignore_mode(sim: Simulator, session: Session) -> None:
    sim.faults.writes.ignore("modtopic")
    result = plan_topics(session, {"家人群 👨‍👩‍👧": "Never"}).apply(pace=PACE, verify_timeout=0.2).wait(30)
    assert result.counts["unverified"] == 1 and sim.world.topic(SAVED_ROOM) == "家人群 👨‍👩‍👧"
    assert not sim.world.find_messages("Never")  # no notice: nothing happened
    assert "家人群 👨‍👩‍👧" in set(session.rooms.nickname)


def test_logged_out_stops_the_run_and_says_so(sim: Simulator, session: Session) -> None:
    sim.faults.add("logout", endpoint="webwxoplog", code=1101)
    result = plan_remarks(session, {"Annie ✨": "A", "Tom & Jerry <3": "T"}).apply(pace=PACE).wait(30)
    assert "logged out" in result.stop_reason
    assert result.counts["skipped"] == 2 and result.counts["failed"] == 0
    assert sim.world.remark(ANN) == "Annie ✨"


def test_pause_resume_and_progress(sim: Simulator, session: Session) -> None:
    seen: list[Progress] = []
    run = plan_remarks(session, {"Annie ✨": "A", "Tom & Jerry <3": "T"}).apply(
        pace=PACE, on_progress=seen.append
    )
    paused: list[int] = []

    def pause_once(progress: Progress) -> None:
        if progress.writes == 1 and not paused:
            paused.append(1)
            run.pause()

    run.on_progress(pause_once)
    wait_until(lambda: run.progress.state == "paused", what="the pause")
    with pytest.raises(TimeoutError):
        run.wait(0.3)  # paused: the second write does not come
    assert len(_writes(sim)) == 1 and "paused" in repr(run)
    run.resume()
    result = run.wait(30)
    assert result.counts["verified"] == 2 and len(_writes(sim)) == 2
    assert seen[-1].done == 2 and seen[-1].state == "finished" and "2/2 done" in seen[-1].describe()


def test_text_progress_outside_notebooks(session: Session) -> None:
    out = io.StringIO()
    plan = plan_remarks(session, {"Annie ✨": "A", "Tom & Jerry <3": "T"})
    plan.apply(pace=PACE, on_progress=text_progress(out, every=3600)).wait(30)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("0/2 done") and lines[-1].startswith("2/2 done: 2 verified; finished")
    assert len(lines) == 2  # the first, then nothing for an hour, then the last


def test_bad_options_and_one_run_at_a_time(session: Session) -> None:
    plan = plan_remarks(session, {"Annie ✨": "A"})
    with pytest.raises(ValueError, match="pace"):
        plan.apply(pace=0)
    with pytest.raises(ValueError, match="jitter"):
        plan.apply(pace=PACE, jitter=2)
    run = BulkRun(plan, pace=PACE)
    run.pause()  # it starts paused: it cannot end before the second one tries
    run.start()
    try:
        with pytest.raises(BulkBusy):
            plan_remarks(session, {"Tom & Jerry <3": "T"}).apply(pace=PACE)
    finally:
        run.cancel()
        run.wait(10)
