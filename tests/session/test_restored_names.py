"""A room restored from the archive keeps its name: the member-derived name of a room without a topic
(or its topic) shows at once after a restart and in a read-only archive, never "Group chat"."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import wxnb
from tests.frontend import ensure_bundle
from tests.session.conftest import FAST_RETRY, FAST_SYNC, log_in, wait_until
from tests.sim.conftest import ANN, STRANGERS, UNSAVED_ROOM, make_spec
from wxnb.notebook import NotebookSession
from wxnb.sim.simulator import Simulator
from wxnb.sim.spec import RoomSpec
from wxnb.store.rows import UNNAMED_ROOM

ensure_bundle()  # the chat widget's bundle


def test_an_untitled_room_keeps_its_members_name_after_a_restart_and_in_the_archive(tmp_path: Path) -> None:
    spec = make_spec()
    # Six saved rooms first: webwxinit lists them as recent, so the untitled, unsaved room is neither in
    # webwxinit nor in the contact list of a new login: only its archived row can name it then.
    extra = [RoomSpec(10 + i, f"extra {i}", 0, [0, ANN]) for i in range(6)]
    spec = replace(spec, rooms=extra + spec.rooms)
    with Simulator(spec, hold=0.3) as sim:
        with log_in(sim, tmp_path) as session:
            unsaved = sim.world.user_name(("room", UNSAVED_ROOM))
            msg_id = sim.phone.send(("room", UNSAVED_ROOM), "who is here?", sender=STRANGERS[0])
            wait_until(lambda: msg_id in set(session.messages.msg_id), what="the room's message")
            room = session.rooms.set_index("user_name").loc[unsaved]
            name, key = room.display_name, room.key
            assert name not in ("", UNNAMED_ROOM) and "、" in name  # its members' names
            archive = session.archive_path
        assert archive is not None
        with wxnb.open_archive(archive) as history:
            assert history.rooms.set_index("key").display_name[key] == name
        # A restart (the saved login resumes), in a notebook: tables and the chat widget's list.
        with NotebookSession(sim.base_url, data_dir=tmp_path, retry=FAST_RETRY, sync=FAST_SYNC) as again:
            again.start().wait_ready(10)
            assert again.rooms.set_index("key").display_name[key] == name
            assert again.contacts.set_index("key").display_name[key] == name
            listed = {str(c["id"]): c["name"] for c in again.chat().conversations}
            assert listed[key] == name
