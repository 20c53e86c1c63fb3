"""users.* endpoints through rocketchat_API's wrappers (api.md §2.1, §3, §4.5, §5.2)."""

import pytest
from rocketchat_API.APIExceptions.RocketExceptions import (
    RocketApiException,
    RocketAuthenticationException,
)
from rocketchat_API.rocketchat import RocketChat

from compat_helpers import (
    NOT_LOGGED_IN_BODY,
    assert_forbidden,
    collect,
    raw_me,
    unique,
)

STATUSES = {"online", "away", "busy", "offline"}


def assert_user_not_found(exc_info):
    # rocketchat_API's own suite checks `"User not found." in str(exc)`; RC answers 400
    # (404 from some code paths), always as a JSON failure.
    exc = exc_info.value
    assert exc.status_code in (400, 404), (exc.status_code, exc.response)
    assert exc.response_json["success"] is False
    assert "User not found." in str(exc)


def test_create_then_info_by_id_username_and_email(admin, url):
    username = unique("compat")
    email = f"{username}@example.com"
    created = admin.users_create(
        email=email, name="Created User", password="pw-created-1", username=username
    )
    try:
        new = created["user"]
        assert new["username"] == username
        assert new["name"] == "Created User"
        assert new["type"] == "user"
        assert new["active"] is True
        # Only the very first account becomes admin; the seeded admin already exists.
        assert new["roles"] == ["user"]
        assert new["emails"][0]["address"] == email
        assert "services" not in new

        by_id = admin.users_info(user_id=new["_id"])["user"]
        by_name = admin.users_info(username=username)["user"]
        by_email = admin.users_info(email=email)["user"]  # RC >= 8.4
        for found in (by_id, by_name, by_email):
            assert found["_id"] == new["_id"]
            assert found["username"] == username
            assert found["name"] == "Created User"
            assert "services" not in found
    finally:
        admin.users_delete(created["user"]["_id"])


def test_info_of_unknown_user(admin):
    with pytest.raises(RocketApiException) as exc_info:
        admin.users_info(username=unique("nobody"))
    assert_user_not_found(exc_info)

    with pytest.raises(RocketApiException) as exc_info:
        admin.users_info(user_id="NoSuchUserId12345")
    assert_user_not_found(exc_info)


def test_users_list_pages_with_offset_and_count(admin, make_user):
    mine = {make_user(login=False).username for _ in range(4)}

    first = admin.call_api_get("users.list", offset=0, count=2)
    assert first["success"] is True
    assert len(first["users"]) == 2
    assert first["count"] == 2
    assert first["offset"] == 0
    total = first["total"]
    assert total >= 5  # the admin plus our four, plus whatever earlier tests left

    second = admin.call_api_get("users.list", offset=2, count=2)
    assert second["count"] == len(second["users"]) == 2
    assert second["offset"] == 2
    assert second["total"] == total
    assert {u["_id"] for u in first["users"]}.isdisjoint(u["_id"] for u in second["users"])

    last = admin.call_api_get("users.list", offset=total - 1, count=2)
    assert last["count"] == len(last["users"]) == 1
    assert last["offset"] == total - 1

    beyond = admin.call_api_get("users.list", offset=total + 10, count=2)
    assert beyond["users"] == []
    assert beyond["count"] == 0

    # The client's generator re-requests with offset += count until a short page:
    # it must stop, see every user once, and see ours.
    walked = collect(admin.users_list(count=2))
    ids = [u["_id"] for u in walked]
    assert len(ids) == len(set(ids)) == total
    assert mine <= {u["username"] for u in walked}
    for listed in walked:
        assert "services" not in listed


def test_users_update(admin, make_user):
    user = make_user(login=False)
    new_username = unique("renamed")
    new_email = f"{new_username}@example.com"
    updated = admin.users_update(
        user.id,
        name="New Name",
        username=new_username,
        email=new_email,
        password="pw-changed-1",
    )
    assert updated["success"] is True
    assert updated["user"]["_id"] == user.id
    assert updated["user"]["name"] == "New Name"
    assert updated["user"]["username"] == new_username
    assert updated["user"]["emails"][0]["address"] == new_email

    info = admin.users_info(user_id=user.id)["user"]
    assert info["username"] == new_username
    assert info["name"] == "New Name"

    # `password` inside `data` is not renamed to `pass` by the client and must apply.
    client = RocketChat(new_username, "pw-changed-1", server_url=user.url)
    assert client.me()["_id"] == user.id
    with pytest.raises(RocketAuthenticationException):
        RocketChat(new_username, user.password, server_url=user.url)


def test_users_set_active_status(admin, make_user):
    user = make_user()
    old_headers = dict(user.api.headers)

    result = admin.users_set_active_status(user.id, active_status=False)
    assert result["success"] is True
    assert result["user"]["_id"] == user.id
    assert result["user"]["active"] is False
    assert admin.users_info(user_id=user.id)["user"]["active"] is False

    # Deactivation ends the user's sessions and blocks new logins.
    response = raw_me(user.url, old_headers)
    assert response.status_code == 401
    assert response.json() == NOT_LOGGED_IN_BODY
    with pytest.raises(RocketAuthenticationException):
        user.login()

    result = admin.users_set_active_status(user.id, active_status=True)
    assert result["user"]["active"] is True
    assert user.login().me()["_id"] == user.id


def test_users_delete(admin, make_user):
    user = make_user()
    assert admin.users_delete(user.id)["success"] is True

    with pytest.raises(RocketApiException) as exc_info:
        admin.users_info(user_id=user.id)
    assert_user_not_found(exc_info)
    with pytest.raises(RocketAuthenticationException):
        user.login()
    response = raw_me(user.url, user.api.headers)
    assert response.status_code == 401


def test_users_register(anon, admin, url):
    # The client renames `password` to `pass` for every POST but users.create; the
    # server must read `pass` here or the new account has no usable password.
    username = unique("reg")
    email = f"{username}@example.com"
    registered = anon.users_register(
        email=email, name="Registered", password="pw-register-1", username=username
    )
    try:
        new = registered["user"]
        assert registered["success"] is True
        assert new["username"] == username
        assert new["name"] == "Registered"
        assert new["active"] is True
        assert "admin" not in new["roles"]
        assert "services" not in new

        client = RocketChat(username, "pw-register-1", server_url=url)
        me = client.me()
        assert me["_id"] == new["_id"]
        assert me["emails"][0]["address"] == email

        with pytest.raises(RocketApiException) as exc_info:
            anon.users_register(
                email=f"other_{email}",
                name="Again",
                password="pw-register-2",
                username=username,
            )
        assert exc_info.value.status_code == 400
        assert "Username is already in use" in exc_info.value.error

        with pytest.raises(RocketApiException) as exc_info:
            anon.users_register(
                email=email, name="Again", password="pw-register-2", username=unique("reg")
            )
        assert exc_info.value.status_code == 400
        assert "Email already exists" in exc_info.value.error
    finally:
        admin.users_delete(registered["user"]["_id"])


def test_set_status_and_read_it_back(user, admin):
    assert user.api.users_set_status(message="on a call", status="away")["success"] is True

    # rocketchat_API 3.7.1 has no users.getStatus wrapper; the generic GET is what a script uses.
    status = user.api.call_api_get("users.getStatus")
    assert status["success"] is True
    assert status["_id"] == user.id
    assert status["status"] in STATUSES
    assert "connectionStatus" in status

    assert admin.users_info(user_id=user.id)["user"]["statusText"] == "on a call"


def test_get_presence_of_self_and_of_others(user, make_user):
    mine = user.api.users_get_presence(user_id=user.id)
    assert mine["success"] is True
    assert mine["presence"] in STATUSES
    assert "connectionStatus" in mine
    assert "lastLogin" in mine

    by_name = user.api.users_get_presence(username=user.username)
    assert by_name["presence"] in STATUSES
    assert "lastLogin" in by_name

    # Another user's connection details and login time are not shown.
    other = make_user(login=False)
    theirs = user.api.users_get_presence(user_id=other.id)
    assert theirs["presence"] in STATUSES
    assert "lastLogin" not in theirs
    assert "connectionStatus" not in theirs


def test_set_and_get_preferences(user):
    result = user.api.users_set_preferences(
        user_id=user.id, data={"useEmojis": False, "hideRoles": True}
    )
    assert result["success"] is True
    assert result["user"]["_id"] == user.id
    prefs = result["user"]["settings"]["preferences"]
    assert prefs["useEmojis"] is False
    assert prefs["hideRoles"] is True

    got = user.api.users_get_preferences()
    assert got["success"] is True
    assert got["preferences"]["useEmojis"] is False
    assert got["preferences"]["hideRoles"] is True

    user.api.users_set_preferences(user_id=user.id, data={"useEmojis": True})
    got = user.api.users_get_preferences()
    assert got["preferences"]["useEmojis"] is True
    assert got["preferences"]["hideRoles"] is True  # untouched keys are kept


def test_forgot_password_always_succeeds(anon, make_user):
    # Success for unknown addresses too, so the endpoint cannot probe for accounts.
    user = make_user(login=False)
    assert anon.users_forgot_password(email=user.email) == {"success": True}
    assert anon.users_forgot_password(email=f"{unique('ghost')}@example.com") == {
        "success": True
    }


def test_create_token_with_right_secret(admin, make_user, token_secret):
    user = make_user(login=False)
    result = admin.users_create_token(user_id=user.id, secret=token_secret)
    assert result["success"] is True
    assert result["data"]["userId"] == user.id
    headers = {"X-User-Id": user.id, "X-Auth-Token": result["data"]["authToken"]}
    response = raw_me(user.url, headers)
    assert response.status_code == 200
    assert response.json()["username"] == user.username


def test_create_token_with_wrong_secret(admin, make_user):
    user = make_user(login=False)
    with pytest.raises(RocketApiException) as exc_info:
        admin.users_create_token(user_id=user.id, secret="not-the-secret")
    assert exc_info.value.status_code in (400, 403)
    assert exc_info.value.response_json["success"] is False
    assert "data" not in exc_info.value.response_json


def test_regular_user_cannot_create_users(user):
    with pytest.raises(RocketApiException) as exc_info:
        name = unique("intruder")
        user.api.users_create(
            email=f"{name}@example.com", name=name, password="pw-x-1", username=name
        )
    assert_forbidden(exc_info)
