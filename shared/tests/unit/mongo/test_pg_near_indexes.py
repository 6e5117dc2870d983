"""Declared near indexes (`meta["near_indexes"]`): what a declaration may say, which reads it
serves, the cells a box names, and that its index holds the very expressions reads use."""

from __future__ import annotations

import pkgutil
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import mongoengine as me
import pytest
from psycopg import sql

from shared.mongo.documents import TenantDocument
from shared.mongo.indexes import list_plan
from shared.mongo.pg_reads import declared_near, near_indexes
from shared.runtime import service_documents

SERVICES = Path(__file__).resolve().parents[4] / "services"
NEAR = {"equal": ("tenant_id", "kind"), "x": "lon", "y": "lat", "cell": "0.005", "time": "at_ms"}


class Spot(TenantDocument):
    kind = me.StringField()
    name = me.StringField()
    lon = me.FloatField()
    lat = me.FloatField()
    at_ms = me.IntField()
    meta: ClassVar[dict[str, Any]] = {"collection": "unit_near_spots", "near_indexes": [NEAR]}


def _text(composable: sql.Composable) -> str:
    """The statement as text, without a connection (literals quoted plainly)."""
    if isinstance(composable, sql.Composed):
        return "".join(_text(part) for part in composable)
    if isinstance(composable, sql.SQL):
        return composable.as_string(None)
    if isinstance(composable, sql.Identifier):
        return ".".join(f'"{name}"' for name in composable._obj)
    if isinstance(composable, sql.Literal):
        return repr(composable._obj)
    raise TypeError(composable)


def test_a_declaration_is_read_and_serves_its_equalities_and_coordinates() -> None:
    [index] = near_indexes(Spot)
    assert (index.x, index.y, index.cell, index.time) == ("lon", "lat", Decimal("0.005"), "at_ms")
    assert declared_near(Spot, {"tenant_id": "t", "kind": "k"}, "lon", "lat") == index
    assert declared_near(Spot, {"kind": "k", "tenant_id": "t"}, "lon", "lat") == index
    assert declared_near(Spot, {"tenant_id": "t"}, "lon", "lat") is None
    assert declared_near(Spot, {"tenant_id": "t", "kind": "k"}, "lat", "lon") is None
    assert [planned.list_index for planned in list_plan([Spot])] == [index]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"equal": ("kind",)}, "must start with tenant_id"),
        ({"equal": ("tenant_id", "lon")}, "filters on 'lon'"),
        ({"x": "name"}, "number fields"),
        ({"time": "missing"}, "number fields"),
        ({"cell": "0"}, "positive cell size"),
        ({"cell": "wide"}, "cell size like"),
    ],
)
def test_a_bad_declaration_is_refused_by_name(change: dict[str, Any], why: str) -> None:
    class Bad(TenantDocument):
        kind = me.StringField()
        name = me.StringField()
        lon = me.FloatField()
        lat = me.FloatField()
        at_ms = me.IntField()
        meta: ClassVar[dict[str, Any]] = {
            "collection": "unit_near_bad",
            "near_indexes": [{**NEAR, **change}],
        }

    with pytest.raises(ValueError, match=why):
        near_indexes(Bad)
    assert declared_near(Bad, {"tenant_id": "t", "kind": "k"}, "lon", "lat") is None


def test_a_box_names_every_cell_it_touches_and_no_more_than_64() -> None:
    [index] = near_indexes(Spot)
    cells = index.cells((-0.002, 0.002), (0.005, 0.0099))
    assert cells is not None
    text = _text(cells)
    assert "['-1', '0']" in text  # floor(-0.002 / 0.005) = -1
    assert "['1']" in text  # 0.005 lies on the border: cell 1, and 0.0099 in it too
    assert index.cells((0.0, 0.0399), (0.0, 0.0399)) is not None  # 8 x 8
    assert index.cells((0.0, 0.04), (0.0, 0.0399)) is None  # 9 x 8


def test_the_index_holds_the_expressions_a_read_names() -> None:
    [index] = near_indexes(Spot)
    columns = _text(index.columns())
    cells = index.cells((0.0, 0.001), (0.0, 0.001))
    assert cells is not None
    for part in _text(cells).split(" = ANY"):
        if "floor" in part:
            expression = part[part.index("floor") :]
            assert expression in columns


def test_every_services_near_declaration_is_one() -> None:
    checked = 0
    for info in pkgutil.iter_modules([str(SERVICES)]):
        for document in service_documents(info.name):
            checked += len(near_indexes(document))
    assert checked >= 1  # a report's duplicate candidates at least
