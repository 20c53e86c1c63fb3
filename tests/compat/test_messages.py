"""chat.* through rocketchat_API's wrappers (api.md §2.4, §5.5, §12, §13 items 12 and 19).

Each test makes its own channel (unique name, deleted at teardown) so message counts and
histories are exactly what the test sent.
"""

import uuid

import pytest
from rocketchat_API.APIExceptions.RocketExceptions import RocketApiException

from compat_helpers import (
    assert_api_error,
    collect,
    history_page,
    system_messages,
    unique,
)

# The fields every message carries (api.md §13 item 23).
MESSAGE_KEYS = {"_id", "rid", "msg", "ts", "u", "_updatedAt"}


@pytest.fixture
def room(user):
    """A channel owned by `user`, deleted at teardown."""
    created = user.api.channels_create(unique("chat"))["channel"]
    yield created
    try:
        user.api.channels_delete(room_id=created["_id"])
    except RocketApiException:
        pass


@pytest.fixture
def member(make_user, room):
    """A second user who joined `room`."""
    other = make_user()
    other.api.channels_join(room["_id"], None)
    return other


def texts(messages):
    """The text of the ordinary (non-system) messages, in the order given."""
    return [m["msg"] for m in messages if not m.get("t")]


def test_post_message_shape(user, room):
    result = user.api.chat_post_message("hello world", room_id=room["_id"])
    assert result["success"] is True
    # `ts` is epoch milliseconds (a number), `channel` echoes what was sent.
    assert isinstance(result["ts"], int)
    assert result["channel"] == room["_id"]
    message = result["message"]
    assert MESSAGE_KEYS <= message.keys(), message
    assert message["rid"] == room["_id"]
    assert message["msg"] == "hello world"
    assert message["u"]["_id"] == user.id
    assert message["u"]["username"] == user.username
    assert "t" not in message
    assert message["mentions"] == []
    assert message["channels"] == []

    info = user.api.channels_info(room_id=room["_id"])["channel"]
    assert info["msgs"] == 1
    assert info["lm"] == message["ts"]


def test_post_message_by_channel_name_echoes_the_param(user, room):
    channel = f"#{room['name']}"
    result = user.api.chat_post_message("by name", channel=channel)
    assert result["channel"] == channel
    assert result["message"]["rid"] == room["_id"]


def test_post_message_without_text_and_too_long(user, room):
    empty = user.api.chat_post_message(None, room_id=room["_id"])
    assert empty["message"]["msg"] == ""

    with pytest.raises(RocketApiException) as exc_info:
        user.api.chat_post_message("x" * 5001, room_id=room["_id"])
    assert_api_error(exc_info, "error-message-size-exceeded")


def test_post_message_to_unknown_room(user):
    with pytest.raises(RocketApiException) as exc_info:
        user.api.chat_post_message("nowhere", room_id="NoSuchRoomId12345")
    assert exc_info.value.status_code == 400
    assert exc_info.value.response_json["success"] is False


def test_post_message_joins_a_public_channel(user, make_user, room):
    poster = make_user()
    poster.api.chat_post_message("drive-by", room_id=room["_id"])
    assert poster.api.subscriptions_get_one(room["_id"])["subscription"]["rid"] == room["_id"]
    assert user.api.channels_info(room_id=room["_id"])["channel"]["usersCount"] == 2
    latest = history_page(user.api, room["_id"], count=2)
    assert [(m.get("t"), m["msg"]) for m in latest] == [
        (None, "drive-by"),
        ("uj", poster.username),
    ]


def test_send_message_keeps_client_id_and_rejects_duplicates(user, room):
    client_id = f"compat{uuid.uuid4().hex[:10]}"
    sent = user.api.chat_send_message({"_id": client_id, "rid": room["_id"], "msg": "mine"})
    assert sent["success"] is True
    assert sent["message"]["_id"] == client_id
    assert sent["message"]["rid"] == room["_id"]
    assert sent["message"]["msg"] == "mine"
    assert user.api.chat_get_message(client_id)["message"]["msg"] == "mine"

    with pytest.raises(RocketApiException) as exc_info:
        user.api.chat_send_message({"_id": client_id, "rid": room["_id"], "msg": "again"})
    assert exc_info.value.status_code == 400
    assert exc_info.value.response_json["success"] is False
    assert texts(history_page(user.api, room["_id"])) == ["mine"]


def test_send_message_requires_membership(make_user, room):
    outsider = make_user()
    with pytest.raises(RocketApiException) as exc_info:
        outsider.api.chat_send_message({"rid": room["_id"], "msg": "not a member"})
    assert_api_error(exc_info, "error-not-allowed")


def test_get_message(user, member, room):
    sent = user.api.chat_post_message("fetch me", room_id=room["_id"])["message"]
    got = member.api.chat_get_message(sent["_id"])
    assert got["success"] is True
    assert got["message"]["_id"] == sent["_id"]
    assert got["message"]["msg"] == "fetch me"
    assert got["message"]["ts"] == sent["ts"]

    with pytest.raises(RocketApiException) as exc_info:
        user.api.chat_get_message("NoSuchMessage1234")
    assert exc_info.value.status_code == 400
    assert exc_info.value.response_json["success"] is False


def test_update_message(user, member, room):
    sent = user.api.chat_post_message("first draft", room_id=room["_id"])["message"]
    updated = user.api.chat_update(room["_id"], sent["_id"], "final text")
    assert updated["success"] is True
    message = updated["message"]
    assert message["_id"] == sent["_id"]
    assert message["msg"] == "final text"
    assert message["ts"] == sent["ts"]
    assert message["editedBy"] == {"_id": user.id, "username": user.username}
    assert message["editedAt"] >= sent["ts"]
    assert texts(history_page(member.api, room["_id"], count=1)) == ["final text"]

    # Only the author (or someone with edit-message) may edit.
    with pytest.raises(RocketApiException) as exc_info:
        member.api.chat_update(room["_id"], sent["_id"], "hijacked")
    assert exc_info.value.status_code == 400
    assert exc_info.value.response_json["success"] is False
    assert user.api.chat_get_message(sent["_id"])["message"]["msg"] == "final text"


def test_update_in_the_wrong_room_is_a_plain_failure(user, room):
    sent = user.api.chat_post_message("stay here", room_id=room["_id"])["message"]
    with pytest.raises(RocketApiException) as exc_info:
        user.api.chat_update("GENERAL", sent["_id"], "moved")
    assert_api_error(
        exc_info, error="The room id provided does not match where the message is from."
    )


def test_delete_message(user, member, room):
    keep = user.api.chat_post_message("keep", room_id=room["_id"])["message"]
    gone = user.api.chat_post_message("delete me", room_id=room["_id"])["message"]

    with pytest.raises(RocketApiException) as exc_info:
        member.api.chat_delete(room["_id"], gone["_id"])
    assert exc_info.value.status_code == 400
    assert exc_info.value.response_json["success"] is False

    result = user.api.chat_delete(room["_id"], gone["_id"])
    assert result["success"] is True
    assert result["_id"] == gone["_id"]
    # `ts` of chat.delete is epoch milliseconds as a *string* (api.md §13 item 12).
    assert isinstance(result["ts"], str) and result["ts"].isdigit()
    assert result["message"]["_id"] == gone["_id"]
    assert result["message"]["rid"] == room["_id"]
    assert result["message"]["u"]["_id"] == user.id

    assert texts(history_page(user.api, room["_id"])) == ["keep"]
    with pytest.raises(RocketApiException) as exc_info:
        user.api.chat_get_message(gone["_id"])
    assert exc_info.value.response_json["success"] is False
    with pytest.raises(RocketApiException) as exc_info:
        user.api.chat_delete(room["_id"], gone["_id"])
    assert exc_info.value.response_json["success"] is False
    assert user.api.chat_get_message(keep["_id"])["message"]["msg"] == "keep"


def test_thread_replies(user, member, room):
    root = user.api.chat_post_message("thread root", room_id=room["_id"])["message"]
    first = member.api.chat_send_message(
        {"rid": room["_id"], "msg": "first reply", "tmid": root["_id"]}
    )["message"]
    second = user.api.chat_post_message(
        "second reply", room_id=room["_id"], tmid=root["_id"]
    )["message"]
    assert first["tmid"] == root["_id"]
    assert second["tmid"] == root["_id"]

    root_now = user.api.chat_get_message(root["_id"])["message"]
    assert root_now["tcount"] == 2
    assert root_now["tlm"] == second["ts"]
    assert set(root_now["replies"]) == {user.id, member.id}
    assert "tmid" not in root_now

    replies = collect(user.api.chat_get_thread_messages(root["_id"]))
    assert texts(replies) == ["first reply", "second reply"]
    assert all(m["tmid"] == root["_id"] for m in replies)
    # Paging through a thread one reply at a time reaches the end.
    assert texts(collect(user.api.chat_get_thread_messages(root["_id"], count=1))) == [
        "first reply",
        "second reply",
    ]

    raw = user.api.call_api_get("chat.getThreadMessages", tmid=root["_id"], count=1)
    assert raw["count"] == 1
    assert raw["total"] == 2
    assert raw["offset"] == 0

    threads = collect(user.api.chat_get_threads_list(room["_id"]))
    assert [t["_id"] for t in threads] == [root["_id"]]
    assert threads[0]["tcount"] == 2

    # Replies are part of the room's history (showThreadMessages defaults to true).
    assert texts(history_page(user.api, room["_id"])) == [
        "second reply",
        "first reply",
        "thread root",
    ]


def test_threads_list_only_has_roots_with_replies(user, room):
    user.api.chat_post_message("lonely", room_id=room["_id"])
    root = user.api.chat_post_message("popular", room_id=room["_id"])["message"]
    user.api.chat_post_message("reply", room_id=room["_id"], tmid=root["_id"])
    threads = collect(user.api.chat_get_threads_list(room["_id"]))
    assert [t["msg"] for t in threads] == ["popular"]


def test_reactions_toggle_and_shape(user, member, room):
    sent = user.api.chat_post_message("react to me", room_id=room["_id"])["message"]

    # The client's default emoji is "smile" without colons; the key is ":smile:".
    assert member.api.chat_react(sent["_id"]) == {"success": True}
    assert user.api.chat_react(sent["_id"], ":smile:") == {"success": True}
    assert user.api.chat_react(sent["_id"], "thumbsup") == {"success": True}
    reactions = user.api.chat_get_message(sent["_id"])["message"]["reactions"]
    assert set(reactions) == {":smile:", ":thumbsup:"}
    assert sorted(reactions[":smile:"]["usernames"]) == sorted([member.username, user.username])
    assert reactions[":thumbsup:"]["usernames"] == [user.username]
    assert reactions[":thumbsup:"]["names"] == [user.name]

    # Without shouldReact a second reaction toggles it off; the last one removes the key.
    member.api.chat_react(sent["_id"])
    reactions = user.api.chat_get_message(sent["_id"])["message"]["reactions"]
    assert reactions[":smile:"]["usernames"] == [user.username]

    user.api.chat_react(sent["_id"], "thumbsup", shouldReact=False)
    user.api.chat_react(sent["_id"], "thumbsup", shouldReact=False)  # already off: no-op
    reactions = user.api.chat_get_message(sent["_id"])["message"]["reactions"]
    assert ":thumbsup:" not in reactions

    user.api.chat_react(sent["_id"], "smile", shouldReact=True)  # already on: no-op
    reactions = user.api.chat_get_message(sent["_id"])["message"]["reactions"]
    assert reactions[":smile:"]["usernames"] == [user.username]


def test_react_to_unknown_message(user):
    with pytest.raises(RocketApiException) as exc_info:
        user.api.chat_react("NoSuchMessage1234")
    assert exc_info.value.status_code == 400
    assert exc_info.value.response_json["success"] is False


def test_pin_and_unpin(user, member, room):
    sent = user.api.chat_post_message("pin me", room_id=room["_id"])["message"]

    pinned = user.api.chat_pin_message(sent["_id"])
    assert pinned["success"] is True
    system = pinned["message"]
    assert system["t"] == "message_pinned"
    assert system["rid"] == room["_id"]
    assert system["u"]["_id"] == user.id
    quote = system["attachments"][0]
    assert quote["text"] == "pin me"
    assert quote["author_name"] == user.username
    assert quote["ts"] == sent["ts"]

    message = member.api.chat_get_message(sent["_id"])["message"]
    assert message["pinned"] is True
    assert message["pinnedBy"]["_id"] == user.id
    assert message["pinnedBy"]["username"] == user.username
    assert "pinnedAt" in message
    assert [m["_id"] for m in collect(member.api.chat_get_pinned_messages(room["_id"]))] == [
        sent["_id"]
    ]
    assert history_page(user.api, room["_id"], count=1)[0]["t"] == "message_pinned"

    assert user.api.chat_unpin_message(sent["_id"]) == {"success": True}
    assert not member.api.chat_get_message(sent["_id"])["message"].get("pinned")
    assert collect(member.api.chat_get_pinned_messages(room["_id"])) == []


def test_pinned_system_message_has_empty_msg(user, room):
    sent = user.api.chat_post_message("pin me too", room_id=room["_id"])["message"]
    system = user.api.chat_pin_message(sent["_id"])["message"]
    assert system["msg"] == ""


def test_star_and_unstar_are_per_user(user, member, room):
    sent = user.api.chat_post_message("star me", room_id=room["_id"])["message"]
    assert collect(member.api.chat_get_starred_messages(room["_id"])) == []

    assert member.api.chat_star_message(sent["_id"]) == {"success": True}
    message = user.api.chat_get_message(sent["_id"])["message"]
    assert message["starred"] == [{"_id": member.id}]
    assert [m["_id"] for m in collect(member.api.chat_get_starred_messages(room["_id"]))] == [
        sent["_id"]
    ]
    # Only the caller's own stars are listed.
    assert collect(user.api.chat_get_starred_messages(room["_id"])) == []

    assert member.api.chat_unstar_message(sent["_id"]) == {"success": True}
    assert not user.api.chat_get_message(sent["_id"])["message"].get("starred")
    assert collect(member.api.chat_get_starred_messages(room["_id"])) == []


def test_search(user, member, room):
    needle = uuid.uuid4().hex[:8]
    for i in range(3):
        user.api.chat_post_message(f"needle {needle} number {i}", room_id=room["_id"])
    user.api.chat_post_message("haystack only", room_id=room["_id"])

    found = collect(member.api.chat_search(room["_id"], needle))
    assert texts(found) == [f"needle {needle} number {i}" for i in (2, 1, 0)]
    assert all(m["rid"] == room["_id"] for m in found)
    # The generator pages with offset/count and still sees each hit once.
    paged = collect(member.api.chat_search(room["_id"], needle, count=2))
    assert [m["_id"] for m in paged] == [m["_id"] for m in found]

    assert collect(member.api.chat_search(room["_id"], uuid.uuid4().hex)) == []


def test_mentions_are_parsed(user, member, room):
    sent = user.api.chat_post_message(
        f"hey @{member.username} see #{room['name']}", room_id=room["_id"]
    )["message"]
    assert [(m["_id"], m["username"]) for m in sent["mentions"]] == [
        (member.id, member.username)
    ]
    assert [(c["_id"], c["name"]) for c in sent["channels"]] == [(room["_id"], room["name"])]


def test_join_system_message_shape(user, member, room):
    # The join of `member` left a `uj` system message: groupable false, msg = username.
    [(t, msg, actor)] = system_messages(user.api, room["_id"])
    assert (t, msg, actor) == ("uj", member.username, member.username)
    uj = history_page(user.api, room["_id"])[0]
    assert uj["groupable"] is False
