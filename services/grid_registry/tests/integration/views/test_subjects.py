"""The key subject API in process, on the real FerretDB: who sees what, 422/409, the outbox."""

from __future__ import annotations

import pytest

from services.grid_registry.bootstrap import BLUEPRINTS
from services.grid_registry.documents.subjects import SubjectDocument
from services.grid_registry.repository.divisions import DivisionRepository
from services.grid_registry.repository.grids import GridRepository, GridSetVersionRepository
from services.grid_registry.use_cases import divisions as division_cases
from services.grid_registry.use_cases import grids as grid_cases
from shared.events.envelope import Envelope

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
    division = division_cases.create_division(
        repo=DivisionRepository("tenant-a"), actor="u-1", code="HP", name="和平村", kind="village"
    ).division_id
    grids = {}
    for code, west in (("G1", 120.00), ("G2", 120.02)):
        grids[code] = grid_cases.create_grid(
            repo=GridRepository("tenant-a"),
            divisions=DivisionRepository("tenant-a"),
            versions=GridSetVersionRepository("tenant-a"),
            actor="u-1",
            division_id=division,
            code=code,
            name=code,
            type="village",
            boundary=box(west),
        ).grid_id
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
    assert api.post("/subjects", json=key_person(grids["G1"]), as_user=TENANT_B).status_code == 404


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
    assert api.post("/subjects", json=key_person("no-such-grid")).status_code == 404

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
