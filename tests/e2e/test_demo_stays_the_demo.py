"""After every other test, each demo tenant holds exactly what `make up`'s seed put there.

The suites write into tenants of their own (tests/tenants.py); a test that wrote into
`demo-town-a` or `demo-town-b` would leave its divisions, grids or people in the demo a newcomer
reads about in the README, for good. This check runs last (marker ``last``, see
tests/conftest.py) and compares, through the APIs as the demo's own logins and through
Keycloak's admin API, every demo tenant with the seed's own data (`deploy.local.seed`): logins,
directory, divisions, grids, teams, key subjects, base information, filings, service accounts,
the ledger's divisions, and the demo district's tenants.

It fails too on a stack whose demo earlier test runs already wrote into: `make reset && make up`
restores the demo (it deletes all local state).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from deploy.local.seed.identity import DISTRICT, TENANTS, DemoTenant, keycloak_admin
from deploy.local.seed.registry import (
    BASE_INFO_DATE,
    REGISTRIES,
    figures_of,
    subjects_of,
    team_of,
)

pytestmark = [pytest.mark.e2e, pytest.mark.last]

PAGE_SIZE = 200  # the platform's largest page
ACTIVE = "active"  # what the seed leaves its grids and key subjects


def items(client: Any, path: str, **params: Any) -> Iterator[dict[str, Any]]:
    """Every item of a paginated list (the request must succeed)."""
    page = 1
    while True:
        response = client.get(path, params={**params, "page": page, "page_size": PAGE_SIZE})
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        body = response.json()
        yield from body["items"]
        if page * PAGE_SIZE >= body["total"] or not body["items"]:
            return
        page += 1


def statuses(client: Any, path: str) -> list[str]:
    """Every value of the ``status`` filter of ``GET path``, from the service's own OpenAPI
    (lists show only active objects by default; retired and archived ones count too)."""
    spec = client.get("/openapi.json").json()
    (status,) = (p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == "status")
    return list(status["schema"]["enum"])


def member_key(grid_code: str, m: dict[str, Any]) -> tuple[Any, ...]:
    return (grid_code, m["role"], m["person_name"], m["user_id"], m["starts_on"], m["ends_on"])


def figures_key(grid_code: str, line: dict[str, Any]) -> tuple[Any, ...]:
    figures = (line["expected"], line["collected"], line["verified"])
    return (grid_code, line["category"], line["sub_category"], *figures, line["as_of"])


@dataclass(frozen=True)
class Found:
    """What a demo tenant holds now, by aspect, and the ids the seed's data is matched with."""

    aspects: dict[str, set[Any]]
    worker_id: str | None  # the demo grid worker's directory id (the seed puts it on a team)
    checklist: set[str]  # filing item codes
    division_ids: dict[str, str]  # by code


def seeded(tenant: DemoTenant, now: Found) -> dict[str, set[Any]]:
    """What the seed creates in ``tenant``, aspect by aspect, in the shapes of ``found``."""
    registry = REGISTRIES[tenant.code]
    grid_codes = [
        f"{division.code}-G{index + 1}"
        for division in registry.divisions
        for index in range(division.grids)
    ]
    worker = next(person for person in tenant.people if person.username == registry.worker)
    # The seed registers subjects and base information only where there are two grids or more,
    # and files every checklist item it adds for its one filed division.
    several = len(grid_codes) > 1
    by_code = [
        {"grid_id": code, "boundary": {"coordinates": [[[0.0, 0.0]]]}} for code in grid_codes
    ]
    filed = registry.filed_division
    return {
        "logins": {person.username for person in tenant.people},
        "directory": {(p.username, tuple(sorted(p.roles)), True) for p in tenant.people},
        "divisions": {(d.code, d.name, d.kind) for d in registry.divisions},
        "grids": {(code, ACTIVE) for code in grid_codes},
        "team members": {
            member_key(code, {"user_id": None, "ends_on": None, **member})
            for position, code in enumerate(grid_codes)
            for member in team_of(position, (now.worker_id or "?", worker.display_name))
        },
        "key subjects": {
            (subject["grid_id"], subject["category"], subject["name"], ACTIVE)
            for subject in (subjects_of(by_code) if several else [])
        },
        "base information": {
            figures_key(
                code,
                {"category": category, "sub_category": sub_category, "as_of": BASE_INFO_DATE}
                | figures,
            )
            for position, code in enumerate(grid_codes if several else [])
            for (category, sub_category), figures in figures_of(position).items()
        },
        "filing checklist": now.checklist if filed else set(),
        "filings": {(filed, item) for item in now.checklist} if filed else set(),
        "service accounts": set(),  # the seed makes none
        "ledger divisions": {
            now.division_ids[d.code] for d in registry.divisions if d.code in now.division_ids
        },
    }


def found(api: Any, tenant: DemoTenant) -> Found:
    """What ``tenant`` holds now: through the APIs as its admin, its logins from Keycloak."""
    admin = tenant.admin.username
    identity = api("identity", admin)
    registry = api("grid_registry", admin)

    directory = list(items(identity, "/users"))
    worker = REGISTRIES[tenant.code].worker
    worker_id = next((user["user_id"] for user in directory if user["username"] == worker), None)
    divisions = list(items(registry, "/divisions"))
    grids = [
        grid
        for status in statuses(registry, "/grids")
        for grid in items(registry, "/grids", status=status)
    ]
    code_of = {grid["grid_id"]: grid["code"] for grid in grids}
    checklist = {item["code"] for item in items(registry, "/filing-items")}
    filings = {
        (division["code"], line["item_code"])
        for division in divisions
        for line in items(registry, f"/divisions/{division['division_id']}/filings")
        if line.get("filing")
    }
    logins = keycloak_admin().get_users({"q": f"tenant_id:{tenant.code}"})
    ledger = items(api("scoring", admin), "/ledger", metric="registry.divisions")
    aspects = {
        "logins": {user["username"] for user in logins},
        "directory": {(u["username"], tuple(sorted(u["roles"])), u["enabled"]) for u in directory},
        "divisions": {(d["code"], d["name"], d["kind"]) for d in divisions},
        "grids": {(grid["code"], grid["status"]) for grid in grids},
        "team members": {
            member_key(grid["code"], m)
            for grid in grids
            for m in items(registry, f"/grids/{grid['grid_id']}/team/members")
        },
        "key subjects": {
            (code_of.get(s["grid_id"], s["grid_id"]), s["category"], s["name"], s["status"])
            for status in statuses(registry, "/subjects")
            for s in items(registry, "/subjects", status=status)
        },
        "base information": {
            figures_key(grid["code"], line)
            for grid in grids
            for line in items(registry, "/base-info", grid_id=grid["grid_id"])
        },
        "filing checklist": checklist,
        "filings": filings,
        "service accounts": {a["client_id"] for a in items(identity, "/service-accounts")},
        "ledger divisions": {entry["subject_id"] for entry in ledger},
    }
    division_ids = {d["code"]: d["division_id"] for d in divisions}
    return Found(aspects, worker_id, checklist, division_ids)


def differences(expected: dict[str, set[Any]], actual: dict[str, set[Any]]) -> list[str]:
    """One line per aspect with something extra or missing."""
    lines = []
    for aspect, wanted in expected.items():
        extra, missing = actual[aspect] - wanted, wanted - actual[aspect]
        if extra:
            lines.append(f"  {aspect}, not from the seed: {sorted(map(str, extra))}")
        if missing:
            lines.append(f"  {aspect}, missing: {sorted(map(str, missing))}")
    return lines


@pytest.mark.parametrize("tenant", TENANTS, ids=[tenant.code for tenant in TENANTS])
def test_each_demo_tenant_holds_only_what_the_seed_made(api, tenant):
    now = found(api, tenant)
    problems = differences(seeded(tenant, now), now.aspects)
    assert not problems, (
        f"the demo tenant {tenant.code} differs from what deploy/local/seed creates: a test wrote "
        "into it (tests write into tenant_a / tenant_b of tests/conftest.py). "
        "`make reset && make up` restores the demo.\n" + "\n".join(problems)
    )


def test_the_demo_district_holds_only_the_demo_tenants(api):
    overseen = {tenant["code"] for tenant in items(api("identity", "overseer"), "/tenants")}
    seeded_codes = {tenant.code for tenant in TENANTS}
    assert overseen == seeded_codes, (
        f"tenants in {DISTRICT[0]} the seed did not onboard: {sorted(overseen - seeded_codes)} "
        "(test tenants belong in tests.tenants.TEST_DISTRICT)"
    )
