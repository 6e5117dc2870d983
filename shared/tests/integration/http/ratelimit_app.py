"""A service whose settings come from the environment, for the rate limit test under gunicorn."""

from __future__ import annotations

import os
import time

from flask import Response

from shared.auth import public
from shared.http import Blueprint, create_app
from shared.settings import PlatformSettings
from shared.testing.tokens import LocalIssuer

blp = Blueprint("open", __name__)


@blp.route("/open")
@public
def open_route() -> dict[str, str]:
    time.sleep(0.02)  # long enough for concurrent clients to reach every worker
    return {"pid": str(os.getpid())}


app = create_app(
    service="ratelimit_test",
    settings=PlatformSettings.from_env(service="ratelimit_test"),
    blueprints=[blp],
    readiness_checks={},
    verifier=LocalIssuer().verifier(),
)


@app.after_request
def name_the_worker(response: Response) -> Response:
    """Every answer, a 429 too, says which worker gave it."""
    response.headers["X-Worker-Pid"] = str(os.getpid())
    return response
