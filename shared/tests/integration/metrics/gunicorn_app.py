"""A minimal service served by real gunicorn in the multiprocess metrics test."""

from __future__ import annotations

import os
from pathlib import Path

from shared.auth import public
from shared.http import Blueprint, create_app
from shared.settings import PlatformSettings
from shared.testing.tokens import LocalIssuer

blp = Blueprint("items", __name__, url_prefix="/items")


@blp.route("/<item_id>")
@public
def item(item_id: str) -> dict[str, str]:
    return {"id": item_id, "pid": str(os.getpid())}


def record_fork() -> None:
    """Post-fork callback: leaves a file named after the worker's pid."""
    marker_dir = Path(os.environ["GRIDGOV_TEST_FORK_MARKERS"])
    (marker_dir / str(os.getpid())).touch()


app = create_app(
    service="gunicorn_test",
    settings=PlatformSettings.from_env({}, service="gunicorn_test"),
    blueprints=[blp],
    readiness_checks={},
    verifier=LocalIssuer().verifier(),
)
