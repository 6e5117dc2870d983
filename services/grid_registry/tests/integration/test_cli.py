"""``cli reencrypt`` on the real FerretDB: one line per tenant, every tenant by default,
idempotent."""

from __future__ import annotations

import io

import pytest

from services.grid_registry import cli
from services.grid_registry.repository.subjects import SubjectRepository
from services.grid_registry.tests.integration.personal_data import legacy_subject

pytestmark = pytest.mark.integration


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = cli.run(["reencrypt", *argv], out=out)
    return status, out.getvalue()


def test_reencrypt_one_tenant_then_all_then_nothing_left(fresh_db, field_crypto):
    legacy_subject("tenant-a", 120.0)
    legacy_subject("tenant-b", 120.5)

    assert run("--tenant", "tenant-b") == (0, "tenant-b: 1 rewritten\n1 tenant(s) checked\n")
    assert SubjectRepository("tenant-a").stale_subject_ids() != []
    assert run() == (0, "tenant-a: 1 rewritten\ntenant-b: 0 rewritten\n2 tenant(s) checked\n")
    assert run() == (0, "tenant-a: 0 rewritten\ntenant-b: 0 rewritten\n2 tenant(s) checked\n")
