"""identity's workbook routes, found in the app's URL map, against hostile uploads: every
``/import`` refuses a 400 MiB sheet bomb (a 600 KB upload, under the 1 MiB body cap) as 422
problem+json on ``file`` before openpyxl is called. identity exports no workbook today; the
last test fails when one appears, so it gets grid_registry's poisoned-export test."""

from __future__ import annotations

import pytest

from services.identity.tests.integration.support import client, identity_db, provider
from shared import workbooks
from shared.testing.workbooks import assert_every_import_refuses, routes, sheet_bomb

pytestmark = pytest.mark.integration

__all__ = ["client", "identity_db", "provider"]  # fixtures

MiB = 1_048_576


def test_every_import_refuses_a_sheet_bomb_before_openpyxl_sees_it(client, monkeypatch):
    bomb = sheet_bomb(400 * MiB)
    loads: list[object] = []
    monkeypatch.setattr(workbooks, "load_workbook", lambda *a, **k: loads.append(a))

    assert_every_import_refuses(client, bomb)

    assert loads == []


def test_identity_has_no_export_to_harden_yet(client):
    assert routes(client.app, "/export") == [], (
        "identity exports a workbook now: give it the poisoned-export test of "
        "services/grid_registry/tests/integration/views/test_workbook_hardening.py"
    )
