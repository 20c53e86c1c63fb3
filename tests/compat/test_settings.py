"""Settings, statistics, spotlight and directory (api.md §3, §5.1)."""

import pytest
from rocketchat_API.APIExceptions.RocketExceptions import RocketApiException

from compat_helpers import assert_forbidden, collect, unique


def test_settings_public_without_login(anon):
    # Clients read these before anyone logs in (mobile: uniqueID for the version check).
    settings = {s["_id"]: s for s in collect(anon.settings_public())}
    assert "Site_Name" in settings
    assert "uniqueID" in settings
    assert isinstance(settings["uniqueID"]["value"], str) and settings["uniqueID"]["value"]
    for setting in settings.values():
        assert "value" in setting


def test_settings_public_id_filter(anon):
    raw = anon.call_api_get("settings.public", _id="Site_Name,uniqueID")
    assert raw["success"] is True
    assert {s["_id"] for s in raw["settings"]} == {"Site_Name", "uniqueID"}
    assert raw["count"] == 2
    assert raw["total"] == 2
    assert raw["offset"] == 0

    # The same filter through the client's paginated wrapper.
    only = collect(anon.settings_public(_id="uniqueID"))
    assert [s["_id"] for s in only] == ["uniqueID"]


def test_service_configurations(anon):
    result = anon.service_configurations()
    assert result["success"] is True
    assert isinstance(result["configurations"], list)


def test_admin_settings_include_private_ones(admin, anon):
    public = {s["_id"] for s in collect(anon.settings_public())}
    everything = {s["_id"]: s for s in collect(admin.settings())}
    assert public <= set(everything)
    assert len(everything) > len(public)  # admins also see the private ones
    # The setting the rocketchat_API suite reads back; RC's default is true.
    assert "API_Allow_Infinite_Count" in everything

    got = admin.settings_get(_id="API_Allow_Infinite_Count")
    assert got["success"] is True
    assert got["_id"] == "API_Allow_Infinite_Count"
    assert got["value"] is True


def test_regular_user_settings_are_public_only(user, anon):
    public = {s["_id"] for s in collect(anon.settings_public())}
    seen = {s["_id"] for s in collect(user.api.settings())}
    assert seen <= public


def test_settings_update_round_trip(admin, anon):
    original = admin.settings_get(_id="Site_Name")["value"]
    new_name = unique("Site")
    try:
        assert admin.settings_update(_id="Site_Name", value=new_name)["success"] is True
        assert admin.settings_get(_id="Site_Name")["value"] == new_name
        public = collect(anon.settings_public(_id="Site_Name"))
        assert public[0]["value"] == new_name
    finally:
        admin.settings_update(_id="Site_Name", value=original)
    assert admin.settings_get(_id="Site_Name")["value"] == original


def test_regular_user_cannot_read_or_change_private_settings(user, admin):
    before = admin.settings_get(_id="Site_Name")["value"]
    with pytest.raises(RocketApiException) as exc_info:
        user.api.settings_update(_id="Site_Name", value="hijacked")
    assert_forbidden(exc_info)
    assert admin.settings_get(_id="Site_Name")["value"] == before

    with pytest.raises(RocketApiException) as exc_info:
        user.api.settings_get(_id="API_Allow_Infinite_Count")
    assert_forbidden(exc_info)


def test_statistics(admin):
    stats = admin.statistics()
    assert stats["success"] is True
    # The sample of keys rocketchat_API's own suite checks.
    for key in (
        "wizard",
        "uniqueId",
        "installedAt",
        "deploymentFingerprintHash",
        "deploymentFingerprintVerified",
    ):
        assert key in stats, key


def test_statistics_list(admin):
    assert len(collect(admin.statistics_list())) > 0


def test_spotlight_finds_users_and_rooms(admin, make_user):
    user = make_user(login=False)
    found = admin.spotlight(query=user.username)
    assert found["success"] is True
    # Both keys always, even when one side has no hits.
    assert isinstance(found["rooms"], list)
    assert user.username in {u["username"] for u in found["users"]}
    hit = next(u for u in found["users"] if u["username"] == user.username)
    assert hit["_id"] == user.id

    rooms = admin.spotlight(query="general")
    assert isinstance(rooms["users"], list)
    assert "GENERAL" in {r["_id"] for r in rooms["rooms"]}


def test_directory_users_with_json_query(admin, make_user):
    user = make_user(login=False)
    # The client serialises a dict query as JSON text and sends it unencoded.
    results = collect(admin.directory(query={"text": user.username, "type": "users"}))
    assert user.id in {r["_id"] for r in results}
    for result in results:
        assert "_id" in result

    as_string = collect(admin.directory(query=f'{{"text": "{user.username}", "type": "users"}}'))
    assert user.id in {r["_id"] for r in as_string}


def test_directory_channels(admin):
    results = collect(admin.directory(query={"text": "general", "type": "channels"}))
    assert "GENERAL" in {r["_id"] for r in results}
