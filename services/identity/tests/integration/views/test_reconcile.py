"""Reconciliation over HTTP for platform admins (real FerretDB, in-memory provider)."""

from __future__ import annotations

import pytest

from services.identity.tests.integration.drift import TENANT, drift, provider
from services.identity.views import install_provider
from services.identity.views import reconcile as views

pytestmark = pytest.mark.integration
__all__ = ["provider"]  # fixture


def test_platform_admins_reconcile_over_http(api_client, provider):
    api = api_client((views.blp,))
    install_provider(api.app, provider)
    drift(provider)
    admin = {"subject": "root", "tenant_id": None, "roles": ("platform-admin",)}

    report = api.post(f"/tenants/{TENANT}/reconcile", as_user=admin)
    assert report.status_code == 200, report.get_json()
    assert report.get_json()["clean"] is False
    repaired = api.post(f"/tenants/{TENANT}/reconcile?repair=true", as_user=admin).get_json()
    assert repaired["clean"] is True
    assert api.post(f"/tenants/{TENANT}/reconcile", as_user=admin).get_json()["findings"] == []
    assert api.post("/tenants/t-unknown/reconcile", as_user=admin).status_code == 404
    assert api.post(f"/tenants/{TENANT}/reconcile").status_code == 403  # a tenant admin
    bad = api.post(f"/tenants/{TENANT}/reconcile?repair=maybe", as_user=admin)
    assert [error["field"] for error in bad.get_json()["errors"]] == ["repair"]
