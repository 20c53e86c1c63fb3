"""Constants and small helpers shared by the compatibility tests.

The error bodies here are copied from Rocket.Chat's behaviour as recorded in
shared/rocketchat/api.md (§1.5, Appendix B); clients compare some of them literally.
"""

import itertools
import uuid

import requests

# 401 for a missing or stale X-User-Id/X-Auth-Token. RC 8 dropped `status`/`message`,
# older servers sent them; Apogee sends the superset so both kinds of client are happy.
NOT_LOGGED_IN_BODY = {
    "success": False,
    "status": "error",
    "error": "You must be logged in to do this.",
    "message": "You must be logged in to do this.",
}

# 403 when a route's required permission is missing (RC >= 8 wording).
FORBIDDEN_ERROR = (
    "User does not have the permissions required for this action [error-forbidden]"
)

# The version Apogee claims (api.md §11): full to privileged callers, major.minor to others.
FULL_VERSION = "8.5.0"
SHORT_VERSION = "8.5"


def unique(prefix="compat"):
    """A name no other test (or earlier run on the same database) uses.

    Lowercase hex only: usernames must pass RC's default `[0-9a-zA-Z-_.]+` check and
    emails built from it must match the client's lowercase-only email regex, or the
    client would log in with `username` instead of `user`.
    """
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def collect(generator, limit=5000):
    """Drain one of the client's paginated generators, but never forever.

    The client keeps requesting `offset += count` while pages come back full; a server
    that ignores `offset` or returns more than `count` items would make it loop without
    end, so the cap turns that bug into a failed assertion instead of a hung CI run.
    """
    items = list(itertools.islice(generator, limit + 1))
    assert len(items) <= limit, "paginated iteration did not terminate"
    return items


def auth_headers(client):
    """The X-User-Id/X-Auth-Token pair a logged-in RocketChat client sends."""
    return {
        "X-User-Id": client.headers["X-User-Id"],
        "X-Auth-Token": client.headers["X-Auth-Token"],
    }


def raw_me(url, headers):
    """GET /api/v1/me with exactly the given headers, bypassing the client."""
    return requests.get(f"{url}/api/v1/me", headers=headers, timeout=30)


def assert_json(response):
    """Every Rocket.Chat answer is JSON served as exactly `application/json`."""
    assert response.headers.get("Content-Type") == "application/json", (
        response.headers.get("Content-Type"),
        response.text[:200],
    )
    return response.json()


def assert_forbidden(exc_info):
    """A RocketApiException for a 403 permission failure with RC 8's body."""
    exc = exc_info.value
    assert exc.status_code == 403, (exc.status_code, exc.response)
    assert exc.response_json.get("success") is False
    assert exc.response_json.get("error") == FORBIDDEN_ERROR, exc.response_json


def assert_api_error(exc_info, error_type=None, status=400, error=None):
    """A RocketApiException with Rocket.Chat's failure envelope.

    `error_type` is the Meteor code (also found as `[code]` at the end of `error`);
    `error_type=None` with `error` given checks a plain-string failure, which has no
    `errorType` at all (API.v1.failure("...")).
    """
    exc = exc_info.value
    body = exc.response_json
    assert exc.status_code == status, (exc.status_code, body)
    assert body.get("success") is False, body
    if error_type is not None:
        assert body.get("errorType") == error_type, body
        assert body.get("error", "").endswith(f"[{error_type}]"), body
    if error is not None:
        assert body.get("error") == error, body
        if error_type is None:
            assert "errorType" not in body, body
    return body


def history_page(client, room_id, kind="channels", **params):
    """One raw `<kind>.history` page (the library's wrappers are generators)."""
    result = client.call_api_get(f"{kind}.history", roomId=room_id, **params)
    assert result["success"] is True, result
    return result["messages"]


def system_messages(client, room_id, kind="channels"):
    """(t, msg, actor username) of every system message in a room, newest first."""
    return [
        (m["t"], m["msg"], m["u"]["username"])
        for m in history_page(client, room_id, kind, count=100)
        if m.get("t")
    ]
