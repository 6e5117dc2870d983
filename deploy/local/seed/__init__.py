"""Seed the demo: one district, two tenants in it, their people and a small registry.

    python -m deploy.local.seed

Run by every ``make up``; idempotent (a second run changes nothing and prints only the last
line). Everything goes through the services' public APIs with the demo logins' real tokens
(platform.admin onboards the tenants, the tenant admins invite their people and fill the
registry); Keycloak's admin API is used only for what the demo alone needs, keeping the
documented demo password of the logins identity invites (`identity.restore_demo_logins`).
"""

from __future__ import annotations

from deploy.local.seed.identity import seed_identity
from deploy.local.seed.ledger import await_ledger
from deploy.local.seed.registry import seed_registry


def main() -> None:
    """Seed everything, in dependency order."""
    for tenant in seed_identity():
        divisions = seed_registry(tenant)
        await_ledger(tenant.admin.username, divisions)
    print("seed: demo-district with demo tenants demo-town-a and demo-town-b is ready")
