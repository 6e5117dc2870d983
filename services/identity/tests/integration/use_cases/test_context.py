"""Events recorded through a context's repositories carry its producer and correlation id."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.identity.documents.tenants import TenantRecordDocument
from services.identity.documents.users import UserDocument
from services.identity.domain import users as domain
from services.identity.tests.integration.drift import TENANT, offboarded_tenant, provider
from services.identity.use_cases.context import IdentityContext
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration
__all__ = ["provider"]  # fixture

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_a_user_event_is_stamped_with_the_contexts_origin_and_tenant(fresh_db):
    ctx = IdentityContext(tenant_id="t-a", actor="admin-1", correlation_id="req-7")
    profile = domain.Profile(display_name="张伟", email=None, phone="13800138000")
    user, invited = domain.invite(
        user_id="u-1",
        tenant_id=ctx.tenant_id,
        username="zhang.wei",
        login="zhang.wei@t-a",
        profile=profile,
        roles=("grid-worker",),
        actor=ctx.actor,
        now=NOW,
    )

    ctx.users.add_user(user, [invited])

    [entry] = UserDocument.objects(tenant_id="t-a", pk="u-1").get().outbox
    envelope = Envelope.parse(entry.envelope)
    assert (envelope.producer, envelope.correlation_id, envelope.tenant_id) == (
        "identity",
        "req-7",
        "t-a",
    )
    assert (envelope.type, envelope.version, envelope.occurred_at) == ("user.invited", 1, NOW)
    assert (entry.topic, entry.key) == ("gridgov.identity.users", "t-a:u-1")
    assert envelope.payload == invited.payload()


def test_a_platform_request_records_the_tenants_event_in_the_tenants_outbox(fresh_db, provider):
    offboarded_tenant(provider, correlation_id="req-8")

    entry = TenantRecordDocument.objects(tenant_id=TENANT).get().outbox[-1]
    envelope = Envelope.parse(entry.envelope)
    assert (envelope.type, envelope.producer, envelope.correlation_id, envelope.tenant_id) == (
        "tenant.offboarded",
        "identity",
        "req-8",
        TENANT,
    )
    assert (entry.topic, entry.key) == ("gridgov.identity.tenants", f"{TENANT}:{TENANT}")
    assert envelope.payload["offboarded_by"] == "platform-1"
