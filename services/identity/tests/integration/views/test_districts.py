import pytest

from services.identity.tests.integration.support import PLATFORM, client, identity_db, provider

pytestmark = pytest.mark.integration
__all__ = ["client", "identity_db", "provider"]  # fixtures


def test_platform_admins_create_and_list_districts(client):
    response = client.post(
        "/districts", json={"district_id": "east-district", "name": "东区"}, as_user=PLATFORM
    )
    assert response.status_code == 201
    listed = client.get("/districts", as_user=PLATFORM).json
    assert [d["district_id"] for d in listed["items"]] == ["demo-district", "east-district"]
    assert listed["total"] == 2


def test_duplicate_is_409_and_bad_id_is_422(client):
    again = client.post(
        "/districts", json={"district_id": "demo-district", "name": "x"}, as_user=PLATFORM
    )
    assert again.status_code == 409
    bad = client.post("/districts", json={"district_id": "A", "name": "x"}, as_user=PLATFORM)
    assert bad.status_code == 422
    assert bad.json["errors"][0]["field"] == "district_id"


def test_others_may_not_touch_districts(client):
    admin = {"subject": "a", "tenant_id": "demo-town-a", "roles": ("tenant-admin",)}
    assert client.get("/districts", as_user=admin).status_code == 403
    body = {"district_id": "west-district", "name": "西区"}
    assert client.post("/districts", json=body, as_user=admin).status_code == 403
