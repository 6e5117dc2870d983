"""What the scoring end-to-end tests share: the ledger's rebuild as an operator runs it (a
replayed ledger must give the same published results) and a street's community of workers."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.e2e.test_registry import box, village_cells

ROOT = Path(__file__).resolve().parents[1]


def rebuild(tenant_id: str) -> subprocess.CompletedProcess[str]:
    """``python -m services.scoring.rebuild --tenant T --verify`` with the environment the
    stack gives scoring's processes (deploy/local: .env.example, .env, service_env)."""
    script = (
        'set -eo pipefail; source "$1/deploy/local/lib.sh"; '
        'source "$1/deploy/local/components/services.sh"; load_env; service_env scoring; '
        'exec "$1/.venv/bin/python" -m services.scoring.rebuild --tenant "$2" --verify '
        "--processes 1"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GRIDGOV_")}
    return subprocess.run(
        ["bash", "-c", script, "bash", str(ROOT), tenant_id],
        env=clean,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


GRID_DEGREES = 0.004


def community_of_workers(
    registry: Any, workers: Mapping[str, str], starts_on: str, *, name: str = "城东社区"
) -> dict[str, dict[str, Any]]:
    """A community with one community grid per worker (side by side, ``GRID_DEGREES`` wide),
    each worker its full-time worker (专职网格员) from ``starts_on``: by worker name, the grid's
    id and its west and south edges."""
    code = f"S{uuid.uuid4().hex[:8].upper()}"
    created = registry.post("/divisions", json={"code": code, "name": name, "kind": "community"})
    assert created.status_code == 201, created.text
    division_id = created.json()["division_id"]
    west0, south = village_cells()
    grids: dict[str, dict[str, Any]] = {}
    for index, (worker, user_id) in enumerate(workers.items()):
        west = west0 + GRID_DEGREES * index
        grid = registry.post(
            "/grids",
            json={
                "division_id": division_id,
                "code": f"{code}-G{index + 1}",
                "name": f"{name}第{index + 1}网格",
                "type": "community",
                "boundary": box(west, south, west + GRID_DEGREES, south + GRID_DEGREES),
                "valid_from": "2025-01-01",
            },
        )
        assert grid.status_code == 201, grid.text
        member = registry.post(
            f"/grids/{grid.json()['grid_id']}/team/members",
            json={
                "role": "full_time_worker",
                "person_name": f"网格员{worker}",
                "user_id": user_id,
                "starts_on": starts_on,
            },
        )
        assert member.status_code == 201, member.text
        grids[worker] = {"grid_id": grid.json()["grid_id"], "west": west, "south": south}
    return grids
