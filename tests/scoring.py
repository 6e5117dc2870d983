"""The scoring ledger's rebuild as an operator runs it, for the end-to-end tests (seeds 000
and 004: a replayed ledger must give the same published results)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

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
