"""Login, logout, /me, /api/info and personal access tokens (api.md §4, §5.1, §11)."""

import hashlib

import pytest
import requests
from rocketchat_API.APIExceptions.RocketExceptions import (
    RocketApiException,
    RocketAuthenticationException,
)
from rocketchat_API.rocketchat import RocketChat

from compat_helpers import (
    FULL_VERSION,
    NOT_LOGGED_IN_BODY,
    SHORT_VERSION,
    assert_json,
    auth_headers,
    raw_me,
    unique,
)


def assert_login_success(body, user):
    # The client requires status == "success" plus data.authToken/userId; mobile needs data.me.
    assert body["status"] == "success", body
    assert body["success"] is True
    data = body["data"]
    assert data["userId"] == user.id
    assert isinstance(data["authToken"], str) and data["authToken"]
    assert data["me"]["username"] == user.username


def test_login_with_username_sends_username_key(make_user):
    # A non-email identifier makes the client post {"username": ..., "password": ...}.
    user = make_user(login=False)
    client = RocketChat(user.username, user.password, server_url=user.url)
    assert client.headers["X-User-Id"] == user.id

    body = client.login(user.username, user.password)
    assert_login_success(body, user)
    # Each login mints a new token, and the client switches to it.
    assert client.headers["X-Auth-Token"] == body["data"]["authToken"]
    assert client.me()["username"] == user.username


def test_login_with_email_sends_user_key(make_user):
    # A lowercase email makes the client post {"user": "<email>", "password": ...}.
    user = make_user(login=False)
    client = RocketChat(user.email, user.password, server_url=user.url)
    assert client.headers["X-User-Id"] == user.id
    assert client.me()["username"] == user.username


@pytest.mark.parametrize(
    "shape",
    ["user=username", "username", "user=email", "email", "digest"],
)
def test_login_accepts_every_documented_body_shape(make_user, shape):
    user = make_user(login=False)
    digest = hashlib.sha256(user.password.encode()).hexdigest()
    body = {
        "user=username": {"user": user.username, "password": user.password},
        "username": {"username": user.username, "password": user.password},
        "user=email": {"user": user.email, "password": user.password},
        "email": {"email": user.email, "password": user.password},
        # The Meteor-style object form, with the password pre-hashed as DDP clients do.
        "digest": {
            "user": {"username": user.username},
            "password": {"digest": digest, "algorithm": "sha-256"},
        },
    }[shape]
    response = requests.post(f"{user.url}/api/v1/login", json=body, timeout=30)
    assert response.status_code == 200, response.text
    assert_login_success(assert_json(response), user)


def test_bad_password_raises_authentication_exception(make_user):
    # The client only recognises bad credentials by HTTP 401; anything else becomes a
    # RocketConnectionException, so the status code is the contract.
    user = make_user(login=False)
    with pytest.raises(RocketAuthenticationException):
        RocketChat(user.username, "wrong-password", server_url=user.url)
    with pytest.raises(RocketAuthenticationException):
        RocketChat(user.email, "wrong-password", server_url=user.url)


def test_failed_login_is_401_json(make_user, url):
    user = make_user(login=False)
    for body in (
        {"username": user.username, "password": "wrong-password"},
        {"username": unique("nobody"), "password": "whatever"},
    ):
        response = requests.post(f"{url}/api/v1/login", json=body, timeout=30)
        assert response.status_code == 401, response.text
        payload = assert_json(response)
        assert payload["success"] is False
        assert isinstance(payload.get("error"), str) and payload["error"]


def test_me_returns_own_profile(user, admin, admin_credentials):
    me = user.api.me()
    assert me["success"] is True
    assert me["_id"] == user.id
    assert me["username"] == user.username
    assert me["name"] == user.name
    assert me["roles"] == ["user"]
    assert me["emails"][0]["address"] == user.email
    assert me["status"] in {"online", "away", "busy", "offline"}
    # /me may show services.password.exists, but never hashes or login tokens.
    assert "bcrypt" not in str(me)
    assert "hashedToken" not in str(me)
    assert "loginTokens" not in str(me)

    admin_me = admin.me()
    assert admin_me["username"] == admin_credentials[0]
    assert "admin" in admin_me["roles"]


def test_logout_revokes_only_that_token(make_user):
    user = make_user(login=False)
    first = user.login()
    second = user.login()
    stale = auth_headers(first)

    body = first.logout()
    assert body["status"] == "success"
    assert body["success"] is True
    assert body["data"]["message"] == "You've been logged out!"

    # The client keeps sending the stale token: it must get the exact 401 envelope.
    with pytest.raises(RocketApiException) as exc_info:
        first.me()
    assert exc_info.value.status_code == 401
    assert exc_info.value.response_json == NOT_LOGGED_IN_BODY

    response = raw_me(user.url, stale)
    assert response.status_code == 401
    assert assert_json(response) == NOT_LOGGED_IN_BODY

    # Concurrent sessions are independent: the other token still works.
    assert second.me()["_id"] == user.id


def test_resume_login_over_rest(user):
    token = user.api.headers["X-Auth-Token"]
    response = requests.post(
        f"{user.url}/api/v1/login", json={"resume": token}, timeout=30
    )
    assert response.status_code == 200, response.text
    body = assert_json(response)
    assert body["status"] == "success"
    assert body["data"]["userId"] == user.id
    resumed = {"X-User-Id": user.id, "X-Auth-Token": body["data"]["authToken"]}
    assert raw_me(user.url, resumed).json()["username"] == user.username


def test_resume_with_unknown_token_is_401(url):
    response = requests.post(
        f"{url}/api/v1/login", json={"resume": "not-a-real-token"}, timeout=30
    )
    assert response.status_code == 401
    assert assert_json(response)["success"] is False


def test_auth_headers_are_case_insensitive(user):
    headers = {k.lower(): v for k, v in auth_headers(user.api).items()}
    response = raw_me(user.url, headers)
    assert response.status_code == 200
    assert response.json()["_id"] == user.id


def test_token_alone_is_enough_for_a_client(user):
    # RocketChat(user_id=..., auth_token=...) skips login and just sends the headers.
    client = RocketChat(
        user_id=user.id,
        auth_token=user.api.headers["X-Auth-Token"],
        server_url=user.url,
    )
    assert client.me()["_id"] == user.id


def test_info_for_admin_has_full_version(admin):
    info = admin.info()
    assert info["success"] is True
    assert "info" in info  # the upstream rocketchat_API test checks exactly this
    assert info["info"]["version"] == FULL_VERSION
    assert info["version"] == FULL_VERSION


def test_info_for_anonymous_has_major_minor(anon, url):
    info = anon.info()
    assert info["success"] is True
    assert info["version"] == SHORT_VERSION
    assert "info" not in info

    response = requests.get(f"{url}/api/info", timeout=30)
    assert response.status_code == 200
    body = assert_json(response)
    assert body["success"] is True
    assert body["version"] == SHORT_VERSION
    assert "minimumClientVersions" in body


def test_info_for_unprivileged_user_has_major_minor(user):
    # Only view-statistics holders see build details and the patch version.
    info = user.api.info()
    assert info["success"] is True
    assert info["version"] == SHORT_VERSION
    assert "info" not in info


def test_personal_access_token_works_like_a_login_token(user):
    # rocketchat_API 3.7.1 has no wrapper for these endpoints; a script would use the
    # client's generic call_api_* helpers exactly like this.
    name = unique("pat")
    created = user.api.call_api_post(
        "users.generatePersonalAccessToken", tokenName=name, bypassTwoFactor=True
    )
    assert created["success"] is True
    token = created["token"]
    pat_headers = {"X-User-Id": user.id, "X-Auth-Token": token}

    response = raw_me(user.url, pat_headers)
    assert response.status_code == 200
    assert response.json()["username"] == user.username

    listed = user.api.call_api_get("users.getPersonalAccessTokens")
    entries = [t for t in listed["tokens"] if t["name"] == name]
    assert len(entries) == 1
    assert entries[0]["lastTokenPart"] == token[-6:]
    assert "hashedToken" not in entries[0]

    # A second token with the same name is refused.
    with pytest.raises(RocketApiException) as exc_info:
        user.api.call_api_post(
            "users.generatePersonalAccessToken", tokenName=name, bypassTwoFactor=True
        )
    assert exc_info.value.status_code == 400

    removed = user.api.call_api_post("users.removePersonalAccessToken", tokenName=name)
    assert removed["success"] is True
    response = raw_me(user.url, pat_headers)
    assert response.status_code == 401
    assert response.json() == NOT_LOGGED_IN_BODY
