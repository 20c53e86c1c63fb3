"""roles.* and permissions.* (api.md §2.5, §3, §5.7)."""

import pytest
from rocketchat_API.APIExceptions.RocketExceptions import RocketApiException

from compat_helpers import assert_forbidden, collect, unique

OLD_DATE = "2017-11-25T15:08:17.248Z"  # what rocketchat_API's own suite passes
FUTURE_DATE = "2999-01-01T00:00:00.000Z"


def users_in_role(client, role, **kwargs):
    return {u["username"] for u in collect(client.roles_get_users_in_role(role=role, **kwargs))}


def test_roles_list_has_builtin_roles(admin):
    result = admin.roles_list()
    assert result["success"] is True
    roles = {r["_id"]: r for r in result["roles"]}
    for role_id in ("admin", "user", "bot", "owner", "moderator", "leader"):
        assert role_id in roles, role_id
        assert roles[role_id]["name"] == role_id
    assert roles["admin"]["scope"] == "Users"
    assert roles["admin"]["protected"] is True
    for room_role in ("owner", "moderator", "leader"):
        assert roles[room_role]["scope"] == "Subscriptions"


def test_roles_create(admin):
    name = unique("role")
    created = admin.roles_create(name=name, scope="Users", description="compat role")
    assert created["success"] is True
    role = created["role"]
    assert role["name"] == name
    assert role["scope"] == "Users"
    assert role["description"] == "compat role"
    assert role["_id"]

    assert name in {r["name"] for r in admin.roles_list()["roles"]}


def test_add_list_remove_user_in_custom_role(admin, make_user):
    user = make_user(login=False)
    role = admin.roles_create(name=unique("role"), scope="Users")["role"]

    added = admin.roles_add_user_to_role(role_id=role["_id"], username=user.username)
    assert added["success"] is True
    assert added["role"]["_id"] == role["_id"]
    assert users_in_role(admin, role["_id"]) == {user.username}
    assert role["_id"] in admin.users_info(user_id=user.id)["user"]["roles"]

    raw = admin.call_api_get("roles.getUsersInRole", role=role["_id"], offset=0, count=10)
    assert raw["total"] == 1
    assert raw["users"][0]["_id"] == user.id

    removed = admin.roles_remove_user_from_role(role_id=role["_id"], username=user.username)
    assert removed["success"] is True
    assert users_in_role(admin, role["_id"]) == set()
    assert role["_id"] not in admin.users_info(user_id=user.id)["user"]["roles"]


def test_room_scoped_role_in_general(admin, make_user):
    # New users auto-join GENERAL, so a Subscriptions-scoped role can be granted there.
    user = make_user(login=False)
    admin.roles_add_user_to_role(role_id="moderator", username=user.username, roomId="GENERAL")
    assert user.username in users_in_role(admin, "moderator", roomId="GENERAL")

    # Removal names the room `scope`, not `roomId` (RC's asymmetry, kept by clients).
    admin.roles_remove_user_from_role(
        role_id="moderator", username=user.username, scope="GENERAL"
    )
    assert user.username not in users_in_role(admin, "moderator", roomId="GENERAL")


def test_builtin_user_role_lists_regular_users(admin, make_user):
    user = make_user(login=False)
    assert user.username in users_in_role(admin, "user")


def test_roles_sync(admin):
    name = unique("role")
    admin.roles_create(name=name, scope="Users")

    synced = admin.roles_sync(updated_since=OLD_DATE)
    assert synced["success"] is True
    updated = {r["_id"] for r in synced["roles"]["update"]}
    assert {"admin", "user", "owner"} <= updated
    assert name in {r["name"] for r in synced["roles"]["update"]}
    assert isinstance(synced["roles"]["remove"], list)

    later = admin.roles_sync(updated_since=FUTURE_DATE)
    assert later["roles"]["update"] == []


def test_permissions_list_all(admin, user):
    for client in (admin, user.api):
        result = client.permissions_list_all()
        assert result["success"] is True
        assert isinstance(result["remove"], list)
        perms = {p["_id"]: p for p in result["update"]}
        assert {"user", "admin"} <= set(perms["create-c"]["roles"])
        assert "admin" in perms["view-statistics"]["roles"]

    later = admin.permissions_list_all(updatedSince=FUTURE_DATE)
    assert later["update"] == []


def test_permissions_update(admin):
    def roles_of(result, perm_id):
        return next(p["roles"] for p in result if p["_id"] == perm_id)

    perm_id = "add-user-to-any-c-room"
    original = roles_of(admin.permissions_list_all()["update"], perm_id)
    wanted = sorted(set(original) | {"bot"})
    try:
        result = admin.permissions_update(permissions=[{"_id": perm_id, "roles": wanted}])
        assert result["success"] is True
        assert sorted(roles_of(result["permissions"], perm_id)) == wanted
        listed = admin.permissions_list_all(updatedSince=OLD_DATE)["update"]
        assert sorted(roles_of(listed, perm_id)) == wanted
    finally:
        admin.permissions_update(permissions=[{"_id": perm_id, "roles": original}])
    assert sorted(roles_of(admin.permissions_list_all()["update"], perm_id)) == sorted(original)


def test_regular_user_cannot_update_permissions(user):
    with pytest.raises(RocketApiException) as exc_info:
        user.api.permissions_update(permissions=[{"_id": "create-c", "roles": ["admin"]}])
    assert_forbidden(exc_info)
