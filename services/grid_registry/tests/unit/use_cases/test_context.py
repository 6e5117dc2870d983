"""RegistryContext without I/O: repositories bound to the tenant and the event origin, built
once per context; a pinned clock for rows and resumed operations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.grid_registry.use_cases.context import RegistryContext
from shared.events.domain import EventOrigin

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_every_repository_is_the_tenants_and_stamps_the_requests_origin():
    ctx = RegistryContext(tenant_id="t-1", actor="u-1", correlation_id="req-1")
    repositories = [
        ctx.divisions,
        ctx.grids,
        ctx.grid_set_versions,
        ctx.teams,
        ctx.subjects,
        ctx.snapshots,
        ctx.sub_categories,
        ctx.filing_items,
        ctx.filings,
        ctx.accounts,
    ]

    assert {repo.tenant_id for repo in repositories} == {"t-1"}
    assert {repo.origin for repo in repositories} == {
        EventOrigin(producer="grid_registry", correlation_id="req-1")
    }
    assert ctx.grid_directory.grids is ctx.grids


def test_a_context_builds_each_repository_once():
    ctx = RegistryContext(tenant_id="t-1", actor="u-1")

    assert ctx.grids is ctx.grids
    assert RegistryContext(tenant_id="t-1", actor="u-1").grids is not ctx.grids


def test_a_pinned_context_keeps_who_acts_and_stops_the_clock():
    ctx = RegistryContext(
        tenant_id="t-1", actor="u-1", correlation_id="req-1", roles=frozenset({"center-staff"})
    )

    pinned = ctx.at(NOW)

    assert pinned.now() == NOW
    assert pinned.now() == NOW
    assert (pinned.tenant_id, pinned.actor, pinned.correlation_id, pinned.roles) == (
        "t-1",
        "u-1",
        "req-1",
        frozenset({"center-staff"}),
    )
    assert pinned.grids.origin == ctx.grids.origin


@pytest.mark.parametrize(("tenant_id", "actor"), [("", "u-1"), ("t-1", "")])
def test_a_context_needs_a_tenant_and_an_actor(tenant_id, actor):
    with pytest.raises(ValueError, match="needs"):
        RegistryContext(tenant_id=tenant_id, actor=actor)


def test_a_dry_run_context_builds_only_repositories_that_store_nothing():
    ctx = RegistryContext(tenant_id="t-1", actor="u-1", correlation_id="req-1")

    dry = ctx.as_dry_run()
    repositories = [
        dry.divisions,
        dry.grids,
        dry.grid_set_versions,
        dry.teams,
        dry.subjects,
        dry.snapshots,
        dry.sub_categories,
        dry.filing_items,
        dry.filings,
        dry.accounts,
    ]

    assert {repo.dry_run for repo in repositories} == {True}
    assert {repo.tenant_id for repo in repositories} == {"t-1"}
    assert dry.grid_directory.grids is dry.grids
    assert ctx.grids.dry_run is False
    assert dry.at(NOW).grids.dry_run is True
