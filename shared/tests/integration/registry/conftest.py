"""The registry read model on the real FerretDB: one per-run database, so every test works in
tenants of its own (`tenants`), never seen by another test or another run."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest

from shared.tests.integration.stack import mongo_db

__all__ = ["mongo_db"]


@pytest.fixture
def tenants(mongo_db: str) -> Callable[[str], str]:
    """``tenants("a")`` -> this test's tenant "a" (the same id for the same name)."""
    run = secrets.token_hex(4)
    return lambda name: f"t-{run}-{name}"


@pytest.fixture
def tenant(tenants: Callable[[str], str]) -> str:
    """This test's one tenant (the contracts' examples name "tenant-heping": replaced)."""
    return tenants("heping")
