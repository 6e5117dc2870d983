"""The seed's last check: the demo's events went all the way through Kafka to scoring.

Seeding goes through the APIs, which answer once the write and its outbox entry are stored;
publishing happens later, in each service's worker. If Kafka lacked its topics (as when the
stack's topics step once created nothing) the demo would look fine and its events would never
arrive. So `make up` waits until scoring's ledger holds every demo division's
`division.created` fact, and fails, saying where to look, when it does not within the limit.
"""

from __future__ import annotations

import sys
import time

from deploy.local.seed.api import SCORING, Api

WAIT_SECONDS = 120.0


def await_ledger(admin: str, division_ids: dict[str, str]) -> None:
    """Block until scoring's ledger has a fact for each division (code -> id) of a tenant."""
    api = Api(SCORING, admin)
    missing = dict(division_ids)
    deadline = time.monotonic() + WAIT_SECONDS
    while missing:
        for code, division_id in list(missing.items()):
            found = api.expect("GET", "/ledger", 200, params={"subject_id": division_id})
            if found.json()["items"]:
                del missing[code]
        if not missing:
            return
        if time.monotonic() > deadline:
            sys.exit(
                f"seed: after {WAIT_SECONDS:.0f} s scoring's ledger still lacks the events of "
                f"{admin}'s divisions {sorted(missing)}: check that Kafka has its topics "
                "(python -m shared.kafka.admin) and the workers' logs (.infra/logs/*-worker.log)"
            )
        time.sleep(0.5)
