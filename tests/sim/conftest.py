"""Hand-made worlds and running simulators for the simulator's tests.

The world ``mini_spec`` has what the protocol must get right: names with CJK, emoji, ``&`` and ``<``,
duplicate nicknames, an official account, filehelper, a saved room, an unsaved room, and a big room
of more than 45 members (above the invite threshold of 40).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sim.helpers import WebClient
from wxnb.sim.clock import Clock
from wxnb.sim.simulator import Simulator
from wxnb.sim.spec import AccountSpec, FriendSpec, PersonSpec, RoomSpec, WorldSpec

ME, ANN, TOM, MING1, MING2, MP, FILEHELPER = 0, 1, 2, 3, 4, 5, 6
STRANGERS = list(range(7, 57))  # 50 people met only in the big room
LONER = 57  # in no room and no contact: sends friend requests
SAVED_ROOM, UNSAVED_ROOM, BIG_ROOM = 0, 1, 2


def make_spec(web_blocked: bool = False) -> WorldSpec:
    persons = [
        PersonSpec(
            ME, "wxid_me0001", "Me 🐼", uin=2663483803, sex=1, signature="nothing", web_blocked=web_blocked
        ),
        PersonSpec(
            ANN, "wxid_ann", "Ann 🌸", sex=2, province="广东", city="深圳", attr_status=4133, alias="ann_a"
        ),
        PersonSpec(TOM, "wxid_tom", "Tom & Jerry <3", sex=1, attr_status=2149),
        PersonSpec(MING1, "wxid_ming1", "小明", attr_status=101),
        PersonSpec(MING2, "wxid_ming2", "小明", attr_status=102),
        PersonSpec(MP, "gh_abcdef123456", "上海本地宝", is_mp=True, verify_flag=24),
        PersonSpec(FILEHELPER, "filehelper", "文件传输助手"),
    ]
    for pid in STRANGERS:
        persons.append(
            PersonSpec(pid, f"wxid_s{pid:03d}", f"成员{pid} 🎈" if pid % 5 == 0 else f"member{pid}")
        )
    persons.append(PersonSpec(LONER, "wxid_loner", "Lonely <b>one</b>"))
    friends = [
        FriendSpec(ANN, remark="Annie ✨", starred=True),
        FriendSpec(TOM, pinned=True),
        FriendSpec(MING1, remark="小明(同学)"),
        FriendSpec(MING2),
        FriendSpec(MP),
        FriendSpec(FILEHELPER),
    ]
    rooms = [
        RoomSpec(SAVED_ROOM, "家人群 👨‍👩‍👧", ME, [ME, ANN, TOM, MING1], display_names={ANN: "妈妈"}),
        RoomSpec(UNSAVED_ROOM, "", ANN, [ME, ANN, MING2, STRANGERS[0]], saved=False),
        RoomSpec(
            BIG_ROOM,
            "Big & <Room>",
            TOM,
            [ME, ANN, TOM, *STRANGERS],
            display_names={STRANGERS[1]: "小红 🌹", STRANGERS[2]: "A&B"},
            muted=True,
        ),
    ]
    return WorldSpec(AccountSpec(ME), persons, friends, rooms, seed=7, name="mini")


@pytest.fixture
def mini_spec() -> WorldSpec:
    return make_spec()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sim(mini_spec: WorldSpec, clock: Clock) -> Iterator[Simulator]:
    """A running simulator of the mini world with short long polls (0.3 s)."""
    with Simulator(mini_spec, hold=0.3, clock=clock, seed=3) as simulator:
        yield simulator
        assert simulator.errors == [], f"internal errors in the simulator: {simulator.errors!r}"


@pytest.fixture
def client(sim: Simulator) -> Iterator[WebClient]:
    """A web client logged in to ``sim`` (init done, status notify sent)."""
    web = WebClient(sim.base_url)
    web.login(sim)
    web.init()
    yield web
    web.close()
