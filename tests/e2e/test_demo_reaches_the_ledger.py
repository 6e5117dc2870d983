"""`make up` alone leaves the demo's events in scoring's ledger: topics exist, relays publish.

Once, the stack's topics step created nothing; the demo looked seeded but its events never left
the outboxes. The seed itself now waits for the ledger (deploy/local/seed/ledger.py); this test
checks the result from the outside, through the APIs, for both demo tenants.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

DEMO_DIVISIONS = {"admin.a": {"A-V01", "A-V02", "A-C01"}, "admin.b": {"B-C01", "B-C02"}}
# The demo files both default systems (制度备案) for one division of tenant A: scoring keeps
# each filing as an entry of that division (district reports count them).
DEMO_FILINGS = {"A-V01": 2}


@pytest.mark.parametrize("admin", sorted(DEMO_DIVISIONS))
def test_every_demo_division_is_in_the_ledger_exactly_once(api, admin):
    registry = api("grid_registry", admin)
    divisions = registry.get("/divisions", params={"page_size": 200}).json()["items"]
    ids = {d["code"]: d["division_id"] for d in divisions if d["code"] in DEMO_DIVISIONS[admin]}
    assert set(ids) == DEMO_DIVISIONS[admin]
    scoring = api("scoring", admin)
    for code, division_id in ids.items():
        entries = scoring.get("/ledger", params={"subject_id": division_id}).json()["items"]
        types = [e["event_type"] for e in entries]
        assert [t for t in types if t.startswith("division.")] == ["division.created"], code
        assert types.count("filing.recorded") == DEMO_FILINGS.get(code, 0), code
        assert set(types) <= {"division.created", "filing.recorded"}, code
