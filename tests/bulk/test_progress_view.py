"""The notebook's progress view of a run: counts, bar, buttons that pause, resume and cancel."""

from __future__ import annotations

from tests.session.conftest import wait_until
from wxnb.bulk import BulkRun, plan_remarks
from wxnb.notebook import BulkProgressView, bulk_progress
from wxnb.session import Session
from wxnb.sim.simulator import Simulator


def test_the_view_follows_the_run_and_its_buttons_drive_it(sim: Simulator, session: Session) -> None:
    run = BulkRun(plan_remarks(session, {"Annie ✨": "A", "Tom & Jerry <3": "T"}), pace=0.01)
    run.pause()  # before the start: it starts paused
    view = BulkProgressView(run)
    run.start()
    assert view.bar.max == 2 and run.progress.state == "paused"
    assert view.pause.disabled and not view.resume.disabled and "paused" in view.label.value
    view.resume.click()
    result = run.wait(30)
    assert result.counts["verified"] == 2
    wait_until(lambda: view.bar.value == 2 and "2/2 done" in view.label.value, what="the last state drawn")
    assert view.bar.bar_style == "success" and view.cancel.disabled


def test_cancel_button_and_text_is_escaped(sim: Simulator, session: Session) -> None:
    run = BulkRun(plan_remarks(session, {"Annie ✨": "<b>x</b>"}), pace=0.01)
    run.pause()
    widget = bulk_progress(run.start())
    view_label = widget.children[0]
    buttons = widget.children[2].children
    buttons[2].click()  # Cancel
    result = run.wait(30)
    assert result.counts["skipped"] == 1 and run.progress.state == "cancelled"
    assert not [e for e in sim.world.outbox_since(0) if e.endpoint == "webwxoplog"]
    wait_until(lambda: "cancelled" in view_label.value, what="the cancelled state drawn")
    assert "<b>" not in view_label.value.replace("<span class='wxnb-bulk-progress'>", "")


def test_the_plain_text_form_is_the_runs_line(sim: Simulator, session: Session) -> None:
    run = BulkRun(plan_remarks(session, {"Annie ✨": "A"}), pace=0.01)
    run.pause()
    widget = bulk_progress(run.start())
    assert repr(widget) == f"wxnb bulk: {run.progress.describe()}"
    assert repr(widget).startswith("wxnb bulk: 0/1 done")
    run.cancel()
    run.wait(30)
