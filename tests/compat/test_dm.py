"""dm.* / im.* and subscriptions.* through rocketchat_API's wrappers (api.md §1.8, §2.3, §5.4, §5.6).

rocketchat_API 3.7.1 only wraps the `dm.*` names; the `im.*` aliases are called through its
generic `call_api_get`/`call_api_post`, as older scripts do.
"""

import pytest
from rocketchat_API.APIExceptions.RocketExceptions import RocketApiException

from compat_helpers import assert_api_error, collect, unique

SUBSCRIPTION_KEYS = {
    "_id",
    "rid",
    "t",
    "name",
    "fname",
    "open",
    "alert",
    "unread",
    "userMentions",
    "groupMentions",
    "u",
    "ls",
    "_updatedAt",
}


def dm_texts(client, room_id, **params):
    return [m["msg"] for m in collect(client.dm_history(room_id, **params))]


def test_create_is_idempotent_and_id_is_sorted_user_ids(user, make_user):
    other = make_user()
    created = user.api.dm_create(other.username)
    assert created["success"] is True
    room = created["room"]
    assert room["_id"] == room["rid"] == "".join(sorted([user.id, other.id]))
    assert room["t"] == "d"
    assert sorted(room["usernames"]) == sorted([user.username, other.username])
    assert room["usersCount"] == 2
    assert "name" not in room

    assert user.api.dm_create(other.username)["room"]["_id"] == room["_id"]
    assert other.api.dm_create(user.username)["room"]["_id"] == room["_id"]
    # The im.* alias is the same endpoint.
    assert other.api.call_api_post("im.create", username=user.username)["room"]["_id"] == (
        room["_id"]
    )


def test_create_with_unknown_user(user):
    with pytest.raises(RocketApiException) as exc_info:
        user.api.dm_create(unique("ghost"))
    assert exc_info.value.status_code == 400
    assert exc_info.value.response_json["success"] is False


def test_subscription_names_the_other_party(user, make_user):
    other = make_user()
    rid = user.api.dm_create(other.username)["room"]["_id"]
    mine = user.api.subscriptions_get_one(rid)["subscription"]
    theirs = other.api.subscriptions_get_one(rid)["subscription"]
    assert SUBSCRIPTION_KEYS <= mine.keys(), mine
    assert (mine["t"], mine["name"], mine["fname"]) == ("d", other.username, other.name)
    assert (theirs["t"], theirs["name"], theirs["fname"]) == ("d", user.username, user.name)
    assert mine["u"]["_id"] == user.id
    assert theirs["u"]["_id"] == other.id


def test_messages_history_and_unread(user, make_user):
    other = make_user()
    rid = user.api.dm_create(other.username)["room"]["_id"]
    other.api.subscriptions_read(rid)

    first = user.api.chat_post_message("hi there", room_id=rid)
    assert first["message"]["rid"] == rid
    # `@username` addresses the DM, and the response echoes it.
    second = user.api.chat_post_message("still there?", channel=f"@{other.username}")
    assert second["channel"] == f"@{other.username}"
    assert second["message"]["rid"] == rid

    assert dm_texts(other.api, rid) == ["still there?", "hi there"]
    assert dm_texts(other.api, rid, count=1) == ["still there?", "hi there"]
    raw = other.api.call_api_get("im.history", roomId=rid, count=1)
    assert [m["msg"] for m in raw["messages"]] == ["still there?"]

    sub = other.api.subscriptions_get_one(rid)["subscription"]
    assert sub["unread"] == 2
    assert sub["alert"] is True
    assert sub["open"] is True
    counters = other.api.dm_counters(rid)
    assert counters["joined"] is True
    assert counters["members"] == 2
    assert counters["unreads"] == 2
    assert counters["msgs"] == 2

    # The sender has read what they sent.
    assert user.api.subscriptions_get_one(rid)["subscription"]["unread"] == 0


def test_outsider_cannot_read_or_write_a_dm(user, make_user):
    other = make_user()
    rid = user.api.dm_create(other.username)["room"]["_id"]
    user.api.chat_post_message("just us", room_id=rid)
    outsider = make_user()

    with pytest.raises(RocketApiException) as exc_info:
        outsider.api.dm_history(rid)
    assert_api_error(exc_info, "error-room-not-found")
    with pytest.raises(RocketApiException) as exc_info:
        outsider.api.chat_send_message({"rid": rid, "msg": "intruding"})
    assert_api_error(exc_info, "error-not-allowed")
    assert dm_texts(user.api, rid) == ["just us"]


def test_list_members_and_im_aliases(user, make_user):
    other = make_user()
    rid = user.api.dm_create(other.username)["room"]["_id"]
    sent = user.api.chat_post_message("listed", room_id=rid)["message"]

    ims = collect(other.api.dm_list())
    mine = [r for r in ims if r["_id"] == rid]
    assert len(mine) == 1
    assert mine[0]["t"] == "d"
    assert mine[0]["lastMessage"]["_id"] == sent["_id"]
    assert mine[0]["lastMessage"]["msg"] == "listed"

    raw = other.api.call_api_get("im.list")
    assert rid in {r["_id"] for r in raw["ims"]}
    assert raw["count"] == len(raw["ims"])
    assert raw["total"] >= raw["count"]

    members = collect(user.api.dm_members(rid))
    assert sorted(m["username"] for m in members) == sorted([user.username, other.username])

    # DMs are not channels.
    with pytest.raises(RocketApiException) as exc_info:
        user.api.channels_info(room_id=rid)
    assert_api_error(exc_info, "error-room-not-found")


def test_close_and_open(user, make_user):
    other = make_user()
    rid = user.api.dm_create(other.username)["room"]["_id"]
    assert user.api.dm_close(rid) == {"success": True}
    assert user.api.subscriptions_get_one(rid)["subscription"]["open"] is False

    with pytest.raises(RocketApiException) as exc_info:
        user.api.dm_close(rid)
    body = assert_api_error(exc_info)
    assert "errorType" not in body
    assert body["error"].endswith("is already closed to the sender"), body

    assert user.api.dm_open(rid) == {"success": True}
    assert user.api.subscriptions_get_one(rid)["subscription"]["open"] is True


def test_a_message_reopens_the_receivers_closed_dm(user, make_user):
    other = make_user()
    rid = user.api.dm_create(other.username)["room"]["_id"]
    # Only the creator's side starts open; the receiver's appears with the first message.
    assert user.api.subscriptions_get_one(rid)["subscription"]["open"] is True
    assert other.api.subscriptions_get_one(rid)["subscription"]["open"] is False
    user.api.chat_post_message("knock knock", room_id=rid)
    sub = other.api.subscriptions_get_one(rid)["subscription"]
    assert sub["open"] is True
    assert sub["alert"] is True


def test_group_dm_and_self_dm(user, make_user):
    second, third = make_user(), make_user()
    group = user.api.dm_create_multiple([second.username, third.username])["room"]
    assert group["t"] == "d"
    assert group["_id"] == group["rid"]
    assert group["usersCount"] == 3
    assert sorted(group["usernames"]) == sorted(
        [user.username, second.username, third.username]
    )
    user.api.chat_post_message("hello both", room_id=group["_id"])
    assert dm_texts(third.api, group["_id"]) == ["hello both"]

    self_dm = user.api.dm_create(user.username)["room"]
    assert self_dm["usernames"] == [user.username]
    assert self_dm["_id"] not in (group["_id"], user.id + user.id)


# --- subscriptions.* --------------------------------------------------------------------


@pytest.fixture
def channel(user):
    created = user.api.channels_create(unique("subs"))["channel"]
    yield created
    try:
        user.api.channels_delete(room_id=created["_id"])
    except RocketApiException:
        pass


def test_read_clears_unread_and_mentions(user, make_user, channel):
    reader = make_user()
    reader.api.channels_join(channel["_id"], None)
    reader.api.subscriptions_read(channel["_id"])
    before = reader.api.subscriptions_get_one(channel["_id"])["subscription"]
    assert (before["unread"], before["alert"], before["userMentions"]) == (0, False, 0)

    for text in ("one", "two", f"three @{reader.username}"):
        user.api.chat_post_message(text, room_id=channel["_id"])
    after = reader.api.subscriptions_get_one(channel["_id"])["subscription"]
    assert after["unread"] == 3
    assert after["alert"] is True
    assert after["userMentions"] == 1
    counters = reader.api.channels_counters(room_id=channel["_id"])
    assert counters["unreads"] == 3
    assert counters["userMentions"] == 1

    assert reader.api.subscriptions_read(channel["_id"]) == {"success": True}
    read = reader.api.subscriptions_get_one(channel["_id"])["subscription"]
    assert (read["unread"], read["alert"], read["userMentions"]) == (0, False, 0)
    assert read["ls"] >= before["ls"]


def test_unread_marks_the_room_unread_again(user, make_user, channel):
    reader = make_user()
    reader.api.channels_join(channel["_id"], None)
    user.api.chat_post_message("seen it", room_id=channel["_id"])
    reader.api.subscriptions_read(channel["_id"])
    assert reader.api.subscriptions_get_one(channel["_id"])["subscription"]["alert"] is False

    assert reader.api.subscriptions_unread(channel["_id"]) == {"success": True}
    sub = reader.api.subscriptions_get_one(channel["_id"])["subscription"]
    assert sub["alert"] is True
    assert sub["open"] is True


def test_get_one_of_a_room_without_subscription(user, make_user, channel):
    outsider = make_user()
    assert outsider.api.subscriptions_get_one(channel["_id"]) == {
        "subscription": None,
        "success": True,
    }


def test_subscriptions_get_lists_every_room(user, make_user, channel):
    other = make_user()
    dm = user.api.dm_create(other.username)["room"]["_id"]
    result = user.api.subscriptions_get()
    assert result["success"] is True
    assert result["remove"] == []
    by_rid = {s["rid"]: s for s in result["update"]}
    assert {channel["_id"], dm} <= by_rid.keys()
    assert by_rid[channel["_id"]]["name"] == channel["name"]
    assert by_rid[dm]["name"] == other.username
    for sub in result["update"]:
        assert SUBSCRIPTION_KEYS <= sub.keys(), sub
        assert sub["u"]["_id"] == user.id
