"""Seed the demo: one district, two tenants in it, their people and a small registry.

    python -m deploy.local.seed                                   # the README's demo
    python -m deploy.local.seed --copy PREFIX --district ID       # the same under other names

Run by every ``make up``, so it converges on whatever state users left the demo in: what was
never made is made, what a user changed is left as it is, one line each ("seed: demo grid
A-V01-G2 is retired (by a user): left as is"), and the run exits 0. A second run on an unchanged
demo changes nothing and prints only the last line. Everything goes through the services'
public APIs with the demo logins' real tokens (platform.admin onboards the tenants, the tenant
admins invite their people and fill the registry); Keycloak's admin API is used only for what
the demo alone needs, keeping the documented demo password of its logins
(`identity.restore_demo_logins`). ``--copy`` seeds tenants ``PREFIX-demo-town-a`` ... with
logins ``admin.a.PREFIX`` ... into the district ``ID``, for tests (`demo.copy_of`).
"""

from __future__ import annotations

import argparse

from deploy.local.seed.api import IDENTITY, Api, Refused, left_as_is
from deploy.local.seed.demo import DEMO, Demo, copy_of
from deploy.local.seed.identity import ensure_district, seed_people, wait_for_keycloak
from deploy.local.seed.ledger import await_ledger
from deploy.local.seed.registry import seed_registry


def seed(demo: Demo) -> None:
    """Seed ``demo`` in dependency order; a tenant whose admin a user locked out is left alone."""
    keycloak = wait_for_keycloak()
    platform = Api(IDENTITY, "platform.admin")
    district_id = demo.district[0]
    ensure_district(platform, demo.district)
    ready: list[str] = []
    for tenant in demo.tenants:
        try:
            users = seed_people(keycloak, platform, tenant, district_id)
            if users is None:
                continue
            divisions = seed_registry(users, tenant, demo.registries[tenant.code])
            await_ledger(tenant.admin.username, divisions)
        except Refused as refused:
            left_as_is(f"demo tenant {tenant.code}", f"is not seeded further: {refused}")
        else:
            ready.append(tenant.code)
    left = [tenant.code for tenant in demo.tenants if tenant.code not in ready]
    print(
        f"seed: {district_id} with demo tenants {' and '.join(ready) or '(none)'} is ready"
        + (f" ({', '.join(left)} left as is)" if left else "")
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m deploy.local.seed [--copy PREFIX --district ID]``."""
    parser = argparse.ArgumentParser(prog="python -m deploy.local.seed", description=__doc__)
    parser.add_argument("--copy", metavar="PREFIX", help="seed a copy of the demo (for tests)")
    parser.add_argument("--district", metavar="ID", help="the copy's district (required)")
    args = parser.parse_args(argv)
    if bool(args.copy) != bool(args.district):
        parser.error("--copy and --district go together")
    seed(copy_of(DEMO, args.copy, args.district) if args.copy else DEMO)
