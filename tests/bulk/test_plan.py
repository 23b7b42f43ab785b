"""Plans from each input form, every validation case, ambiguous names, the notebook view."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.sim.conftest import SAVED_ROOM
from wxnb.bulk import REMARK_MAX_CHARS, TOPIC_MAX_CHARS, PlanInputError, plan_remarks, plan_topics
from wxnb.errors import Error
from wxnb.session import Session
from wxnb.sim import writes as sim_writes
from wxnb.sim.simulator import Simulator


def _key(session: Session, nickname: str) -> str:
    return str(session.contacts.set_index("nickname").at[nickname, "key"])


def _by_name(plan_df: pd.DataFrame) -> dict[str, tuple[str, str]]:
    return {str(r.name): (str(r.action), str(r.reason)) for r in plan_df.itertuples(index=False)}


def test_the_limits_are_the_simulators() -> None:
    assert (REMARK_MAX_CHARS, TOPIC_MAX_CHARS) == (sim_writes.REMARK_MAX_CHARS, sim_writes.TOPIC_MAX_CHARS)


def test_a_mapping_by_name_key_and_user_name(session: Session) -> None:
    tom_user = str(session.contacts.set_index("nickname").at["Tom & Jerry <3", "user_name"])
    ming1 = str(session.friends.set_index("remark").at["小明(同学)", "key"])
    plan = plan_remarks(
        session,
        {"Annie ✨": "Annie (ACME)", ming1: "Ming", tom_user: "Tom", "Nobody at all": "x", "Annie": None},
    )
    df = plan.df
    assert list(df.columns) == ["key", "user_name", "name", "current", "new", "action", "reason"]
    rows = df.set_index("new")
    assert rows.at["Annie (ACME)", "current"] == "Annie ✨" and rows.at["Annie (ACME)", "action"] == "change"
    assert rows.at["Ming", "key"] == ming1 and rows.at["Ming", "current"] == "小明(同学)"
    assert rows.at["Tom", "current"] == "" and rows.at["Tom", "user_name"] == tom_user
    assert rows.at["x", "action"] == "not_found"
    assert len(df) == 4  # None skipped the last one
    assert plan.counts == {"change": 3, "unchanged": 0, "not_found": 1, "ambiguous": 0, "invalid": 0,
                           "not_allowed": 0}  # fmt: skip


def test_ambiguous_names_list_the_candidates(session: Session) -> None:
    plan = plan_remarks(session, {"小明": "Ming"})
    (row,) = plan.df.itertuples(index=False)
    assert row.action == "ambiguous"
    keys = set(session.friends[session.friends.nickname == "小明"].key)
    assert len(keys) == 2 and all(k in row.reason for k in keys) and "use a key" in row.reason


def test_every_validation_case(sim: Simulator, session: Session) -> None:
    me = session.me
    assert me is not None
    changes = {
        "Annie ✨": "x" * (REMARK_MAX_CHARS + 1),  # too long
        "Tom & Jerry <3": "Tom\nJerry",  # a control character
        "上海本地宝": "Shanghai",  # an official account
        "文件传输助手": "files",  # a special account
        "家人群 👨‍👩‍👧": "Family",  # a room
        "member8": "Eight",  # met in a room, not a friend
        me.user_name: "me",  # oneself
        "小明(同学)": "小明(同学)",  # unchanged
    }
    found = _by_name(plan_remarks(session, changes).df)
    assert found["Ann 🌸"] == (
        "invalid",
        f"too long: {REMARK_MAX_CHARS + 1} characters, the server takes at most 16",
    )
    assert found["Tom & Jerry <3"][0] == "invalid" and "U+000A" in found["Tom & Jerry <3"][1]
    assert found["上海本地宝"] == ("not_allowed", "an official account: remarks are for friends")
    assert found["文件传输助手"][0] == "not_allowed"
    assert found["家人群 👨‍👩‍👧"][0] == "not_allowed" and "plan_topics" in found["家人群 👨‍👩‍👧"][1]
    assert found["member8"] == ("not_allowed", "a room member who is not a friend: remarks are for friends")
    assert found[me.user_name] == ("not_allowed", "oneself: remarks are for friends")
    assert found["小明"] == ("unchanged", "")
    # Exactly 16 characters and "" (clearing a remark) are fine.
    ok = plan_remarks(session, {"Annie ✨": "y" * REMARK_MAX_CHARS, "小明(同学)": ""})
    assert ok.counts["change"] == 2


def test_the_same_target_twice_is_invalid(session: Session) -> None:
    ann_key = _key(session, "Ann 🌸")
    plan = plan_remarks(session, pd.DataFrame({"key": [ann_key, ann_key], "new": ["A", "B"]}))
    assert plan.df.action.tolist() == ["invalid", "invalid"] and "more than once" in str(plan.df.reason[0])


def test_dataframe_forms(session: Session) -> None:
    edited = session.friends.copy()
    edited["remark"] = "F-" + edited["nickname"].str.slice(0, 10)
    plan = plan_remarks(session, edited)  # key column + the kind's own column
    changeable = session.friends[session.friends.kind == "friend"]
    assert plan.counts["change"] == len(changeable) == len(plan.df)
    by_name = plan_remarks(session, pd.DataFrame({"name": ["Annie ✨", "Nobody"], "new": ["A", pd.NA]}))
    assert by_name.df.new.tolist() == ["A"]  # an empty cell skips its row
    with pytest.raises(PlanInputError, match="target column"):
        plan_remarks(session, pd.DataFrame({"who": ["Annie ✨"], "new": ["A"]}))
    with pytest.raises(PlanInputError, match="new-value column"):
        plan_remarks(session, pd.DataFrame({"key": ["p:1"], "value": ["A"]}))


def test_a_function_of_each_friend(session: Session) -> None:
    plan = plan_remarks(
        session, lambda row: None if row["nickname"] == "小明" else f"ACME {row.nickname}"[:16]
    )
    df = plan.df
    assert "小明" not in set(df.name) and len(df) == len(session.friends) - 2
    assert set(df.new) == {f"ACME {n}"[:16] for n in df.name}

    def broken(row: object) -> str:
        raise KeyError("city")

    with pytest.raises(PlanInputError, match="KeyError") as info:
        plan_remarks(session, broken)
    assert isinstance(info.value, Error)
    with pytest.raises(PlanInputError, match="mapping"):
        plan_remarks(session, ["Annie ✨"])


def test_topic_plans(session: Session) -> None:
    plan = plan_topics(
        session,
        {
            "家人群 👨‍👩‍👧": "Family <2026> & co",
            "Big & <Room>": " ",  # empty
            "Annie ✨": "x",  # not a room
            "Nowhere": "y",
        },
    )
    found = _by_name(plan.df)
    assert found["家人群 👨‍👩‍👧"] == ("change", "")
    assert found["Big & <Room>"] == ("invalid", "an empty topic: a room keeps a name")
    assert found["Ann 🌸"][0] == "not_allowed"
    assert found["Nowhere"][0] == "not_found"
    long = plan_topics(session, {"家人群 👨‍👩‍👧": "t" * (TOPIC_MAX_CHARS + 1)})
    assert long.df.action.tolist() == ["invalid"]
    html = plan._repr_html_()
    assert "members" in html and "修改群名" in html  # the warning that every member sees the rename
    assert "Family &lt;2026&gt; &amp; co" in html and "<2026>" not in html  # text is escaped
    assert "1</b> change" in html and "1</b> invalid" in html
    assert "will see a notice" in repr(plan) and "change" in plan.summary()


def test_a_function_of_each_room_and_a_room_the_account_left(sim: Simulator, session: Session) -> None:
    from tests.session.conftest import wait_until

    plan = plan_topics(session, lambda row: row.nickname + " 2026" if row.nickname else None)
    assert plan.counts["change"] == len([t for t in session.rooms.nickname if t])
    family = _key(session, "家人群 👨‍👩‍👧")
    sim.world.remove_members(SAVED_ROOM, [0], by=0)  # the account leaves the room (on the phone)
    wait_until(lambda: family not in set(session.contacts.key), what="the room to leave the tables")
    (row,) = plan_topics(session, {family: "Back"}).df.itertuples(index=False)
    assert row.action == "not_found"
