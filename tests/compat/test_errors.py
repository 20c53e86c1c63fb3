"""The error envelope and HTTP details the client cannot express (api.md §1.1, §1.5, §13).

These use `requests` directly because rocketchat_API always sends well-formed JSON and
always sends its auth headers once logged in.
"""

import pytest
import requests

from compat_helpers import NOT_LOGGED_IN_BODY, assert_json, auth_headers, unique


@pytest.fixture
def api(url):
    return f"{url}/api/v1"


@pytest.fixture
def admin_headers(admin):
    return auth_headers(admin)


def test_me_without_token_is_401_with_exact_body(api):
    response = requests.get(f"{api}/me", timeout=30)
    assert response.status_code == 401
    assert assert_json(response) == NOT_LOGGED_IN_BODY


@pytest.mark.parametrize(
    "headers",
    [
        {"X-User-Id": "NoSuchUserId12345", "X-Auth-Token": "bogus"},
        {"X-Auth-Token": "bogus"},
        {"X-User-Id": "NoSuchUserId12345"},
    ],
    ids=["both-bogus", "token-only", "user-only"],
)
def test_bad_or_partial_credentials_are_401(api, headers):
    response = requests.get(f"{api}/me", headers=headers, timeout=30)
    assert response.status_code == 401
    assert assert_json(response) == NOT_LOGGED_IN_BODY


def test_valid_user_id_with_wrong_token_is_401(api, admin):
    headers = {"X-User-Id": admin.headers["X-User-Id"], "X-Auth-Token": "bogus"}
    response = requests.get(f"{api}/me", headers=headers, timeout=30)
    assert response.status_code == 401
    assert assert_json(response) == NOT_LOGGED_IN_BODY


def test_post_without_token_is_401(api):
    name = unique("anon")
    response = requests.post(
        f"{api}/users.create",
        json={"email": f"{name}@example.com", "name": name, "password": "x", "username": name},
        timeout=30,
    )
    assert response.status_code == 401
    assert assert_json(response) == NOT_LOGGED_IN_BODY


def test_unknown_route_is_json_404(api, admin_headers):
    response = requests.get(f"{api}/no.such.endpoint", headers=admin_headers, timeout=30)
    assert response.status_code == 404
    assert assert_json(response)["success"] is False


@pytest.mark.parametrize("endpoint", ["login", "users.create"])
def test_malformed_json_body_is_400(api, admin_headers, endpoint):
    headers = dict(admin_headers, **{"Content-Type": "application/json"})
    response = requests.post(
        f"{api}/{endpoint}", data=b'{"username": "x", ', headers=headers, timeout=30
    )
    assert response.status_code == 400, response.text
    body = assert_json(response)
    assert body["success"] is False
    assert isinstance(body.get("errorType"), str) and body["errorType"]


def test_missing_required_param_is_400(api, admin_headers):
    response = requests.get(f"{api}/users.info", headers=admin_headers, timeout=30)
    assert response.status_code == 400, response.text
    body = assert_json(response)
    assert body["success"] is False
    assert isinstance(body.get("errorType"), str) and body["errorType"]
    assert isinstance(body.get("error"), str) and body["error"]


def test_success_responses_are_plain_application_json(url, api, admin_headers):
    # Real test suites compare the header literally: no `; charset=utf-8`.
    for response in (
        requests.get(f"{url}/api/info", timeout=30),
        requests.get(f"{api}/me", headers=admin_headers, timeout=30),
        requests.get(f"{api}/settings.public", timeout=30),
    ):
        assert response.status_code == 200
        assert assert_json(response)["success"] is True


def test_api_responses_are_not_cacheable(api, admin_headers):
    response = requests.get(f"{api}/me", headers=admin_headers, timeout=30)
    assert response.headers.get("Cache-Control") == "no-store"
    assert response.headers.get("Pragma") == "no-cache"


def test_unknown_query_parameters_are_ignored(api, admin_headers):
    response = requests.get(
        f"{api}/me", params={"unexpected": "1"}, headers=admin_headers, timeout=30
    )
    assert response.status_code == 200
    assert assert_json(response)["success"] is True


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/login", "/api/v1/users.create"])
def test_options_preflight_is_200_without_auth(url, path):
    response = requests.options(
        f"{url}{path}",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-user-id, x-auth-token, content-type",
        },
        timeout=30,
    )
    assert response.status_code == 200
