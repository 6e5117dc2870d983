import pytest

from services.identity.documents.service_accounts import ServiceAccountDocument
from services.identity.tests.integration.support import client, identity_db, outbox, provider

pytestmark = pytest.mark.integration
__all__ = ["client", "identity_db", "provider"]  # fixtures

ADMIN_A = {"subject": "admin-a", "tenant_id": "demo-town-a", "roles": ("tenant-admin",)}
ADMIN_B = {"subject": "admin-b", "tenant_id": "demo-town-b", "roles": ("tenant-admin",)}


def create(client, name="hotline", scope="intake.work_orders", as_user=ADMIN_A):
    return client.post("/service-accounts", json={"name": name, "scope": scope}, as_user=as_user)


def test_create_answers_the_secret_once_and_records_one_event(client, provider):
    response = create(client)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["client_id"] == "svc-demo-town-a-hotline"
    assert body["service_account"]["roles"] == ["center-staff"]
    (stored,) = provider.clients.values()
    assert body["client_secret"] == stored.secret
    assert stored.roles == {"center-staff"}
    assert stored.client.tenant_id == "demo-town-a"
    doc = ServiceAccountDocument.objects(tenant_id="demo-town-a").get()
    assert stored.secret not in str(doc.to_mongo())
    assert outbox(doc) == [
        (
            "service_account.created",
            1,
            {
                "service_account_id": doc.service_account_id,
                "client_id": "svc-demo-town-a-hotline",
                "name": "hotline",
                "scope": "intake.work_orders",
                "roles": ["center-staff"],
                "created_by": "admin-a",
            },
        )
    ]
    listed = client.get("/service-accounts", as_user=ADMIN_A).json
    assert "client_secret" not in listed["items"][0]
    assert listed["total"] == 1


def test_another_tenant_sees_nothing(client):
    account_id = create(client).json["service_account"]["service_account_id"]
    assert client.get("/service-accounts", as_user=ADMIN_B).json["items"] == []
    for action in ("rotate-secret", "disable", "enable"):
        path = f"/service-accounts/{account_id}/{action}"
        assert client.post(path, as_user=ADMIN_B).status_code == 404


def test_bad_input_and_duplicates(client):
    bad = create(client, scope="root")
    assert bad.status_code == 422
    assert bad.json["errors"][0]["field"] == "scope"
    assert create(client).status_code == 201
    assert create(client).status_code == 409


def test_only_tenant_admins(client):
    staff = {**ADMIN_A, "roles": ("center-staff",)}
    assert create(client, as_user=staff).status_code == 403


def test_rotate_disable_enable(client, provider):
    created = create(client).json
    account_id = created["service_account"]["service_account_id"]
    rotated = client.post(f"/service-accounts/{account_id}/rotate-secret", as_user=ADMIN_A)
    assert rotated.status_code == 200
    assert rotated.json["client_secret"] != created["client_secret"]
    (stored,) = provider.clients.values()
    assert stored.secret == rotated.json["client_secret"]

    disabled = client.post(f"/service-accounts/{account_id}/disable", as_user=ADMIN_A)
    assert disabled.json["enabled"] is False
    assert not stored.client.enabled
    client.post(f"/service-accounts/{account_id}/disable", as_user=ADMIN_A)
    doc = ServiceAccountDocument.objects(tenant_id="demo-town-a").get()
    assert [t for t, _, _ in outbox(doc)] == ["service_account.created", "service_account.disabled"]
    refused = client.post(f"/service-accounts/{account_id}/rotate-secret", as_user=ADMIN_A)
    assert refused.status_code == 409

    enabled = client.post(f"/service-accounts/{account_id}/enable", as_user=ADMIN_A)
    assert enabled.json["enabled"] is True
    assert stored.client.enabled


def test_a_client_left_by_an_interrupted_create_is_adopted(client, provider):
    provider.create_service_client(
        tenant_id="demo-town-a",
        name="hotline",
        scope="intake.work_orders",
        roles=frozenset({"center-staff"}),
    )
    response = create(client)
    assert response.status_code == 201
    assert len(provider.clients) == 1
    (stored,) = provider.clients.values()
    assert response.json["client_secret"] == stored.secret


def test_keycloak_down_is_503_and_nothing_is_stored(client, provider):
    provider.unavailable = True
    response = create(client)
    assert response.status_code == 503
    assert ServiceAccountDocument.objects(tenant_id="demo-town-a").count() == 0
