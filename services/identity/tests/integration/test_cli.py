"""The identity command line on the real FerretDB with the in-memory identity provider."""

from __future__ import annotations

import io
import json

import pytest

from services.identity import cli
from services.identity.tests.integration.drift import (
    TENANT,
    drift,
    invite,
    offboarded_tenant,
    provider,
)
from services.identity.use_cases.reconcile import OFFBOARDED_NOTE

pytestmark = pytest.mark.integration
__all__ = ["provider"]  # fixture


def test_the_command_line_exit_codes_table_and_json(fresh_db, provider):
    invite(provider, "first.user", "13900139000")
    out = io.StringIO()
    assert cli.run(["reconcile", "--tenant", TENANT], provider=provider, out=out) == 0
    assert "1 tenant(s) checked, 0 with drift" in out.getvalue()

    drift_ids = drift(provider)
    out = io.StringIO()
    assert cli.run(["reconcile", "--tenant", TENANT], provider=provider, out=out) == 1
    table = out.getvalue()
    assert "missing_in_provider" in table
    assert drift_ids["gone"] in table

    out = io.StringIO()
    assert (
        cli.run(["reconcile", "--tenant", TENANT, "--repair", "--json"], provider=provider, out=out)
        == 0
    )
    [report] = json.loads(out.getvalue())
    assert report["tenant_id"] == TENANT
    assert report["clean"] is True
    assert {f["action"] for f in report["findings"]} == {"repaired"}
    assert cli.run(["reconcile", "--tenant", TENANT], provider=provider, out=io.StringIO()) == 0


def test_the_command_line_defaults_to_every_tenant_and_flags_a_missing_organization(
    fresh_db, provider
):
    out = io.StringIO()
    code = cli.run(
        ["reconcile", "--repair"],
        provider=provider,
        tenants=lambda ctx: [TENANT, "t-no-org"],
        out=out,
    )
    assert code == 1
    assert "organization_missing" in out.getvalue()
    assert "needs a person" in out.getvalue()


def test_the_command_line_reports_an_offboarded_tenant_as_skipped_and_clean(fresh_db, provider):
    offboarded_tenant(provider)
    out = io.StringIO()

    assert cli.run(["reconcile", "--tenant", TENANT, "--repair"], provider=provider, out=out) == 0

    assert f"{TENANT}: {OFFBOARDED_NOTE}" in out.getvalue()
    assert "1 tenant(s) checked, 0 with drift" in out.getvalue()
    assert not any(u.user.enabled for u in provider.users.values())
    out = io.StringIO()
    assert cli.run(["reconcile", "--tenant", TENANT, "--json"], provider=provider, out=out) == 0
    [report] = json.loads(out.getvalue())
    assert (report["clean"], report["note"], report["findings"]) == (
        True,
        OFFBOARDED_NOTE,
        [],
    )
