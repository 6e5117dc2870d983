"""What one seed run makes: a district, its tenants and each tenant's registry.

`DEMO` is the README's demo. `copy_of` is the same demo under other names (tenant codes and
logins), so that a test can run the real seed, change what users change and run it again,
without writing into the demo other people rely on (tests/e2e/test_seed_converges.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from deploy.local.seed.identity import DISTRICT, TENANTS, DemoTenant
from deploy.local.seed.registry import REGISTRIES, Registry


@dataclass(frozen=True)
class Demo:
    """A district (id, name) with its tenants, and each tenant's registry by tenant code."""

    district: tuple[str, str]
    tenants: tuple[DemoTenant, ...]
    registries: Mapping[str, Registry]


DEMO = Demo(DISTRICT, TENANTS, REGISTRIES)


def copy_of(demo: Demo, prefix: str, district_id: str) -> Demo:
    """``demo`` as tenants ``<prefix>-<code>`` in ``district_id``, logins ``<username>.<prefix>``.

    Logins are realm-wide and tenant names are Keycloak organization names, so both carry the
    prefix too; everything inside a tenant (codes, names, boundaries) stays the demo's.
    """
    tenants: list[DemoTenant] = []
    registries: dict[str, Registry] = {}
    for tenant in demo.tenants:
        code = f"{prefix}-{tenant.code}"
        people = tuple(replace(p, username=f"{p.username}.{prefix}") for p in tenant.people)
        tenants.append(replace(tenant, code=code, name=f"{tenant.name}（{prefix}）", people=people))
        registry = demo.registries[tenant.code]
        registries[code] = replace(registry, worker=f"{registry.worker}.{prefix}")
    return Demo((district_id, district_id), tuple(tenants), registries)
