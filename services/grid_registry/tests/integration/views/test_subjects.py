"""The key subject API in process, on the real FerretDB: who sees what, 422/409, the outbox,
and personal data in clear nowhere else but in the answers to those who may see it."""

from __future__ import annotations

import io
import logging
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from openpyxl import load_workbook
from psycopg import sql

from services.grid_registry.bootstrap import BLUEPRINTS
from services.grid_registry.documents.subjects import SubjectDocument
from services.grid_registry.tests.integration.personal_data import (
    POSTGRES_URL,
    raw_subject,
    resident_id,
    unique_phone,
)
from services.grid_registry.tests.integration.support import known_users
from services.grid_registry.use_cases import divisions as division_cases
from services.grid_registry.use_cases import grids as grid_cases
from services.grid_registry.use_cases.context import RegistryContext
from shared.events.envelope import Envelope
from shared.testing.workbooks import routes

pytestmark = pytest.mark.integration

TENANT_B = {"subject": "admin-b", "tenant_id": "tenant-b"}
WORKER_1 = {"subject": "w-1", "roles": ("grid-worker",)}
WORKER_2 = {"subject": "w-2", "roles": ("grid-worker",)}
INSPECTOR = {"subject": "i-1", "roles": ("inspector",)}
ID_NUMBER = "11010519491231002X"


def box(west: float) -> dict:
    east = west + 0.01
    ring = [[west, 31.70], [east, 31.70], [east, 31.71], [west, 31.71], [west, 31.70]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def world(api_client):
    """Tenant A with grids G1 (worker w-1) and G2 (worker w-2), and the API."""
    api = api_client(BLUEPRINTS)
    ctx = RegistryContext(tenant_id="tenant-a", actor="u-1")
    division = division_cases.create_division(
        ctx, code="HP", name="和平村", kind="village"
    ).division_id
    grids = {}
    for code, west in (("G1", 120.00), ("G2", 120.02)):
        grids[code] = grid_cases.create_grid(
            ctx,
            division_id=division,
            code=code,
            name=code,
            type="village",
            boundary=box(west),
        ).grid_id
    known_users("tenant-a", "w-1", "w-2")
    for code, user in (("G1", "w-1"), ("G2", "w-2")):
        joined = api.post(
            f"/grids/{grids[code]}/team/members",
            json={
                "role": "full_time_worker",
                "person_name": "网格员",
                "user_id": user,
                "starts_on": "2020-01-01",
            },
        )
        assert joined.status_code == 201, joined.get_json()
    return api, grids


def key_person(grid_id: str, **extra) -> dict:
    return {
        "category": "key_person",
        "grid_id": grid_id,
        "name": "李四",
        "sub_category": "社区矫正人员",
        "id_number": ID_NUMBER,
        "phone": "13800000000",
        "address": "幸福路1号",
        **extra,
    }


def outbox(subject_id: str) -> list[str]:
    doc = SubjectDocument.objects(tenant_id="tenant-a", pk=subject_id).get()
    return [entry.envelope for entry in doc.outbox]


def test_the_centre_registers_and_sees_everything_tenant_b_nothing(world):
    api, grids = world

    created = api.post("/subjects", json=key_person(grids["G1"]))

    assert created.status_code == 201, created.get_json()
    subject = created.get_json()
    assert (subject["visit_cycle"], subject["status"]) == ("weekly", "active")
    assert subject["id_number"] == ID_NUMBER
    assert created.headers["Location"].endswith(subject["subject_id"])
    assert api.get(f"/subjects/{subject['subject_id']}").get_json()["name"] == "李四"
    assert api.get("/subjects").get_json()["total"] == 1
    assert api.get(f"/subjects/{subject['subject_id']}", as_user=TENANT_B).status_code == 404
    assert api.get("/subjects", as_user=TENANT_B).get_json()["total"] == 0
    into_a = api.post("/subjects", json=key_person(grids["G1"]), as_user=TENANT_B)
    assert into_a.status_code == 422
    assert [e["field"] for e in into_a.get_json()["errors"]] == ["grid_id"]


def test_a_grid_worker_sees_his_grids_key_persons_only(world):
    api, grids = world
    in_g1 = api.post("/subjects", json=key_person(grids["G1"])).get_json()["subject_id"]
    in_g2 = api.post(
        "/subjects", json=key_person(grids["G2"], id_number="330106198503151238")
    ).get_json()["subject_id"]

    assert api.get(f"/subjects/{in_g1}", as_user=WORKER_1).get_json()["name"] == "李四"
    assert api.get(f"/subjects/{in_g2}", as_user=WORKER_1).status_code == 404
    listed = api.get("/subjects", as_user=WORKER_1).get_json()
    assert [item["subject_id"] for item in listed["items"]] == [in_g1]
    assert listed["total"] == 1
    assert api.get(f"/subjects?grid_id={grids['G2']}", as_user=WORKER_1).get_json()["total"] == 0
    assert api.get(f"/subjects?grid_id={grids['G2']}").get_json()["total"] == 1
    assert api.get("/subjects", as_user=INSPECTOR).get_json()["total"] == 0
    assert api.get(f"/subjects/{in_g1}", as_user=INSPECTOR).status_code == 404
    assert api.patch(f"/subjects/{in_g2}", json={"notes": "x"}, as_user=WORKER_1).status_code == 404
    assert (
        api.post(f"/subjects/{in_g2}/archive", json={"reason": "x"}, as_user=WORKER_1).status_code
        == 404
    )
    # He registers in his own grid, not in another one.
    own = api.post(
        "/subjects",
        json={"category": "hazard_place", "grid_id": grids["G1"], "name": "加油站"},
        as_user=WORKER_1,
    )
    assert own.status_code == 201, own.get_json()
    assert own.get_json()["visit_cycle"] == "daily"
    assert (
        api.post(
            "/subjects", json=key_person(grids["G2"], id_number=None), as_user=WORKER_1
        ).status_code
        == 403
    )
    by_filter = api.get("/subjects?category=hazard_place&visit_cycle=daily").get_json()
    assert by_filter["total"] == 1


def test_bad_input_is_422_naming_fields_and_a_duplicate_id_number_is_409(world):
    api, grids = world

    bad_checksum = api.post(
        "/subjects", json=key_person(grids["G1"], id_number="110105194912310021")
    )
    assert bad_checksum.status_code == 422
    assert [e["field"] for e in bad_checksum.get_json()["errors"]] == ["id_number"]
    bad_schema = api.post(
        "/subjects", json=key_person(grids["G1"], category="suspect", visit_cycle="hourly")
    )
    assert bad_schema.status_code == 422
    assert sorted(e["field"] for e in bad_schema.get_json()["errors"]) == [
        "category",
        "visit_cycle",
    ]
    place_with_id = api.post(
        "/subjects",
        json={
            "category": "hazard_place",
            "grid_id": grids["G1"],
            "name": "化工厂",
            "id_number": ID_NUMBER,
        },
    )
    assert place_with_id.status_code == 422
    assert [e["field"] for e in place_with_id.get_json()["errors"]] == ["id_number"]
    nowhere = api.post("/subjects", json=key_person("no-such-grid"))
    assert nowhere.status_code == 422
    assert [e["field"] for e in nowhere.get_json()["errors"]] == ["grid_id"]

    first = api.post("/subjects", json=key_person(grids["G1"]))
    assert first.status_code == 201
    again = api.post("/subjects", json=key_person(grids["G2"], id_number=ID_NUMBER.lower()))
    assert again.status_code == 409
    other = api.post("/subjects", json=key_person(grids["G1"], id_number="510108197801010013"))
    clash = api.patch(f"/subjects/{other.get_json()['subject_id']}", json={"id_number": ID_NUMBER})
    assert clash.status_code == 409
    assert SubjectDocument.objects(tenant_id="tenant-a").count() == 2


def test_update_move_archive_each_publish_once_without_personal_data(world):
    api, grids = world
    subject_id = api.post("/subjects", json=key_person(grids["G1"])).get_json()["subject_id"]

    updated = api.patch(
        f"/subjects/{subject_id}",
        json={"visit_cycle": "daily", "location": {"lon": 120.005, "lat": 31.705}},
        as_user=WORKER_1,
    )
    assert updated.status_code == 200, updated.get_json()
    # Moving into G2 needs a caller who may work there: the centre.
    assert (
        api.post(
            f"/subjects/{subject_id}/move", json={"grid_id": grids["G2"]}, as_user=WORKER_1
        ).status_code
        == 403
    )
    moved = api.post(f"/subjects/{subject_id}/move", json={"grid_id": grids["G2"]})
    assert moved.status_code == 200, moved.get_json()
    assert [m["from_grid_id"] for m in moved.get_json()["moves"]] == [grids["G1"]]
    assert api.get(f"/subjects/{subject_id}", as_user=WORKER_1).status_code == 404
    assert api.get(f"/subjects/{subject_id}", as_user=WORKER_2).status_code == 200
    archived = api.post(
        f"/subjects/{subject_id}/archive", json={"reason": "已迁出本镇"}, as_user=WORKER_2
    )
    assert archived.status_code == 200, archived.get_json()
    assert archived.get_json()["status"] == "archived"
    assert api.post(f"/subjects/{subject_id}/archive", json={"reason": "x"}).status_code == 409
    assert api.get("/subjects?status=archived").get_json()["total"] == 1

    envelopes = outbox(subject_id)
    parsed = [Envelope.parse(text) for text in envelopes]
    assert [e.type for e in parsed] == [
        "subject.registered",
        "subject.updated",
        "subject.moved",
        "subject.archived",
    ]
    assert parsed[1].payload["visit_cycle"] == "daily"
    assert parsed[1].payload["location"] == {"lon": 120.005, "lat": 31.705}
    assert parsed[2].payload["previous_grid_id"] == grids["G1"]
    assert parsed[2].payload["grid_id"] == grids["G2"]
    assert parsed[3].payload["status"] == "archived"
    for text in envelopes:
        for secret in ("李四", ID_NUMBER, "13800000000", "幸福路", "已迁出本镇"):
            assert secret not in text


# Personal data: a key person's ID number and phone, registered through the API, are nowhere
# in clear but in the answers to those who may see the subject: not in FerretDB's documents,
# not in PostgreSQL's tables or data files, not in any export or log line (ADR 13).


def register(api, grid_id: str, id_number: str, phone: str, **extra: Any) -> dict[str, Any]:
    created = api.post(
        "/subjects", json=key_person(grid_id, id_number=id_number, phone=phone, **extra)
    )
    assert created.status_code == 201, created.get_json()
    return dict(created.get_json())


def tables(conn: psycopg.Connection[Any], schema: str) -> list[str]:
    """Every table FerretDB keeps for the test's database (one schema per database)."""
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
    ).fetchall()
    return [str(row[0]) for row in rows]


def rows_holding(conn: psycopg.Connection[Any], schema: str, text: str) -> dict[str, int]:
    """How many rows of each of the schema's tables hold ``text`` anywhere (decompressed)."""
    found = {}
    for table in tables(conn, schema):
        query = sql.SQL("SELECT count(*) FROM {} WHERE _jsonb::text LIKE %s").format(
            sql.Identifier(schema, table)
        )
        row = conn.execute(query, (f"%{text}%",)).fetchone()
        if row and row[0]:
            found[table] = int(row[0])
    return found


def files_holding(folder: Path, needles: list[bytes]) -> dict[bytes, list[str]]:
    """Which files below ``folder`` hold each needle, byte for byte."""
    found: dict[bytes, list[str]] = {needle: [] for needle in needles}
    overlap = max(len(needle) for needle in needles)
    for path in folder.rglob("*"):
        try:
            if not path.is_file():
                continue
            with path.open("rb") as stream:
                tail = b""
                while chunk := stream.read(1 << 20):
                    window = tail + chunk
                    for needle in needles:
                        if needle in window and str(path) not in found[needle]:
                            found[needle].append(str(path))
                    tail = window[-overlap:]
        except (FileNotFoundError, PermissionError):
            continue  # a WAL segment recycled or a temporary file gone while reading
    return found


def test_the_database_holds_no_id_number_or_phone_in_clear(world, fresh_db):
    api, grids = world
    id_number, phone = resident_id(), unique_phone()

    subject = register(api, grids["G1"], id_number, phone)

    raw = raw_subject("tenant-a", subject["subject_id"])
    for secret in (id_number, phone):
        assert secret not in repr(raw)
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        assert tables(conn, fresh_db), "FerretDB keeps no table for the test database"
        assert rows_holding(conn, fresh_db, "李四") != {}  # the check sees plain text
        assert rows_holding(conn, fresh_db, id_number) == {}
        assert rows_holding(conn, fresh_db, phone) == {}


def test_postgresqls_data_files_hold_no_id_number_or_phone(world, fresh_db):
    api, grids = world
    register(api, grids["G1"], resident_id(), unique_phone())  # makes FerretDB's table
    marker = f"隐私检查{uuid.uuid4().hex}"
    id_number, phone = resident_id(), unique_phone()
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        (table,) = [t for t in tables(conn, fresh_db) if t.startswith("subjects_")]
        # Uncompressed, so that a value stored in clear would be in the files byte for byte
        # (PostgreSQL compresses a row this size by default, which hides a clear value too).
        conn.execute(
            sql.SQL("ALTER TABLE {} ALTER COLUMN _jsonb SET STORAGE EXTERNAL").format(
                sql.Identifier(fresh_db, table)
            )
        )
        register(api, grids["G1"], id_number, phone, name=marker)
        conn.execute("CHECKPOINT")
        row = conn.execute("SHOW data_directory").fetchone()
        assert row is not None
        data = Path(str(row[0]))

    needles = [marker.encode(), id_number.encode(), phone.encode()]
    found = files_holding(data, needles)

    assert found[needles[0]], f"the plain name was not found below {data}: the check is blind"
    assert found[needles[1]] == []
    assert found[needles[2]] == []


def test_only_those_who_may_see_the_subject_get_the_number_back(world):
    api, grids = world
    id_number, phone = resident_id(), unique_phone()
    subject_id = register(api, grids["G1"], id_number, phone)["subject_id"]
    path = f"/subjects/{subject_id}"

    for caller in (None, WORKER_1):  # the centre, the grid's own worker
        shown = api.get(path, as_user=caller).get_json()
        assert (shown["id_number"], shown["phone"]) == (id_number, phone)
    for caller in (WORKER_2, INSPECTOR, TENANT_B):
        for answer in (api.get(path, as_user=caller), api.get("/subjects", as_user=caller)):
            assert id_number not in answer.get_data(as_text=True)
            assert phone not in answer.get_data(as_text=True)


def test_refusals_do_not_echo_the_number(world):
    api, grids = world
    id_number = resident_id()
    register(api, grids["G1"], id_number, unique_phone())
    wrong_check = id_number[:17] + ("0" if id_number[17] != "0" else "1")

    duplicate = api.post(
        "/subjects", json=key_person(grids["G2"], id_number=id_number, phone=unique_phone())
    )
    malformed = api.post(
        "/subjects", json=key_person(grids["G2"], id_number=wrong_check, phone=unique_phone())
    )

    assert (duplicate.status_code, malformed.status_code) == (409, 422)
    assert id_number not in duplicate.get_data(as_text=True)
    assert wrong_check not in malformed.get_data(as_text=True)


def test_no_export_holds_a_key_persons_number_or_phone(world):
    api, grids = world
    id_number, phone = resident_id(), unique_phone()
    register(api, grids["G1"], id_number, phone)
    exports = routes(api.app, "/export")
    assert exports, "no export route found in the URL map"
    seen: list[str] = []

    for route in exports:
        answer = api.get(route)
        assert answer.status_code == 200, route
        book = load_workbook(io.BytesIO(answer.get_data()), read_only=True)
        cells = [
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        ]
        assert not [cell for cell in cells if id_number in cell or phone in cell], route
        seen.extend(cells)
    # The team members' names are in the teams export: the check reads what exports hold.
    assert "网格员" in seen


def test_no_log_line_holds_the_number_or_phone(world, caplog):
    api, grids = world
    id_number, phone = resident_id(), unique_phone()
    caplog.set_level(logging.INFO)

    subject_id = register(api, grids["G1"], id_number, phone)["subject_id"]
    api.patch(f"/subjects/{subject_id}", json={"phone": unique_phone(), "notes": "x"})
    api.post("/subjects", json=key_person(grids["G2"], id_number=id_number, phone=phone))  # 409
    api.get(f"/subjects/{subject_id}")
    api.get("/subjects")

    logged = caplog.text + repr([vars(record) for record in caplog.records])
    assert caplog.records, "nothing was logged: the check is blind"
    assert id_number not in logged
    assert phone not in logged
