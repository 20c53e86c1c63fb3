"""Fixtures for the rocketchat_API (PyPI `rocketchat-api` 3.7.1) compatibility suite.

The suite talks to a running server named by environment variables (run.sh starts one):

    ROCKETCHAT_URL              base URL, e.g. http://127.0.0.1:3000
    ROCKETCHAT_ADMIN_USER       the admin seeded with ADMIN_USERNAME/ADMIN_PASS
    ROCKETCHAT_ADMIN_PASS
    ROCKETCHAT_TOKEN_SECRET     the server's CREATE_TOKENS_FOR_USERS_SECRET (default compat-secret)

Nothing here touches the network at import or collection time: every connection is made
lazily inside a fixture, so `pytest --collect-only` works without a server.

Tests must not depend on order or on an empty database (the PostgreSQL run and a re-run on
a kept data directory see leftovers): every object they create gets a unique name.
"""

import os
from dataclasses import dataclass, field

import pytest
from rocketchat_API.APIExceptions.RocketExceptions import RocketApiException
from rocketchat_API.rocketchat import RocketChat

from compat_helpers import unique


@dataclass
class CompatUser:
    """A regular user created by the admin for one test."""

    id: str
    username: str
    name: str
    email: str
    password: str
    url: str
    # The client logged in as this user (None when the factory was asked not to log in).
    api: RocketChat = field(default=None, repr=False)

    def login(self):
        """A new client with a fresh login token (each login creates one, RC allows many)."""
        return RocketChat(self.username, self.password, server_url=self.url)


@pytest.fixture(scope="session")
def url():
    return os.environ.get("ROCKETCHAT_URL", "http://127.0.0.1:3000").rstrip("/")


@pytest.fixture(scope="session")
def admin_credentials():
    return (
        os.environ.get("ROCKETCHAT_ADMIN_USER", "compatadmin"),
        os.environ.get("ROCKETCHAT_ADMIN_PASS", "compatadmin"),
    )


@pytest.fixture(scope="session")
def token_secret():
    return os.environ.get("ROCKETCHAT_TOKEN_SECRET", "compat-secret")


@pytest.fixture(scope="session")
def admin(url, admin_credentials):
    """The seeded admin, logged in once for the whole session.

    Tests must never log this client out; logout tests log in separately.
    """
    user, password = admin_credentials
    return RocketChat(user, password, server_url=url)


@pytest.fixture
def anon(url):
    """A client that never logged in (sends no auth headers)."""
    return RocketChat(server_url=url)


@pytest.fixture
def make_user(admin, url):
    """Factory: create a regular user through `users.create` and (by default) log in as them.

    Users are deleted again at teardown so repeated runs on one database stay small;
    a test that already deleted its user is fine (the error is ignored).
    """
    created = []

    def _make(login=True, **extra):
        username = unique("compat")
        user = CompatUser(
            id="",
            username=username,
            name=f"Compat {username}",
            email=f"{username}@example.com",
            password=f"pw-{unique('secret')}",
            url=url,
        )
        response = admin.users_create(
            email=user.email,
            name=user.name,
            password=user.password,
            username=user.username,
            **extra,
        )
        assert response.get("success") is True, response
        user.id = response["user"]["_id"]
        created.append(user.id)
        if login:
            user.api = user.login()
        return user

    yield _make

    for user_id in created:
        try:
            admin.users_delete(user_id)
        except RocketApiException:
            pass


@pytest.fixture
def user(make_user):
    """One fresh, logged-in regular user."""
    return make_user()
