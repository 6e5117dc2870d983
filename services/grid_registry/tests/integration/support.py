"""What grid_registry's integration tests share: the tenant's accounts as identity announced them.

The service knows a tenant's users only from identity's ``user.*`` events, which its worker
records in ``account_states`` (`shared.access`); a membership may name only those. Tests that
assign users record them the same way first, with `known_users`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.access import AccountStates
from shared.access.repository import user_key

ANNOUNCED_AT = datetime(2020, 1, 1, tzinfo=UTC)


def known_users(tenant_id: str, *user_ids: str) -> None:
    """Record ``user_ids`` as enabled accounts of ``tenant_id``, as the worker does when
    identity's event about each arrives."""
    accounts = AccountStates(tenant_id)
    for user_id in user_ids:
        accounts.record(
            user_key(user_id),
            revoked=False,
            changed_at=ANNOUNCED_AT,
            event_id=f"test-user-invited-{tenant_id}-{user_id}",
        )
