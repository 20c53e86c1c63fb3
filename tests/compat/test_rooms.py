"""channels.*, groups.* and rooms.* through rocketchat_API's wrappers (api.md §2.2, §5.3, §5.6).

Every room gets a unique name and is deleted by its owner at teardown; tests never
assume anything about rooms other tests made.
"""

import pytest
from rocketchat_API.APIExceptions.RocketExceptions import RocketApiException

from compat_helpers import (
    assert_api_error,
    assert_forbidden,
    collect,
    history_page,
    system_messages,
    unique,
)

# The shape every room carries (api.md §13 item 23).
ROOM_KEYS = {"_id", "t", "name", "fname", "u", "usersCount", "msgs", "ts", "_updatedAt"}


@pytest.fixture
def make_room():
    """Factory: `make_room(owner, kind="channels", **extra)` -> the created room object.

    `kind` is "channels" or "groups" (the wrapper prefix); the owner deletes the room
    at teardown (errors ignored: a test may have deleted it already).
    """
    created = []

    def _make(owner, kind="channels", **extra):
        name = unique("room")
        if kind == "channels":
            response = owner.api.channels_create(name, **extra)
            room = response["channel"]
        else:
            response = owner.api.groups_create(name, **extra)
            room = response["group"]
        assert response["success"] is True, response
        created.append((owner, kind, room["_id"]))
        return room

    yield _make

    for owner, kind, room_id in reversed(created):
        try:
            if kind == "channels":
                owner.api.channels_delete(room_id=room_id)
            else:
                owner.api.groups_delete(room_id=room_id)
        except RocketApiException:
            pass


@pytest.mark.parametrize("kind,t", [("channels", "c"), ("groups", "p")])
def test_create_returns_room_with_creator_as_owner(user, make_room, kind, t):
    room = make_room(user, kind)
    assert ROOM_KEYS <= room.keys(), room
    assert room["t"] == t
    assert room["fname"] == room["name"]
    assert room["u"]["_id"] == user.id
    assert room["u"]["username"] == user.username
    assert room["usersCount"] == 1
    assert room["msgs"] == 0
    assert room["ro"] is False
    assert room["archived"] is False

    sub = user.api.subscriptions_get_one(room["_id"])["subscription"]
    assert sub["rid"] == room["_id"]
    assert sub["t"] == t
    assert sub["name"] == room["name"]
    assert "owner" in sub["roles"]
    assert sub["open"] is True
    assert sub["unread"] == 0


def test_create_with_members_counts_them(user, make_user, make_room):
    other = make_user(login=False)
    room = make_room(user, members=[other.username])
    assert room["usersCount"] == 2
    members = collect(user.api.channels_members(room_id=room["_id"]))
    assert {m["username"] for m in members} == {user.username, other.username}


def test_duplicate_and_invalid_names_are_rejected(user, make_room):
    room = make_room(user)
    with pytest.raises(RocketApiException) as exc_info:
        user.api.channels_create(room["name"])
    assert_api_error(exc_info, "error-duplicate-channel-name")
    # A group may not take a channel's name either: names are one namespace.
    with pytest.raises(RocketApiException) as exc_info:
        user.api.groups_create(room["name"])
    assert_api_error(exc_info, "error-duplicate-channel-name")

    with pytest.raises(RocketApiException) as exc_info:
        user.api.channels_create("no spaces allowed")
    assert_api_error(exc_info, "error-invalid-room-name")


def test_info_by_id_and_by_name(user, make_room):
    room = make_room(user)
    by_id = user.api.channels_info(room_id=room["_id"])["channel"]
    by_name = user.api.channels_info(channel=room["name"])["channel"]
    assert by_id["_id"] == by_name["_id"] == room["_id"]
    assert by_id["name"] == room["name"]

    with pytest.raises(RocketApiException) as exc_info:
        user.api.channels_info(room_id="NoSuchRoomId12345")
    body = assert_api_error(exc_info, "error-room-not-found")
    assert body["error"] == (
        'The required "roomId" or "roomName" param provided does not match any channel'
        " [error-room-not-found]"
    )


def test_channels_and_groups_endpoints_only_accept_their_type(user, make_room):
    channel = make_room(user, "channels")
    group = make_room(user, "groups")
    with pytest.raises(RocketApiException) as exc_info:
        user.api.channels_info(room_id=group["_id"])
    assert_api_error(exc_info, "error-room-not-found")
    with pytest.raises(RocketApiException) as exc_info:
        user.api.groups_info(room_id=channel["_id"])
    assert_api_error(exc_info, "error-room-not-found")


def test_join_and_leave_post_uj_and_ul(user, make_user, make_room):
    room = make_room(user)
    joiner = make_user()

    joined = joiner.api.channels_join(room["_id"], None)
    assert joined["channel"]["_id"] == room["_id"]
    assert joined["channel"]["usersCount"] == 2
    # Joining again is a no-op, not a second membership.
    again = joiner.api.channels_join(room["_id"], None)
    assert again["channel"]["usersCount"] == 2
    assert joiner.api.subscriptions_get_one(room["_id"])["subscription"]["rid"] == room["_id"]
    assert room["_id"] in {c["_id"] for c in collect(joiner.api.channels_list_joined())}

    left = joiner.api.channels_leave(room["_id"])
    assert left["channel"]["usersCount"] == 1
    assert joiner.api.subscriptions_get_one(room["_id"])["subscription"] is None
    assert room["_id"] not in {c["_id"] for c in collect(joiner.api.channels_list_joined())}

    assert system_messages(user.api, room["_id"]) == [
        ("ul", joiner.username, joiner.username),
        ("uj", joiner.username, joiner.username),
    ]


def test_last_owner_cannot_leave(user, make_room):
    room = make_room(user)
    with pytest.raises(RocketApiException) as exc_info:
        user.api.channels_leave(room["_id"])
    assert_api_error(exc_info, "error-you-are-last-owner")
    assert user.api.channels_info(room_id=room["_id"])["channel"]["usersCount"] == 1


def test_invite_and_kick_post_au_and_ru(user, make_user, make_room):
    room = make_room(user)
    guest = make_user()

    invited = user.api.channels_invite(room["_id"], guest.id)
    assert invited["channel"]["usersCount"] == 2
    sub = guest.api.subscriptions_get_one(room["_id"])["subscription"]
    assert sub["rid"] == room["_id"]
    assert "owner" not in sub["roles"]

    kicked = user.api.channels_kick(room["_id"], guest.id)
    assert kicked["channel"]["usersCount"] == 1
    assert guest.api.subscriptions_get_one(room["_id"])["subscription"] is None

    with pytest.raises(RocketApiException) as exc_info:
        user.api.channels_kick(room["_id"], guest.id)
    assert_api_error(exc_info, "error-user-not-in-room")

    # au/ru: msg = the affected username, u = the owner who acted.
    assert system_messages(user.api, room["_id"]) == [
        ("ru", guest.username, user.username),
        ("au", guest.username, user.username),
    ]


def test_invite_unknown_user_and_kick_without_permission(user, make_user, make_room):
    room = make_room(user)
    with pytest.raises(RocketApiException) as exc_info:
        user.api.channels_invite(room["_id"], "NoSuchUserId12345")
    assert_api_error(exc_info, "error-invalid-user")

    member = make_user()
    member.api.channels_join(room["_id"], None)
    with pytest.raises(RocketApiException) as exc_info:
        member.api.channels_kick(room["_id"], user.id)
    assert_forbidden(exc_info)
    with pytest.raises(RocketApiException) as exc_info:
        member.api.channels_set_topic(room["_id"], "not mine to set")
    assert_forbidden(exc_info)


def test_rename_updates_room_and_subscriptions(user, make_user, make_room):
    room = make_room(user)
    member = make_user()
    member.api.channels_join(room["_id"], None)
    new_name = unique("renamed")

    renamed = user.api.channels_rename(room["_id"], new_name)["channel"]
    assert renamed["_id"] == room["_id"]
    assert renamed["name"] == new_name
    assert renamed["fname"] == new_name

    assert user.api.channels_info(channel=new_name)["channel"]["_id"] == room["_id"]
    with pytest.raises(RocketApiException) as exc_info:
        user.api.channels_info(channel=room["name"])
    assert_api_error(exc_info, "error-room-not-found")
    # Other members' room lists follow the rename.
    sub = member.api.subscriptions_get_one(room["_id"])["subscription"]
    assert sub["name"] == new_name
    assert sub["fname"] == new_name

    assert system_messages(user.api, room["_id"])[0] == ("r", new_name, user.username)


def test_rename_errors(user, make_room):
    room = make_room(user)
    other = make_room(user)
    with pytest.raises(RocketApiException) as exc_info:
        user.api.channels_rename(room["_id"], other["name"])
    assert_api_error(exc_info, "error-duplicate-channel-name")

    with pytest.raises(RocketApiException) as exc_info:
        user.api.channels_rename(room["_id"], "bad name!")
    assert_api_error(exc_info, "error-invalid-room-name")

    # channels.rename checks this itself, before saving (a plain-string failure).
    with pytest.raises(RocketApiException) as exc_info:
        user.api.channels_rename(room["_id"], room["name"])
    assert_api_error(
        exc_info, error="The channel name is the same as what it would be renamed to."
    )
    assert system_messages(user.api, room["_id"]) == []


def test_set_topic_description_announcement(user, make_user, make_room):
    room = make_room(user)
    assert user.api.channels_set_topic(room["_id"], "the topic") == {
        "topic": "the topic",
        "success": True,
    }
    assert user.api.channels_set_description(room["_id"], "the description") == {
        "description": "the description",
        "success": True,
    }
    assert user.api.channels_set_announcement(room["_id"], "the announcement") == {
        "announcement": "the announcement",
        "success": True,
    }
    info = make_user().api.channels_info(room_id=room["_id"])["channel"]
    assert info["topic"] == "the topic"
    assert info["description"] == "the description"
    assert info["announcement"] == "the announcement"

    assert system_messages(user.api, room["_id"]) == [
        ("room_changed_announcement", "the announcement", user.username),
        ("room_changed_description", "the description", user.username),
        ("room_changed_topic", "the topic", user.username),
    ]


def test_archive_and_unarchive(user, admin, make_room):
    room = make_room(user)
    assert user.api.channels_archive(room["_id"]) == {"success": True}
    assert user.api.channels_info(room_id=room["_id"])["channel"]["archived"] is True
    assert user.api.subscriptions_get_one(room["_id"])["subscription"]["archived"] is True

    with pytest.raises(RocketApiException) as exc_info:
        user.api.chat_post_message("into the archive", room_id=room["_id"])
    assert exc_info.value.status_code == 400
    assert exc_info.value.response_json["success"] is False

    with pytest.raises(RocketApiException) as exc_info:
        user.api.channels_archive(room["_id"])
    assert_api_error(exc_info, "error-room-archived")

    # unarchive-room is an admin permission by default: the owner may archive, not unarchive.
    with pytest.raises(RocketApiException) as exc_info:
        user.api.channels_unarchive(room["_id"])
    assert_forbidden(exc_info)

    assert admin.channels_unarchive(room["_id"]) == {"success": True}
    assert user.api.channels_info(room_id=room["_id"])["channel"]["archived"] is False
    assert user.api.chat_post_message("back again", room_id=room["_id"])["success"] is True

    kinds = [t for t, _, _ in system_messages(user.api, room["_id"])]
    assert kinds == ["room-unarchived", "room-archived"]


def test_close_and_open_toggle_the_room_list_entry(user, make_room):
    room = make_room(user)
    assert user.api.channels_close(room["_id"]) == {"success": True}
    assert user.api.subscriptions_get_one(room["_id"])["subscription"]["open"] is False

    with pytest.raises(RocketApiException) as exc_info:
        user.api.channels_close(room["_id"])
    assert_api_error(
        exc_info, error=f"The channel, {room['name']}, is already closed to the sender"
    )

    assert user.api.channels_open(room["_id"]) == {"success": True}
    assert user.api.subscriptions_get_one(room["_id"])["subscription"]["open"] is True


def test_history_pages_newest_first_to_the_end(user, make_room):
    room = make_room(user)
    texts = [f"message {i}" for i in range(7)]
    for text in texts:
        user.api.chat_post_message(text, room_id=room["_id"])
    newest_first = list(reversed(texts))

    # Raw pages: offset/count walk from the newest message back to the oldest.
    walked, offset = [], 0
    while True:
        page = history_page(user.api, room["_id"], offset=offset, count=3)
        assert len(page) <= 3
        walked.extend(page)
        if len(page) < 3:
            break
        offset += 3
    assert offset == 6
    assert [m["msg"] for m in walked] == newest_first
    assert len({m["_id"] for m in walked}) == len(texts)
    stamps = [m["ts"] for m in walked]
    assert stamps == sorted(stamps, reverse=True)

    # The client's generator does the same paging by itself.
    generated = collect(user.api.channels_history(room["_id"], count=3))
    assert [m["msg"] for m in generated] == newest_first

    # Default page size is 20, so everything fits; an offset beyond the end is empty.
    assert [m["msg"] for m in history_page(user.api, room["_id"])] == newest_first
    assert history_page(user.api, room["_id"], offset=50, count=3) == []


def test_history_latest_oldest_and_inclusive(user, make_room):
    room = make_room(user)
    sent = [
        user.api.chat_post_message(f"window {i}", room_id=room["_id"])["message"]
        for i in range(5)
    ]
    oldest, latest = sent[1]["ts"], sent[3]["ts"]

    exclusive = history_page(user.api, room["_id"], oldest=oldest, latest=latest)
    assert [m["msg"] for m in exclusive] == ["window 2"]

    inclusive = history_page(
        user.api, room["_id"], oldest=oldest, latest=latest, inclusive="true"
    )
    assert [m["msg"] for m in inclusive] == ["window 3", "window 2", "window 1"]


def test_public_channel_history_is_readable_by_non_members(user, make_user, make_room):
    room = make_room(user)
    user.api.chat_post_message("for everyone", room_id=room["_id"])
    outsider = make_user()
    assert [m["msg"] for m in history_page(outsider.api, room["_id"])] == ["for everyone"]
    counters = outsider.api.channels_counters(room_id=room["_id"])
    assert counters["joined"] is False
    assert counters["members"] == 1
    assert counters["msgs"] == 1


def test_unknown_room_history_is_room_not_found(user):
    with pytest.raises(RocketApiException) as exc_info:
        user.api.channels_history("NoSuchRoomId12345")
    assert_api_error(exc_info, "error-room-not-found")


# --- private groups ---------------------------------------------------------------------


def test_group_invite_kick_and_membership(user, make_user, make_room):
    group = make_room(user, "groups")
    member = make_user()

    assert user.api.groups_invite(group["_id"], member.id)["group"]["usersCount"] == 2
    assert group["_id"] in {g["_id"] for g in collect(member.api.groups_list())}
    user.api.chat_post_message("members only", room_id=group["_id"])
    assert [m["msg"] for m in history_page(member.api, group["_id"], "groups")][0] == (
        "members only"
    )

    assert user.api.groups_kick(group["_id"], member.id)["group"]["usersCount"] == 1
    assert group["_id"] not in {g["_id"] for g in collect(member.api.groups_list())}
    # Once out, the group is invisible again.
    with pytest.raises(RocketApiException) as exc_info:
        member.api.groups_history(group["_id"])
    assert_api_error(exc_info, "error-room-not-found")

    kinds = [(t, msg) for t, msg, _ in system_messages(user.api, group["_id"], "groups")]
    assert kinds == [("ru", member.username), ("au", member.username)]


def test_group_is_invisible_to_non_members(user, make_user, make_room):
    group = make_room(user, "groups")
    user.api.chat_post_message("secret", room_id=group["_id"])
    outsider = make_user()

    for call in (
        lambda: outsider.api.groups_history(group["_id"]),
        lambda: outsider.api.groups_info(room_id=group["_id"]),
        lambda: outsider.api.rooms_info(room_id=group["_id"]),
    ):
        with pytest.raises(RocketApiException) as exc_info:
            call()
        assert_api_error(exc_info, "error-room-not-found")

    # Not joinable as a channel, not writable, not in the outsider's lists.
    with pytest.raises(RocketApiException) as exc_info:
        outsider.api.channels_join(group["_id"], None)
    assert_api_error(exc_info, "error-room-not-found")
    with pytest.raises(RocketApiException) as exc_info:
        outsider.api.chat_send_message({"rid": group["_id"], "msg": "let me in"})
    assert_api_error(exc_info, "error-not-allowed")
    with pytest.raises(RocketApiException) as exc_info:
        outsider.api.chat_post_message("let me in", room_id=group["_id"])
    assert exc_info.value.status_code == 400
    assert exc_info.value.response_json["success"] is False
    assert group["_id"] not in {g["_id"] for g in collect(outsider.api.groups_list())}
    assert outsider.api.subscriptions_get_one(group["_id"])["subscription"] is None
    # Nothing was posted by the failed attempts.
    assert [m["msg"] for m in history_page(user.api, group["_id"], "groups")] == ["secret"]


def test_group_leave_rename_topic_archive(user, make_user, make_room, admin):
    group = make_room(user, "groups")
    member = make_user()
    user.api.groups_invite(group["_id"], member.id)
    assert member.api.groups_leave(group["_id"])["group"]["usersCount"] == 1
    with pytest.raises(RocketApiException) as exc_info:
        user.api.groups_leave(group["_id"])
    assert_api_error(exc_info, "error-you-are-last-owner")

    new_name = unique("renamed")
    assert user.api.groups_rename(group["_id"], new_name)["group"]["name"] == new_name
    assert user.api.groups_set_topic(group["_id"], "group topic")["topic"] == "group topic"
    assert user.api.groups_info(room_name=new_name)["group"]["topic"] == "group topic"

    assert user.api.groups_archive(group["_id"]) == {"success": True}
    assert user.api.groups_info(room_id=group["_id"])["group"]["archived"] is True
    with pytest.raises(RocketApiException) as exc_info:
        user.api.groups_unarchive(group["_id"])
    assert_forbidden(exc_info)
    # An admin must be able to see the group to unarchive it.
    user.api.groups_invite(group["_id"], admin.headers["X-User-Id"])
    assert admin.groups_unarchive(group["_id"]) == {"success": True}
    assert user.api.groups_info(room_id=group["_id"])["group"]["archived"] is False

    kinds = [t for t, _, _ in system_messages(user.api, group["_id"], "groups")]
    assert kinds == [
        "room-unarchived",
        "au",
        "room-archived",
        "room_changed_topic",
        "r",
        "ul",
        "au",
    ]


def test_group_history_pages_to_the_end(user, make_room):
    group = make_room(user, "groups")
    texts = [f"private {i}" for i in range(5)]
    for text in texts:
        user.api.chat_post_message(text, room_id=group["_id"])
    generated = collect(user.api.groups_history(group["_id"], count=2))
    assert [m["msg"] for m in generated] == list(reversed(texts))


# --- rooms.* ----------------------------------------------------------------------------


def test_rooms_info_for_channel_and_group(user, make_room):
    channel = make_room(user)
    group = make_room(user, "groups")
    sent = user.api.chat_post_message("latest words", room_id=channel["_id"])["message"]

    info = user.api.rooms_info(room_id=channel["_id"])
    assert info["success"] is True
    assert info["room"]["_id"] == channel["_id"]
    assert info["room"]["t"] == "c"
    assert info["room"]["msgs"] == 1
    assert info["room"]["lastMessage"]["_id"] == sent["_id"]
    assert info["room"]["lm"] == sent["ts"]

    by_name = user.api.rooms_info(room_name=group["name"])
    assert by_name["room"]["_id"] == group["_id"]
    assert by_name["room"]["t"] == "p"

    with pytest.raises(RocketApiException) as exc_info:
        user.api.rooms_info(room_id="NoSuchRoomId12345")
    assert_api_error(exc_info, "error-room-not-found")


def test_rooms_get_lists_the_callers_rooms(user, make_user, make_room):
    channel = make_room(user)
    group = make_room(user, "groups")
    user.api.chat_post_message("hello rooms.get", room_id=channel["_id"])

    result = user.api.rooms_get()
    assert result["success"] is True
    assert result["remove"] == []
    by_id = {r["_id"]: r for r in result["update"]}
    assert {channel["_id"], group["_id"]} <= by_id.keys()
    assert by_id[channel["_id"]]["lastMessage"]["msg"] == "hello rooms.get"
    assert by_id[group["_id"]]["t"] == "p"

    # Somebody else's private group is not in their list.
    assert group["_id"] not in {r["_id"] for r in make_user().api.rooms_get()["update"]}


def test_rooms_favorite_sets_the_subscription_flag(user, make_room):
    room = make_room(user)
    assert user.api.rooms_favorite(room_id=room["_id"], favorite=True) == {"success": True}
    assert user.api.subscriptions_get_one(room["_id"])["subscription"]["f"] is True
    user.api.rooms_favorite(room_id=room["_id"], favorite=False)
    assert user.api.subscriptions_get_one(room["_id"])["subscription"]["f"] is False


def test_rooms_leave(user, make_user, make_room):
    room = make_room(user)
    member = make_user()
    member.api.channels_join(room["_id"], None)
    assert member.api.rooms_leave(room["_id"]) == {"success": True}
    assert member.api.subscriptions_get_one(room["_id"])["subscription"] is None
    assert user.api.channels_info(room_id=room["_id"])["channel"]["usersCount"] == 1
