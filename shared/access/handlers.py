"""identity's events -> the service's revocations. Idempotent: each event sets a state."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from shared.access.repository import TENANT, AccountStates, client_key, user_key
from shared.events.envelope import Envelope
from shared.events.topics import Topic
from shared.kafka.consumer import Route

# type -> (subject of the event, revoked after it); user events carry `enabled` themselves.
_TENANT_EVENTS: Mapping[str, Callable[[Envelope], tuple[str, bool]]] = {
    "tenant.onboarded": lambda e: (TENANT, False),
    "tenant.reactivated": lambda e: (TENANT, False),
    "tenant.offboarded": lambda e: (TENANT, True),
    "service_account.created": lambda e: (client_key(e.payload["client_id"]), False),
    "service_account.disabled": lambda e: (client_key(e.payload["client_id"]), True),
}


def _record(envelope: Envelope, subject: str, revoked: bool) -> None:
    AccountStates(envelope.tenant_id).record(
        subject, revoked=revoked, changed_at=envelope.occurred_at, event_id=envelope.event_id
    )


def user_changed(envelope: Envelope) -> None:
    """Every ``user.*`` event carries the account's state after it, ``enabled`` included."""
    _record(envelope, user_key(envelope.payload["user_id"]), not envelope.payload["enabled"])


def tenant_changed(envelope: Envelope) -> None:
    """Tenant and API-client events; other types on the topic are not about access."""
    judge = _TENANT_EVENTS.get(envelope.type)
    if judge is not None:
        _record(envelope, *judge(envelope))


ROUTES = (
    Route(Topic.IDENTITY_USERS, user_changed),
    Route(Topic.IDENTITY_TENANTS, tenant_changed),
)
