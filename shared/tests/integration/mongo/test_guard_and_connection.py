"""The tenant guard and the readiness ping against the real FerretDB."""

import time
from typing import Any, ClassVar

import mongoengine as me
import pytest

from shared.mongo.connection import connect, ping
from shared.mongo.documents import TenantDocument
from shared.mongo.guard import TenantGuardListener, cross_tenant_comment
from shared.mongo.leases import write_leases

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("mongo_db")]


class Crate(TenantDocument):
    label = me.StringField()
    meta: ClassVar[dict[str, Any]] = {
        "collection": "it_crates",
        "indexes": [("tenant_id", "label")],
    }


def test_guard_rejects_an_untenanted_query(tenant_guard: TenantGuardListener) -> None:
    Crate(tenant_id="t1", label="a").save()  # insert: no filter, allowed
    list(Crate.objects(label="a"))  # the query a repository makes impossible to write
    Crate._get_collection().update_many({"label": "a"}, {"$set": {"label": "b"}})
    violations = tenant_guard.take_violations()
    assert [(v.command_name, v.collection) for v in violations] == [
        ("find", "it_crates"),
        ("update", "it_crates"),
    ]


def test_guard_allows_tenanted_and_tagged_queries(tenant_guard: TenantGuardListener) -> None:
    Crate(tenant_id="t2", label="c").save()
    assert Crate.objects(tenant_id="t2", label="c").count() == 1
    relay_style = Crate._get_collection().find(
        {"outbox": {"$exists": True, "$ne": []}}, comment=cross_tenant_comment("outbox-relay")
    )
    list(relay_style)
    assert tenant_guard.take_violations() == []


def test_ping_answers_true_when_up_and_false_fast_when_down(mongo_db: str) -> None:
    assert ping(2.0)
    connect("mongodb://127.0.0.1:9", "nowhere", alias="down")
    started = time.monotonic()
    assert not ping(1.0, alias="down")
    assert time.monotonic() - started < 3.0
    me.disconnect("down")


def test_mongoengine_per_document_calls_stay_tenanted(tenant_guard: TenantGuardListener) -> None:
    crate = Crate(tenant_id="t3", label="d")
    crate.save()
    crate.reload()
    crate.label = "e"
    with write_leases().hold(Crate._get_collection(), crate.pk):
        crate.save()
    crate.delete()
    assert tenant_guard.take_violations() == []


def test_guard_reports_an_update_outside_the_documents_write_lease(
    tenant_guard: TenantGuardListener,
) -> None:
    crate = Crate(tenant_id="t6", label="g")
    crate.save()
    assert write_leases().enabled_for(Crate._get_collection().database), "FerretDB here"
    Crate._get_collection().update_one({"_id": crate.pk, "tenant_id": "t6"}, {"$set": {"n": 1}})
    [violation] = tenant_guard.take_violations()
    assert "write lease" in violation.detail


def test_tenant_id_cannot_change_once_stored() -> None:
    crate = Crate(tenant_id="t4", label="f")
    crate.save()
    loaded = Crate.objects(tenant_id="t4", label="f").get()
    with pytest.raises(me.OperationError, match="immutable"):
        loaded.tenant_id = "t5"
