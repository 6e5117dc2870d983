"""Open311 GeoReport v2 for third-party apps: GeoReport's services and service requests mapped
onto the tenant's categories (事项分类) and events (事项).

Mapping only: a request is reported through `events.report_event` (source
``resident_complaint``) and read through `events.visible_event`, so every rule of the event
workflow (grid location, deadlines, idempotency, who may report) stays where it is.

- A service is a category: ``service_code`` = the category code.
- A caller sees only the requests he reported himself (data minimisation: a third-party app
  must never list the reports of other channels, nor those of another app of the tenant).
- GeoReport's two statuses: ``closed`` = closed, rejected or merged; ``open`` = anything else.
- Nothing about the resident is kept beyond his text (the description) and the place: the
  views drop the spec's email, phone, names, device and account ids before they get here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.event_intake.domain.events import Event, Source, State
from services.event_intake.domain.taxonomy import Category, Taxonomy
from services.event_intake.repository.events import to_domain
from services.event_intake.use_cases import events
from services.event_intake.use_cases.context import IntakeContext
from shared.errors import FieldProblem, InvalidInput, NotFound
from shared.mongo import Page

TITLE_CHARS = 50
SERVICE_TYPE = "realtime"  # the request id is answered at once (no GeoReport token)
CLOSED_STATES = frozenset({State.CLOSED, State.REJECTED, State.MERGED})
OPEN_STATES = frozenset(State) - CLOSED_STATES
# The event fields a domain error names, as the GeoReport client sent them.
_FIELD_NAMES = {
    "category": "service_code",
    "position": "lat",
    "address": "address_string",
    "title": "description",
}


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Service:
    """A GeoReport service: one category of the tenant. ``metadata`` is always false (no
    attributes to fill in); ``group`` is None (the taxonomy has a single level)."""

    service_code: str
    service_name: str
    description: str
    keywords: str
    metadata: bool = False
    type: str = SERVICE_TYPE
    group: str | None = None


@dataclass(frozen=True)
class ServiceDefinition:
    service_code: str
    attributes: tuple[()] = ()


@dataclass(frozen=True)
class Submitted:
    """The answer to a POST: ``created`` is False for a retried idempotency key (the first
    report's id). ``account_id`` stays None: no resident account is ever kept."""

    service_request_id: str
    service_notice: str
    created: bool
    account_id: None = None


@dataclass(frozen=True)
class ServiceRequest:
    """An event in GeoReport's fields; the nulls are fields the platform does not keep."""

    service_request_id: str
    status: Status
    service_name: str
    service_code: str
    description: str
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime | None
    address: str
    lat: float | None
    long: float | None
    status_notes: None = None
    agency_responsible: None = None
    service_notice: None = None
    media_url: None = None


@dataclass(frozen=True)
class RequestFilter:
    """GET requests' filters; empty sets mean "any"."""

    service_request_ids: frozenset[str] = frozenset()
    service_codes: frozenset[str] = frozenset()
    statuses: frozenset[Status] = frozenset()
    start: datetime | None = None
    end: datetime | None = None


# --- pure mapping -------------------------------------------------------------------------


def as_service(category: Category) -> Service:
    return Service(
        service_code=category.code,
        service_name=category.name,
        description=category.name,
        keywords=f"{category.name},{category.code}",
    )


def status_of(state: State) -> Status:
    return Status.CLOSED if state in CLOSED_STATES else Status.OPEN


def states_of(statuses: Iterable[Status]) -> frozenset[State]:
    """The event states a set of GeoReport statuses stands for (empty: any state)."""
    found: frozenset[State] = frozenset()
    for status in statuses:
        found |= CLOSED_STATES if status is Status.CLOSED else OPEN_STATES
    return found


def title_for(description: str, service_name: str) -> str:
    """The event's title: the first 50 characters of the resident's text on one line, or the
    service's name when he wrote nothing."""
    line = " ".join(description.split())
    return line[:TITLE_CHARS].rstrip() or service_name


def idempotency_key(request_id: str | None, header: str | None) -> str | None:
    """The client's retry key from the body's ``request_id`` or the ``Idempotency-Key``
    header; both may be given only when equal."""
    if request_id is not None and header is not None and request_id != header:
        raise InvalidInput.of("request_id", "differs from the Idempotency-Key header")
    return request_id if request_id is not None else header


def as_service_request(event: Event, taxonomy: Taxonomy) -> ServiceRequest:
    """``expected_datetime`` is the deadline running now: closure once accepted, acceptance
    before; ``updated_datetime`` the last entry of the history."""
    name = next((c.name for c in taxonomy.categories if c.code == event.category), event.category)
    last = event.history[-1].at if event.history else event.reported_at
    return ServiceRequest(
        service_request_id=event.event_id,
        status=status_of(event.state),
        service_name=name,
        service_code=event.category,
        description=event.description,
        requested_datetime=event.reported_at,
        updated_datetime=last,
        expected_datetime=event.closure_deadline or event.acceptance_deadline,
        address=event.address,
        lat=None if event.position is None else event.position.lat,
        long=None if event.position is None else event.position.lon,
    )


def renamed(problem: InvalidInput) -> InvalidInput:
    """The event's 422 with its fields named as GeoReport names them."""
    return InvalidInput(
        FieldProblem(_FIELD_NAMES.get(p.field, p.field), p.reason) for p in problem.problems
    )


# --- use cases ----------------------------------------------------------------------------


def _service(taxonomy: Taxonomy, service_code: str, *, field: str | None) -> Category:
    for category in taxonomy.categories:
        if category.code == service_code:
            return category
    if field is None:
        raise NotFound(f"service {service_code} not found")
    raise InvalidInput.of(field, "is not a service of this jurisdiction")


def list_services(ctx: IntakeContext) -> list[Service]:
    """The tenant's categories as GeoReport services, in the taxonomy's order."""
    return [as_service(category) for category in ctx.settings.current().taxonomy.categories]


def service_definition(ctx: IntakeContext, *, service_code: str) -> ServiceDefinition:
    """The service's (empty) attribute list; `NotFound` for a code the tenant does not have."""
    category = _service(ctx.settings.current().taxonomy, service_code, field=None)
    return ServiceDefinition(service_code=category.code)


def submit_request(
    ctx: IntakeContext,
    *,
    service_code: str,
    lat: float,
    long: float,
    address_string: str = "",
    description: str = "",
    request_id: str | None = None,
    idempotency_header: str | None = None,
) -> Submitted:
    """Report the resident's request as an event in state ``reported``; the same key again
    answers the first one. 422s name GeoReport's fields (``lat`` when outside every grid)."""
    key = idempotency_key(request_id, idempotency_header)
    category = _service(ctx.settings.current().taxonomy, service_code, field="service_code")
    try:
        found = events.report_event(
            ctx,
            source=Source.RESIDENT_COMPLAINT.value,
            category=category.code,
            title=title_for(description, category.name),
            description=description,
            address=address_string,
            position={"lon": long, "lat": lat},
            request_id=key,
        )
    except InvalidInput as exc:
        raise renamed(exc) from None
    deadline = found.event.acceptance_deadline.isoformat()
    return Submitted(
        service_request_id=found.event.event_id,
        service_notice=f"已登记，受理时限 {deadline} / registered, to be accepted by {deadline}",
        created=found.created,
    )


def get_request(ctx: IntakeContext, *, service_request_id: str) -> ServiceRequest:
    """One request the caller reported; `NotFound` for anyone else's (and another tenant's)."""
    event = events.visible_event(ctx, service_request_id)
    if event.reporter_id != ctx.actor:
        raise NotFound(f"service request {service_request_id} not found")
    return as_service_request(event, ctx.settings.current().taxonomy)


def list_requests(
    ctx: IntakeContext, *, where: RequestFilter, offset: int, limit: int
) -> Page[ServiceRequest]:
    """A page of the requests the caller reported himself, newest first.

    `events.list_events` takes one state and whole days; GeoReport asks for a group of states
    and instants, so this reads the same repository with the same order, always narrowed to
    ``reporter_id`` = the caller (a reporter always sees his own reports: no visibility rule
    is widened here)."""
    filters: dict[str, object] = {"reporter_id": ctx.actor}
    states = states_of(where.statuses)
    for name, values in (
        ("event_id", where.service_request_ids),
        ("category", where.service_codes),
        ("state", set() if states == frozenset(State) else {state.value for state in states}),
    ):
        if len(values) == 1:
            filters[name] = next(iter(values))  # an equality PostgreSQL can answer
        elif values:
            filters[f"{name}__in"] = sorted(values)
    if where.start is not None:
        filters["reported_at__gte"] = where.start
    if where.end is not None:
        filters["reported_at__lte"] = where.end
    found = ctx.events.list(
        offset=offset, limit=limit, order_by=("-reported_at", "-event_id"), **filters
    )
    taxonomy = ctx.settings.current().taxonomy
    return found.map(lambda doc: as_service_request(to_domain(doc), taxonomy))
