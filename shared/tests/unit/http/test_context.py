"""request_context: the context comes from the verified principal, never from the request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest
from flask import Flask, g

from shared.auth import Principal
from shared.context import RequestContext
from shared.errors import PermissionDenied
from shared.http import request_context


@dataclass(frozen=True)
class SampleContext(RequestContext):
    producer: ClassVar[str] = "sample"


def principal(tenant_id: str | None, *roles: str) -> Principal:
    return Principal(
        subject="u-1",
        username="admin.x",
        tenant_id=tenant_id,
        district_id=None,
        roles=frozenset(roles),
        client_id=None,
    )


def test_built_from_the_token_and_the_request_id_once_per_request() -> None:
    app = Flask(__name__)
    with app.test_request_context("/?tenant_id=forged", headers={"X-Tenant-Id": "forged"}):
        g.gridgov_principal = principal("t1", "tenant-admin")
        g.request_id = "req-1"
        ctx = request_context(SampleContext)
        assert (ctx.tenant_id, ctx.actor, ctx.correlation_id) == ("t1", "u-1", "req-1")
        assert ctx.roles == frozenset({"tenant-admin"})
        assert request_context(SampleContext) is ctx


def test_an_untenanted_caller_gets_no_tenant_context() -> None:
    app = Flask(__name__)
    with app.test_request_context("/"):
        g.gridgov_principal = principal(None, "platform-admin")
        with pytest.raises(PermissionDenied):
            request_context(SampleContext)
