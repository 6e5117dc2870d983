"""A service with a route that computes forever, for the request time limit test."""

from __future__ import annotations

import os

from shared.auth import public
from shared.http import Blueprint, create_app
from shared.settings import PlatformSettings
from shared.testing.tokens import LocalIssuer

blp = Blueprint("spin", __name__)


@blp.route("/spin")
@public
def spin() -> dict[str, str]:
    while True:  # a runaway request: pure computation, never returns
        pass


@blp.route("/pid")
@public
def pid() -> dict[str, str]:
    return {"pid": str(os.getpid())}


app = create_app(
    service="spin_test",
    settings=PlatformSettings.from_env({}, service="spin_test"),
    blueprints=[blp],
    readiness_checks={},
    verifier=LocalIssuer().verifier(),
)
