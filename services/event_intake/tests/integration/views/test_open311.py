"""Open311 GeoReport v2 in process, on the real FerretDB: services, requests, walls."""

from __future__ import annotations

from datetime import date

import pytest

from services.event_intake.documents.events import EventDocument
from services.event_intake.tests.integration.support import seed_registry, square
from services.event_intake.views import events, open311

pytestmark = pytest.mark.integration

APP = {"subject": "svc-tenant-a-app", "tenant_id": "tenant-a", "roles": ("center-staff",)}
OTHER_APP = {"subject": "svc-tenant-a-other", "tenant_id": "tenant-a", "roles": ("center-staff",)}
CENTRE = {"subject": "centre-1", "tenant_id": "tenant-a", "roles": ("center-staff",)}
WORKER = {"subject": "worker-1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
TENANT_B = {"subject": "svc-tenant-b-app", "tenant_id": "tenant-b", "roles": ("center-staff",)}
# Inside G01 (120.00..120.01, 31.70..31.71).
IN_G01 = {"lat": 31.705, "long": 120.005}
TEXT = (
    "人民路12号井盖缺失，夜里有人差点摔倒，请尽快处理。\n"
    "已经三天了，还没有人来看过，附近的老人和孩子都很担心。"
)
RESIDENT = {
    "email": "zhangsan@example.com",
    "phone": "13800000000",
    "first_name": "小明",
    "last_name": "王",
    "device_id": "device-77",
    "account_id": "resident-9",
}


@pytest.fixture
def api(api_client):
    seed_registry(
        "tenant-a", grids=[("g-1", "div-1", "G01", square(120.00, 31.70), date(2026, 1, 1))]
    )
    seed_registry(
        "tenant-b", grids=[("g-b", "div-b", "B01", square(120.00, 31.70), date(2026, 1, 1))]
    )
    return api_client((events.blp, open311.blp))


def submit(api, as_user=APP, headers=None, **overrides):
    body = {
        "service_code": "city_management",
        "description": TEXT,
        "address_string": "人民路12号",
        **IN_G01,
        **overrides,
    }
    return api.post("/open311/v2/requests.json", json=body, as_user=as_user, headers=headers)


def test_services_are_the_tenants_categories(api) -> None:
    listed = api.get("/open311/v2/services.json", as_user=APP)
    assert listed.status_code == 200
    codes = [service["service_code"] for service in listed.json]
    assert "city_management" in codes
    service = next(s for s in listed.json if s["service_code"] == "city_management")
    assert service == {
        "service_code": "city_management",
        "service_name": "城市管理",
        "description": "城市管理",
        "metadata": False,
        "type": "realtime",
        "keywords": "城市管理,city_management",
        "group": None,
    }
    one = api.get("/open311/v2/services/city_management.json", as_user=APP)
    assert one.status_code == 200
    assert one.json == {"service_code": "city_management", "attributes": []}
    assert api.get("/open311/v2/services/no_such.json", as_user=APP).status_code == 404


def test_a_json_post_reports_an_event_and_drops_the_residents_personal_data(api) -> None:
    posted = submit(api, **RESIDENT)
    assert posted.status_code == 201, posted.json
    [answer] = posted.json
    assert answer["account_id"] is None
    assert "受理时限" in answer["service_notice"]
    stored = EventDocument.objects(tenant_id="tenant-a", event_id=answer["service_request_id"])
    event = stored.first()
    assert event.source == "resident_complaint"
    assert event.reporter_id == APP["subject"]
    assert event.grid_id == "g-1"
    assert event.category == "city_management"
    # The first 50 characters of the resident's text, on one line.
    assert event.title == TEXT.replace("\n", " ")[:50]
    assert len(event.title) == 50
    assert event.address == "人民路12号"
    raw = str(event.to_mongo())
    for value in RESIDENT.values():
        assert value not in raw


def test_a_form_post_is_accepted_as_the_spec_sends_it(api) -> None:
    posted = api.post(
        "/open311/v2/requests.json",
        data={"service_code": "dispute", "lat": "31.705", "long": "120.005", **RESIDENT},
        as_user=APP,
    )
    assert posted.status_code == 201, posted.json
    request_id = posted.json[0]["service_request_id"]
    [read] = api.get(f"/open311/v2/requests/{request_id}.json", as_user=APP).json
    # Without a description the title is the service's name; GeoReport's fields come back.
    assert EventDocument.objects(tenant_id="tenant-a", event_id=request_id).first().title == (
        "矛盾纠纷"
    )
    assert read["service_code"] == "dispute"
    assert read["service_name"] == "矛盾纠纷"
    assert read["status"] == "open"
    assert read["lat"] == 31.705
    assert read["long"] == 120.005
    assert read["expected_datetime"] > read["requested_datetime"]
    assert read["updated_datetime"] == read["requested_datetime"]
    for name in ("status_notes", "agency_responsible", "service_notice", "media_url"):
        assert read[name] is None


def test_the_same_key_again_answers_the_first_request(api) -> None:
    first = submit(api, request_id="app-42")
    again = submit(api, request_id="app-42", description="another text")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json[0]["service_request_id"] == first.json[0]["service_request_id"]
    header = submit(api, headers={"Idempotency-Key": "app-43"})
    header_again = submit(api, headers={"Idempotency-Key": "app-43"})
    assert header_again.status_code == 200
    assert header_again.json == header.json
    assert EventDocument.objects(tenant_id="tenant-a").count() == 2
    # The same key from another account is another request.
    assert submit(api, as_user=OTHER_APP, request_id="app-42").status_code == 201
    clash = submit(api, request_id="a", headers={"Idempotency-Key": "b"})
    assert clash.status_code == 422
    assert clash.json["errors"][0]["field"] == "request_id"


def field_of(response) -> set[str]:
    assert response.status_code == 422, response.json
    return {error["field"] for error in response.json["errors"]}


def test_bad_posts_are_422_naming_the_spec_field(api) -> None:
    missing = api.post("/open311/v2/requests.json", json={**IN_G01}, as_user=APP)
    assert "service_code" in field_of(missing)
    assert field_of(submit(api, lat=20.0, long=100.0)) == {"lat"}
    assert field_of(submit(api, service_code="no_such")) == {"service_code"}
    no_position = api.post(
        "/open311/v2/requests.json", json={"service_code": "dispute"}, as_user=APP
    )
    assert field_of(no_position) == {"lat", "long"}
    assert field_of(submit(api, media_url="http://169.254.169.254/x")) == {"media_url"}
    assert field_of(submit(api, description="x" * 2001)) == {"description"}
    assert EventDocument.objects(tenant_id="tenant-a").count() == 0


def test_a_grid_worker_gets_403(api) -> None:
    assert submit(api, as_user=WORKER).status_code == 403
    assert api.get("/open311/v2/requests.json", as_user=WORKER).status_code == 403
    assert api.get("/open311/v2/services.json", as_user=WORKER).status_code == 403


def test_the_list_pages_filters_and_shows_only_the_callers_requests(api) -> None:
    ids = [
        submit(api, service_code=code).json[0]["service_request_id"]
        for code in ("city_management", "dispute", "city_management")
    ]
    others = submit(api, as_user=OTHER_APP).json[0]["service_request_id"]
    centre_own = api.post(
        "/events",
        json={
            "source": "hotline_12345",
            "category": "dispute",
            "title": "t",
            "position": {"lon": 120.005, "lat": 31.705},
        },
        as_user=CENTRE,
    )
    assert centre_own.status_code == 201

    listed = api.get("/open311/v2/requests.json", as_user=APP)
    assert listed.status_code == 200
    assert [item["service_request_id"] for item in listed.json] == ids[::-1]
    other_list = api.get("/open311/v2/requests.json", as_user=OTHER_APP).json
    assert [item["service_request_id"] for item in other_list] == [others]

    page_2 = api.get("/open311/v2/requests.json?page=2&page_size=2", as_user=APP).json
    assert [item["service_request_id"] for item in page_2] == [ids[0]]
    assert api.get("/open311/v2/requests.json?page=3&page_size=2", as_user=APP).json == []
    too_big = api.get("/open311/v2/requests.json?page_size=201", as_user=APP)
    assert field_of(too_big) == {"page_size"}

    by_code = api.get("/open311/v2/requests.json?service_code=dispute", as_user=APP).json
    assert [item["service_request_id"] for item in by_code] == [ids[1]]
    by_ids = api.get(
        f"/open311/v2/requests.json?service_request_id={ids[0]},{ids[2]},{others}", as_user=APP
    ).json
    assert [item["service_request_id"] for item in by_ids] == [ids[2], ids[0]]

    rejected = api.post(
        f"/events/{ids[1]}/actions",
        json={"action": "reject_invalid", "reason": "不属于受理范围"},
        as_user=CENTRE,
    )
    assert rejected.status_code == 200, rejected.json
    closed = api.get("/open311/v2/requests.json?status=closed", as_user=APP).json
    assert [(item["service_request_id"], item["status"]) for item in closed] == [(ids[1], "closed")]
    assert closed[0]["updated_datetime"] > closed[0]["requested_datetime"]
    still_open = api.get("/open311/v2/requests.json?status=open", as_user=APP).json
    assert [item["service_request_id"] for item in still_open] == [ids[2], ids[0]]
    both = api.get("/open311/v2/requests.json?status=open,closed", as_user=APP).json
    assert len(both) == 3
    assert field_of(api.get("/open311/v2/requests.json?status=pending", as_user=APP)) == {"status"}

    middle = next(item for item in listed.json if item["service_request_id"] == ids[1])
    since = api.get(
        "/open311/v2/requests.json",
        query_string={"start_date": middle["requested_datetime"]},
        as_user=APP,
    ).json
    assert [item["service_request_id"] for item in since] == [ids[2], ids[1]]
    until = api.get(
        "/open311/v2/requests.json",
        query_string={"end_date": middle["requested_datetime"]},
        as_user=APP,
    ).json
    assert [item["service_request_id"] for item in until] == [ids[1], ids[0]]
    backwards = api.get(
        "/open311/v2/requests.json",
        query_string={"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
        as_user=APP,
    )
    assert field_of(backwards) == {"end_date"}
    naive = api.get(
        "/open311/v2/requests.json", query_string={"start_date": "2026-01-01T00:00:00"}, as_user=APP
    )
    assert field_of(naive) == {"start_date"}


def test_one_request_is_only_the_callers_and_only_the_tenants(api) -> None:
    request_id = submit(api).json[0]["service_request_id"]
    mine = api.get(f"/open311/v2/requests/{request_id}.json", as_user=APP)
    assert mine.status_code == 200
    assert len(mine.json) == 1
    assert mine.json[0]["description"].startswith("人民路12号")
    assert mine.json[0]["address"] == "人民路12号"
    assert api.get(f"/open311/v2/requests/{request_id}.json", as_user=OTHER_APP).status_code == 404
    assert api.get(f"/open311/v2/requests/{request_id}.json", as_user=TENANT_B).status_code == 404
    assert api.get("/open311/v2/requests/made-up.json", as_user=APP).status_code == 404
    assert api.get("/open311/v2/requests.json", as_user=TENANT_B).json == []
    by_id = api.get(f"/open311/v2/requests.json?service_request_id={request_id}", as_user=TENANT_B)
    assert by_id.json == []
