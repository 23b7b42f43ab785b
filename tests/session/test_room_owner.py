"""``session.rooms.owner`` against the simulator: the account's own name for its own rooms, missing when
the server does not say who owns a room (members come without their Uin, as on the real server)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from tests.session.conftest import log_in
from tests.sim.conftest import BIG_ROOM, SAVED_ROOM, TOM, make_spec
from wxnb.sim.simulator import Simulator


def test_rooms_name_their_owner_when_it_is_known(tmp_path: Path) -> None:
    spec = make_spec()  # the account owns the saved room; Tom (with a uin here) owns the big room
    spec = replace(spec, persons=[replace(p, uin=42) if p.pid == TOM else p for p in spec.persons])
    with Simulator(spec, hold=0.3) as sim, log_in(sim, tmp_path) as session:
        assert session.me is not None
        rooms = session.rooms.set_index("user_name")
        saved = sim.world.user_name(("room", SAVED_ROOM))
        big = sim.world.user_name(("room", BIG_ROOM))
        assert session.rooms.columns.tolist()[:3] == ["display_name", "member_count", "owner"]
        assert rooms.owner[saved] == session.me.nickname == "Me 🐼"
        assert pd.isna(rooms.owner[big])  # OwnerUin 42, but no member is listed with a Uin
        assert session.contacts.set_index("user_name").owner[saved] == "Me 🐼"
