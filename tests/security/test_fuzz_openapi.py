"""Schemathesis against every running service's OpenAPI, with a real token.

Each service's ``/openapi.json`` is loaded from the running stack; every operation gets a few
generated requests (``MAX_EXAMPLES``, derandomized: the same requests on every run, so CI is
reproducible) sent with the admin token of the session's own tenant ``tenant_a`` (never the
demo). Every response must pass schemathesis's ``not_a_server_error`` (no 5xx),
``response_schema_conformance`` (the body matches the declared schema of its status) and
``content_type_conformance`` (the declared media type) checks. A failure names the operation,
the request and what broke, for every operation at once.

Side effects stay in tenant A: the token is A's, so anything created lands there; operations
of the platform operator (``x-required-roles`` without a tenant role) only ever answer 403
to it. ``TIME_BUDGET_SECONDS`` bounds a service's run: operations not reached within it are
reported by the failure message rather than silently skipped.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from schemathesis import checks as st_checks

from tests.conftest import PORTS, Api, service_url
from tests.tenants import TestTenant

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = 5
TIME_BUDGET_SECONDS = 25.0  # per service: six services stay under ~2.5 minutes
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.response_schema_conformance,
    st_checks.content_type_conformance,
]
SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _describe(exc: BaseException) -> str:
    parts = [str(exc)]
    for inner in getattr(exc, "exceptions", ()):
        parts.append(f"  - {type(inner).__name__}: {str(inner)[:600]}")
    return "\n".join(parts)[:2500]


def _fuzz_operation(operation: Any, headers: dict[str, str]) -> list[str]:
    failures: list[str] = []

    @SETTINGS
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        try:
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=10)
        except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis: FailureGroup
            failures.append(f"{operation.label}: {_describe(exc)}")

    run()
    return failures


@pytest.mark.parametrize("service", list(PORTS))
def test_every_operation_answers_as_documented(
    service: str, api: Callable[[str, str | None], Api], tenant_a: TestTenant
) -> None:
    token = api(service, tenant_a.admin).session.headers["Authorization"]
    schema = schemathesis.openapi.from_url(f"{service_url(service)}/openapi.json")
    headers = {"Authorization": str(token)}
    failures: list[str] = []
    unreached: list[str] = []
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        if time.monotonic() - started > TIME_BUDGET_SECONDS:
            unreached.append(operation.label)
            continue
        failures += _fuzz_operation(operation, headers)
    assert not failures, f"{len(failures)} failure(s):\n" + "\n\n".join(failures)
    assert not unreached, f"not fuzzed within {TIME_BUDGET_SECONDS:g} s: {unreached}"


def _made_up(item: dict[str, Any], name: str) -> str:
    """A made-up value of path parameter ``name`` that its route's converter accepts: an
    integer for an integer parameter (``/versions/{version}``), else ``x1``."""
    operations = [op for method, op in item.items() if method != "parameters"]
    parameters = [*item.get("parameters", [])]
    parameters += [parameter for op in operations for parameter in op.get("parameters", [])]
    integer = any(
        parameter.get("in") == "path"
        and parameter.get("name") == name
        and parameter.get("schema", {}).get("type") == "integer"
        for parameter in parameters
    )
    return "1" if integer else "x1"


@pytest.mark.parametrize("service", list(PORTS))
def test_allow_lists_exactly_the_documented_methods(
    service: str, api: Callable[[str, str | None], Api]
) -> None:
    """``OPTIONS`` on every documented path answers ``Allow`` with the methods the document
    gives that path (with HEAD beside GET, and OPTIONS): ``/users/import`` must not borrow
    GET and PATCH from ``/users/{user_id}``. Filled with a made-up id (OPTIONS needs none)."""
    client = api(service, None)
    document = client.get("/openapi.json").json()
    wrong: list[str] = []
    for path, item in document["paths"].items():
        documented = {method.upper() for method in item if method != "parameters"}
        expected = documented | {"OPTIONS"} | ({"HEAD"} if "GET" in documented else set())
        url = re.sub(r"{[^}]+}", lambda match, item=item: _made_up(item, match[0][1:-1]), path)
        answer = client.request("OPTIONS", url)
        allowed = {method.strip() for method in answer.headers.get("Allow", "").split(",")}
        if allowed != expected:
            wrong.append(f"{path}: Allow {sorted(allowed)}, documented {sorted(expected)}")
    assert not wrong, "\n".join(wrong)
