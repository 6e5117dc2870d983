"""Every route of every service, walked with another tenant's token and the ids of real objects.

Generated from each running service's ``/openapi.json``: a route added tomorrow is walked
tomorrow without anyone remembering to list it. Tenant A (``tenant_a``, never the demo) makes
one real object of every kind; tenant B's admin (``tenant_b``) then calls every method of every
path that has path parameters, filled with A's ids.

What proves "B cannot see or touch A's object" (decided here, asserted below):

* **404**, as a problem+json, whatever the method: B is told A's object does not exist, exactly
  what B is told for ids nobody has (same status and problem type, checked each time). For
  ``GET`` the same call as A answers 2xx first (a positive control: the ids really name A's
  objects, so B's 404 is the wall, not a typo);
* **403** only where the operation's ``x-required-roles`` (documented from the view's role
  guard) shares no role with B's admin (tenant-admin, center-staff): such a caller is refused
  before any object is looked up, whatever the id (``/tenants/{tenant_id}/offboard`` and the
  other platform-operator routes);
* anything else fails: 2xx (B reached A's object), 5xx, and also 422 or 409 -- the body sent is
  a minimal *valid* one built from the operation's request schema (required properties, from
  examples, enums and formats), so an answer about the body means validation ran before the
  id was looked up, which hides whether the wall holds; such a route needs a better body here.

Path parameters map to ids A created (``ids_of_a``) or to vocabulary that is the same in
every tenant (``VOCABULARY``: a role name, a base-information category). A path parameter in
neither fails the test naming the route. A route whose only parameters are vocabulary names no
object of A, so it is not a wall: it must be listed in ``NOT_TENANT_OBJECTS`` with the reason,
or the test fails.

Filters walk too (``test_another_tenants_ids_filter_nothing``): every ``GET`` with a query
parameter named ``*_id`` is called by B with A's id in it; the answer must be a 404 or 422
problem identical (status and problem type) to what B gets for an id nobody has, or a 2xx that
mentions none of A's ids (an empty page: the filter matched nothing of B's). A ``*_id`` query
parameter with no object of A behind it fails the test naming the route.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from PIL import Image

from tests.conftest import PORTS, Api, wait_until
from tests.tenants import TEST_OVERSEER, TestTenant

pytestmark = pytest.mark.e2e

B_ROLES = frozenset({"tenant-admin", "center-staff"})  # what onboarding gives a tenant's admin
METHODS = ("get", "put", "post", "patch", "delete")

# Parameters that are vocabulary, the same in every tenant: the value used.
VOCABULARY = {
    "role": "grid-worker",
    "version": "1",  # a questionnaire's or scheme's version: the parent id names the object
    "period": "2025",  # an assessment period: the scheme id names the object
    "name": "seed_000_xueyan_town_2020",  # a scheme template, the platform's
    "category": "population",
    "sub_category": "registered",
    "service_code": "city_management",  # an event category every tenant starts with
}

# Routes with no object of A in their path (vocabulary only): what each answers B instead.
NOT_TENANT_OBJECTS = {
    "/roles/{role}/users": "lists B's own users holding the role",
    "/open311/v2/services/{service_code}.json": "B's own category of that code",
    "/scheme-templates/{name}": "the platform's seed templates, the same for every tenant",
}

# Routes whose path parameter is a bearer link, not a tenant object: no login is asked, the
# link itself is the key (it names its tenant and works once); what each answers instead.
BEARER_LINKS = {
    "/s/{token}": "survey's resident page: a one-time link, the same page for any caller",
}

# Query filters naming an object of another kind than their name says: which of A's ids.
QUERY_ALIASES = {"aggregate_id": "grid_id", "worker_id": "user_id", "assignee_id": "grid_id"}

_PARAM = re.compile(r"{([^}]+)}")


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str
    spec: dict[str, Any]
    document: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.service}: {self.method.upper()} {self.path}"


def _fetch_openapi(api: Callable[[str, str | None], Api]) -> dict[str, dict[str, Any]]:
    documents = {}
    for service in PORTS:
        response = api(service, None).get("/openapi.json")
        assert response.status_code == 200, f"{service}/openapi.json: {response.status_code}"
        documents[service] = response.json()
    return documents


def _operations(documents: dict[str, dict[str, Any]]) -> Iterator[Operation]:
    for service, document in documents.items():
        for path, item in document["paths"].items():
            if not _PARAM.search(path):
                continue
            for method in METHODS:
                if method in item:
                    yield Operation(service, method, path, item[method], document)


# --- minimal valid bodies ---------------------------------------------------------------


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            resolved = _resolve(part, document)
            merged = {
                **merged,
                **resolved,
                "properties": {**merged.get("properties", {}), **resolved.get("properties", {})},
                "required": [*merged.get("required", []), *resolved.get("required", [])],
            }
        return merged
    if "anyOf" in schema or "oneOf" in schema:
        options = [
            _resolve(option, document) for option in schema.get("anyOf", schema.get("oneOf"))
        ]
        return next((o for o in options if o.get("type") not in (None, "null")), options[0])
    return schema


_FORMATS = {"date": "2025-06-30", "date-time": "2025-06-30T08:00:00+08:00", "email": "t@e2e.test"}


def example_of(  # noqa: PLR0911  # one return per kind of schema
    schema: dict[str, Any], document: dict[str, Any], ids: dict[str, str], *, change: bool = False
) -> Any:
    """A small valid value for ``schema``: its example, first enum value, or a plain value.
    ``change``: the body of a PATCH, which refuses one that changes nothing, so it carries the
    first optional property besides the required ones (a correction's reason is not a change)."""
    schema = _resolve(schema, document)
    if "example" in schema:
        return schema["example"]
    if schema.get("enum"):
        return next(value for value in schema["enum"] if value is not None)
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        wanted = list(schema.get("required") or ())
        if change or not wanted:
            wanted += [name for name in properties if name not in wanted][:1]
        return {
            name: ids[name] if name in ids else example_of(prop, document, ids)
            for name, prop in properties.items()
            if name in wanted
        }
    if kind == "array":
        count = max(1, int(schema.get("minItems", 1)))
        return [example_of(schema.get("items", {}), document, ids) for _ in range(count)]
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if schema.get("format") in _FORMATS:
        return _FORMATS[schema["format"]]
    if "pattern" in schema:
        return "x1"
    return "x"


# Required query parameters that name no object: the value sent (a comparison's versions).
QUERY_VALUES = {"from": "1", "to": "1"}


def body_of(operation: Operation, ids: dict[str, str]) -> dict[str, Any]:
    """``requests`` keyword arguments carrying a minimal valid body, if the operation has one,
    and its required query parameters (so an answer about them cannot hide the wall)."""
    content = operation.spec.get("requestBody", {}).get("content", {})
    kwargs: dict[str, Any] = {}
    required = {
        parameter["name"]
        for parameter in operation.spec.get("parameters", [])
        if parameter.get("in") == "query" and parameter.get("required")
    }
    if required:
        values = {**VOCABULARY, **ids, **QUERY_VALUES}
        kwargs["params"] = {name: values[name] for name in sorted(required)}
    if "application/json" in content:
        schema = content["application/json"]["schema"]
        change = operation.method == "patch"
        kwargs["json"] = example_of(schema, operation.document, ids, change=change)
    elif content:  # multipart uploads: an empty workbook part is as minimal as a body gets
        kwargs["files"] = {"file": ("empty.xlsx", b"", "application/octet-stream")}
    return kwargs


# --- A's objects -------------------------------------------------------------------------


def _created(client: Api, path: str, body: dict[str, Any], *ok: int) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code in (ok or (201,)), f"{path}: {response.status_code} {response.text}"
    return dict(response.json())


@pytest.fixture(scope="module")
def ids_of_a(api: Callable[[str, str | None], Api], tenant_a: TestTenant) -> dict[str, str]:
    """One real object of every kind in tenant A; path parameter name -> A's id."""
    registry = api("grid_registry", tenant_a.admin)
    identity = api("identity", tenant_a.admin)
    suffix = uuid.uuid4().hex[:8]
    division = _created(
        registry, "/divisions", {"code": f"W{suffix}", "name": "走查村", "kind": "village"}
    )
    ring = [[121.5, 30.5], [121.51, 30.5], [121.51, 30.51], [121.5, 30.51], [121.5, 30.5]]
    grid = _created(
        registry,
        "/grids",
        {
            "division_id": division["division_id"],
            "code": f"W{suffix}-G1",
            "name": "走查网格",
            "type": "village",
            "boundary": {"type": "Polygon", "coordinates": [ring]},
            "valid_from": "2025-01-01",
        },
    )
    member = _created(
        registry,
        f"/grids/{grid['grid_id']}/team/members",
        {"role": "grid_leader", "person_name": "走查网格长", "starts_on": "2025-01-01"},
    )
    subject = _created(
        registry,
        "/subjects",
        {"category": "hazard_place", "grid_id": grid["grid_id"], "name": "走查加油站（虚构）"},
    )
    item_code = f"walk_{suffix}"
    _created(
        registry, "/filing-items", {"code": item_code, "title": "走查制度", "due_on": "2025-03-31"}
    )
    filing = _created(
        registry,
        f"/divisions/{division['division_id']}/filings",
        {
            "item_code": item_code,
            "filed_on": "2025-03-20",
            "evidence": {"document_title": "走查", "reference": "walk://evidence.pdf"},
        },
    )
    account = _created(
        identity, "/service-accounts", {"name": f"walk-{suffix}", "scope": "registry.read"}
    )
    worker = next(
        user
        for user in identity.get("/users", params={"page_size": 50}).json()["items"]
        if user["username"].startswith("worker.")
    )
    intake = api("event_intake", tenant_a.admin)
    patrol = api("patrol_tracking", tenant_a.admin)
    leave = _created(
        patrol,
        "/leave",
        {
            "worker_id": worker["user_id"],
            "first_day": datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat(),
            "kind": "clash",
            "reason": "走查",
        },
    )
    survey = api("survey", tenant_a.admin)
    visit_photo = _visit_photo(api("patrol_tracking", tenant_a.worker), subject["subject_id"])
    return {
        **_intake_objects(intake, grid["grid_id"], worker["user_id"]),
        **_survey_objects(survey, grid["code"]),
        **_scoring_objects(api("scoring", tenant_a.admin), division["division_id"]),
        "district_id": tenant_a.district_id,
        "worker_id": worker["user_id"],  # /workers/{worker_id}/track and /month: A's worker
        "leave_id": leave["leave_id"],
        "visit_photo_id": visit_photo,
        "division_id": division["division_id"],
        "grid_id": grid["grid_id"],
        "membership_id": member["membership_id"],
        "subject_id": subject["subject_id"],
        "filing_id": filing["filing_id"],
        "code": item_code,  # /filing-items/{code}: a checklist item only A has
        "service_account_id": account["service_account"]["service_account_id"],
        "user_id": worker["user_id"],
        "tenant_id": tenant_a.code,
    }


def _visit_photo(patrol: Api, subject_id: str) -> str:
    """A's worker's photo of a visit to the walk's key subject (which patrol_tracking learns
    from the registry's events a moment after it was made)."""
    image = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 30, 200)).save(image, format="PNG")
    answers: list[Any] = []

    def added() -> bool:
        answers.append(
            patrol.session.post(
                f"{patrol.base}/visits/photos",
                data={"subject_id": subject_id, "taken_at": datetime.now(UTC).isoformat()},
                files={"file": ("visit.png", image.getvalue(), "image/png")},
                timeout=10,
            )
        )
        return answers[-1].status_code == 201

    assert wait_until(added, timeout=30, interval=0.5), answers[-1].text
    photo_id: str = answers[-1].json()["photo_id"]
    return photo_id


def _intake_objects(intake: Api, grid_id: str, worker_id: str) -> dict[str, str]:
    """One object of every kind event_intake keeps, in the walk's grid (which event_intake
    learns from the registry's events a moment after it was made)."""
    report = {
        "source": "web",
        "category": "city_management",
        "title": "走查事项",
        "grid_id": grid_id,
    }
    answers: list[Any] = []

    def reported() -> bool:
        answers.append(intake.post("/events", json=report))
        return answers[-1].status_code == 201

    assert wait_until(reported, timeout=30, interval=0.5), answers[-1].text
    event = answers[-1].json()
    image = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(image, format="PNG")
    photo = intake.session.post(
        f"{intake.base}/events/{event['event_id']}/photos",
        data={"kind": "before"},
        files={"file": ("walk.png", image.getvalue(), "image/png")},
        timeout=10,
    )
    assert photo.status_code == 201, photo.text
    department = _created(intake, "/departments", {"code": "WALK", "name": "走查部门"})
    record = _created(
        intake,
        "/records",
        {
            "kind": "service_record",
            "grid_id": grid_id,
            "worker_id": worker_id,
            "date": "2026-01-05",
        },
    )
    task = _created(
        intake,
        "/tasks",
        {
            "title": "走查任务",
            "assignee_kind": "grid",
            "assignee_id": grid_id,
            "deadline": "2030-01-01T09:00:00+08:00",
        },
    )
    inspection = _created(
        intake,
        "/inspections",
        {
            "kind": "daily_patrol",
            "grid_id": grid_id,
            "found_on": "2026-01-05",
            "category": "sanitation",
            "rectification_deadline": "2030-01-01T09:00:00+08:00",
        },
    )
    request = intake.post(
        "/open311/v2/requests.json",
        json={"service_code": "city_management", "lat": 30.505, "long": 121.505},
    )
    assert request.status_code == 201, request.text
    return {
        "event_id": event["event_id"],
        "photo_id": photo.json()["photo_id"],
        "department_id": department["department_id"],
        "record_id": record["record_id"],
        "task_id": task["task_id"],
        "inspection_id": inspection["inspection_id"],
        "service_request_id": request.json()[0]["service_request_id"],
    }


def _survey_objects(survey: Api, grid_code: str) -> dict[str, str]:
    """A published questionnaire, a campaign of one household in the walk's grid (which
    survey learns from the registry's events a moment after it was made), drawn, opened and
    answered by phone: one object of every kind survey keeps."""
    questionnaire = _created(
        survey,
        "/questionnaires",
        {
            "name": "走查问卷",
            "questions": [{"key": "sat", "kind": "single", "label": "您是否满意？"}],
            "satisfaction": {"question_key": "sat", "preset": "three_level", "basic_credit": "1"},
        },
    )
    questionnaire_id = questionnaire["questionnaire_id"]
    _created(survey, f"/questionnaires/{questionnaire_id}/publish", {}, 200)
    campaign = _created(
        survey,
        "/campaigns",
        {
            "name": "走查调查",
            "kind": "third_party_survey",
            "period_kind": "year",
            "period": "2025",
            "questionnaire_id": questionnaire_id,
            "questionnaire_version": 1,
            "default_quota": 1,
            "seed": 7,
        },
    )
    campaign_id = campaign["campaign_id"]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["户编号", "网格编码", "联系电话"])
    sheet.append(["H-WALK-1", grid_code, "13900000000"])
    data = io.BytesIO()
    book.save(data)
    answers: list[Any] = []

    def imported() -> bool:
        answers.append(
            survey.session.post(
                f"{survey.base}/campaigns/{campaign_id}/frame",
                files={"file": ("frame.xlsx", data.getvalue(), "application/octet-stream")},
                timeout=30,
            )
        )
        return answers[-1].status_code == 200 and answers[-1].json()["failed"] == 0

    assert wait_until(imported, timeout=30, interval=0.5), answers[-1].text
    _created(survey, f"/campaigns/{campaign_id}/sample", {})
    _created(survey, f"/campaigns/{campaign_id}/open", {}, 200)
    member = survey.get(f"/campaigns/{campaign_id}/sample").json()["items"][0]
    _created(
        survey,
        f"/campaigns/{campaign_id}/interviews",
        {
            "respondent_code": member["code"],
            "outcome": "completed",
            "answers": {"sat": "satisfied"},
            "request_id": "walk-1",
        },
    )
    response = survey.get(f"/campaigns/{campaign_id}/responses").json()["items"][0]
    return {
        "questionnaire_id": questionnaire_id,
        "campaign_id": campaign_id,
        "response_id": response["response_id"],
    }


def _scoring_objects(scoring: Api, division_id: str) -> dict[str, str]:
    """A scheme from seed 000 (a town's villages), published, its year 2025 evaluated and
    locked once scoring knows the walk's village (from the registry's events; it has no facts:
    accepted incomplete), a manual input of it, and the provisional sheets the worker makes
    for a published scheme."""
    scheme = _created(scoring, "/schemes", {"template": "seed_000_xueyan_town_2020"})
    scheme_id = scheme["scheme_id"]
    _created(scoring, f"/schemes/{scheme_id}/publish", {}, 200)
    answers: list[Any] = []

    def evaluated() -> bool:
        answers.append(
            scoring.post(
                f"/schemes/{scheme_id}/evaluations",
                json={"period": "2025", "accept_incomplete": True},
            )
        )
        return answers[-1].status_code in (200, 201)

    assert wait_until(evaluated, timeout=30, interval=0.5), answers[-1].text
    # Its bulletin (排名通报) of the year: GET .../bulletins/{period} names a real one of A's.
    _created(scoring, f"/schemes/{scheme_id}/bulletins", {"period": "2025"})
    manual = _created(
        scoring,
        "/manual-inputs",
        {
            "input_id": "leader_praise",
            "subject_id": division_id,
            "period": "2025",
            "value": {"city": 1, "district": 0},
            "evidence": "走查",
        },
    )
    # An appeal (申诉) of the village's staffing line, filed by the centre on its behalf, with
    # a photo as evidence: /appeals/{appeal_id} and its /evidence/{evidence_id}.
    appeal = _created(
        scoring,
        f"/schemes/{scheme_id}/evaluations/2025/appeals",
        {"subject_id": division_id, "line": "staffing", "text": "走查", "request_id": scheme_id},
    )
    photo = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 200, 30)).save(photo, format="PNG")
    evidence = scoring.session.post(
        f"{scoring.base}/appeals/{appeal['appeal_id']}/evidence",
        files={"file": ("walk.png", photo.getvalue(), "image/png")},
        timeout=10,
    )
    assert evidence.status_code == 201, evidence.text
    assert wait_until(
        lambda: scoring.get(f"/schemes/{scheme_id}/provisional").status_code == 200,
        timeout=30,
        interval=0.5,
    ), scoring.get(f"/schemes/{scheme_id}/provisional").text
    return {
        "scheme_id": scheme_id,
        "manual_input_id": manual["manual_input_id"],
        "input_id": "leader_praise",  # a scheme input: the filter must find none of A's in B
        # Scoring's subjects are the scheme's (seed 000: villages), not the registry's key
        # subjects that share the parameter's name.
        "scoring:subject_id": division_id,
        "appeal_id": appeal["appeal_id"],
        "evidence_id": evidence.json()["evidence_id"],
    }


# --- the walk ----------------------------------------------------------------------------


def _fill(operation: Operation, ids: dict[str, str]) -> str:
    names = _PARAM.findall(operation.path)
    ids = {**ids, **_service_ids(operation.service, ids)}
    unknown = [name for name in names if name not in ids and name not in VOCABULARY]
    assert not unknown, (
        f"{operation.name}: no object of tenant A for path parameter(s) {unknown}; "
        "create one in ids_of_a (or list vocabulary in VOCABULARY) so the route is walked"
    )
    return _PARAM.sub(
        lambda match: str(ids.get(match[1], VOCABULARY.get(match[1]))), operation.path
    )


def _service_ids(service: str, ids: dict[str, str]) -> dict[str, str]:
    """The ids one service's parameters mean where a name means another kind elsewhere
    (``<service>:<name>`` in ids_of_a)."""
    prefix = f"{service}:"
    return {key.removeprefix(prefix): value for key, value in ids.items() if key.startswith(prefix)}


def _names_an_object(operation: Operation) -> bool:
    return any(name not in VOCABULARY for name in _PARAM.findall(operation.path))


def test_another_tenants_token_never_reaches_an_object_of_a(
    api: Callable[[str, str | None], Api],
    tenant_a: TestTenant,
    tenant_b: TestTenant,
    ids_of_a: dict[str, str],
) -> None:
    documents = _fetch_openapi(api)
    walked: list[str] = []
    failures: list[str] = []
    for operation in _operations(documents):
        if operation.path in BEARER_LINKS:
            continue
        if not _names_an_object(operation):
            assert operation.path in NOT_TENANT_OBJECTS, (
                f"{operation.name}: its path names no object of tenant A (only {VOCABULARY}); "
                "add an object parameter to ids_of_a or explain it in NOT_TENANT_OBJECTS"
            )
            continue
        path = _fill(operation, ids_of_a)
        kwargs = body_of(operation, ids_of_a)
        method = operation.method.upper()
        required = frozenset(operation.spec.get("x-required-roles") or ())
        refused_by_role = bool(required) and not required & B_ROLES
        if method == "GET":  # positive control: the ids really are A's objects
            own = api(operation.service, _reader_of_a(required, tenant_a)).get(path, **kwargs)
            assert 200 <= own.status_code < 300, (
                f"{operation.name} as A: {own.status_code} {own.text[:300]}"
            )
        answer = api(operation.service, tenant_b.admin).request(method, path, **kwargs)
        walked.append(f"{operation.name} -> {answer.status_code}")
        allowed = {404, 403} if refused_by_role else {404}
        if answer.status_code not in allowed:
            failures.append(
                f"{operation.name} -> {answer.status_code} (wanted {sorted(allowed)}): "
                f"{answer.text[:300]}"
            )
        elif not answer.headers.get("Content-Type", "").startswith("application/problem+json"):
            failures.append(f"{operation.name} -> {answer.status_code} without problem+json")
        else:  # and exactly what B is told for ids nobody has
            nobody = {name: _nobodys() for name in ids_of_a}
            control = api(operation.service, tenant_b.admin).request(
                method, _fill(operation, nobody), **kwargs
            )
            if _kind(control) != _kind(answer):
                failures.append(
                    f"{operation.name} -> {_kind(answer)}, unknown ids -> {_kind(control)}"
                )
    assert not failures, "tenant B reached tenant A's objects:\n" + "\n".join(failures)
    assert len(walked) > 20, walked


# Who reads A's objects on a route tenant roles may not call: A's district's overseer reads its
# district reports (A is in the tests' district), the platform operator the platform's routes.
CROSS_TENANT_READERS = {"district-overseer": TEST_OVERSEER, "platform-admin": "platform.admin"}


def _reader_of_a(required: frozenset[str], tenant_a: TestTenant) -> str:
    """The login whose GET proves the ids name A's objects: A's admin, or for a route of a
    cross-tenant role the holder of that role who may see A."""
    if not required or required & B_ROLES:
        return tenant_a.admin
    return next(
        CROSS_TENANT_READERS[role] for role in sorted(required) if role in CROSS_TENANT_READERS
    )


def _nobodys() -> str:
    return str(uuid.uuid4())


def _kind(answer: Any) -> tuple[int, str | None]:
    """Status and problem type: what a caller learns from a refusal."""
    is_problem = answer.headers.get("Content-Type", "").startswith("application/problem+json")
    return answer.status_code, answer.json().get("type") if is_problem else None


def test_another_tenants_ids_filter_nothing(
    api: Callable[[str, str | None], Api],
    tenant_b: TestTenant,
    ids_of_a: dict[str, str],
) -> None:
    documents = _fetch_openapi(api)
    walked: list[str] = []
    failures: list[str] = []
    a_ids = set(ids_of_a.values())
    for service, document in documents.items():
        for path, item in document["paths"].items():
            operation = item.get("get")
            if operation is None or _PARAM.search(path):
                continue  # paths with parameters: walked above
            filters = [
                parameter["name"]
                for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]
                if parameter.get("in") == "query" and parameter["name"].endswith("_id")
            ]
            for name in filters:
                key = QUERY_ALIASES.get(name, name)
                assert key in ids_of_a, (
                    f"{service}: GET {path}?{name}=: no object of tenant A for this filter; "
                    "create one in ids_of_a (or map it in QUERY_ALIASES) so it is walked"
                )
                answer = api(service, tenant_b.admin).get(path, params={name: ids_of_a[key]})
                walked.append(f"{service}: GET {path}?{name}= -> {answer.status_code}")
                if answer.status_code in (404, 422):
                    # only if that is what an id nobody has gets: else A's id told B something
                    control = api(service, tenant_b.admin).get(path, params={name: _nobodys()})
                    if _kind(control) != _kind(answer):
                        failures.append(f"{walked[-1]}, an unknown id -> {_kind(control)}")
                    continue
                leaked = sorted(value for value in a_ids if value in answer.text)
                if not 200 <= answer.status_code < 300 or leaked:
                    failures.append(f"{walked[-1]} {leaked}: {answer.text[:300]}")
    assert not failures, "tenant B's filters found tenant A's objects:\n" + "\n".join(failures)
    assert len(walked) >= 5, walked
