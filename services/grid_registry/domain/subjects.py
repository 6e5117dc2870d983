"""Key subjects (重点对象): the people and places a grid worker must visit on a cycle.

Seed 001: key persons (重点人员) weekly, special groups (特殊人群) and care recipients (关爱对象)
monthly, places with a major hazard (重大安全隐患场所) daily. The personal data they carry is
shown only to the tenant centre and to the grid's own team; to everyone else the subject does not
exist. Events carry ids, grid, category and cycle only, so patrol tracking can check visits
without ever receiving a name, an ID number, a phone number or an address. Subjects here hold
plain values; the repository stores ID numbers, phones and notes encrypted (ADR 13).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar, Final, TypeVar

from services.grid_registry.domain.teams import GridFacts
from shared.clock import require_aware
from shared.errors import FieldProblem, InvalidInput, StateConflict

NAME_MAX = 64
SUB_CATEGORY_MAX = 32
ADDRESS_MAX = 200
NOTES_MAX = 2000
REASON_MAX = 200
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9-]{4,19}$")

# Roles whose holders see every subject of the tenant (网格化服务管理中心).
CENTRE_ROLES: Final = frozenset({"tenant-admin", "center-staff"})


class SubjectCategory(StrEnum):
    KEY_PERSON = "key_person"
    SPECIAL_GROUP = "special_group"
    CARE_RECIPIENT = "care_recipient"
    HAZARD_PLACE = "hazard_place"


CATEGORY_LABELS: Mapping[SubjectCategory, str] = {
    SubjectCategory.KEY_PERSON: "重点人员 / key person",
    SubjectCategory.SPECIAL_GROUP: "特殊人群 / special group",
    SubjectCategory.CARE_RECIPIENT: "关爱对象 / care recipient",
    SubjectCategory.HAZARD_PLACE: "重大危险源/重点场所 / major-hazard place",
}

PERSON_CATEGORIES: Final = frozenset(
    {SubjectCategory.KEY_PERSON, SubjectCategory.SPECIAL_GROUP, SubjectCategory.CARE_RECIPIENT}
)


class VisitCycle(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


DEFAULT_CYCLES: Mapping[SubjectCategory, VisitCycle] = {
    SubjectCategory.HAZARD_PLACE: VisitCycle.DAILY,
    SubjectCategory.KEY_PERSON: VisitCycle.WEEKLY,
    SubjectCategory.SPECIAL_GROUP: VisitCycle.MONTHLY,
    SubjectCategory.CARE_RECIPIENT: VisitCycle.MONTHLY,
}


class SubjectStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


PERSON_FIELDS: Final = ("gender", "id_number", "phone", "notes")
PLACE_FIELDS: Final = ("contact_person", "contact_phone")
CATEGORY_VALUES = tuple(c.value for c in SubjectCategory)
CYCLE_VALUES = tuple(c.value for c in VisitCycle)
STATUS_VALUES = tuple(s.value for s in SubjectStatus)
GENDER_VALUES = tuple(g.value for g in Gender)

# GB 11643-1999: weights of the 17 leading digits and the check character for each sum mod 11.
_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK: Final = "10X98765432"
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


def normalise_id_number(raw: str) -> str:
    """The 18-character resident ID number, upper-case X; ``InvalidInput`` on ``id_number``.

    Checks the length, the birth date (characters 7-14) and the ISO 7064 MOD 11-2 check
    character.
    """
    value = raw.strip().upper()
    if not _ID_SHAPE.match(value):
        raise InvalidInput.of("id_number", "must be 17 digits followed by a digit or X")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidInput.of("id_number", "characters 7-14 are not a valid birth date") from None
    if born.year < 1900:
        raise InvalidInput.of("id_number", "characters 7-14 are not a valid birth date")
    total = sum(int(digit) * weight for digit, weight in zip(value, _ID_WEIGHTS, strict=False))
    if _ID_CHECK[total % 11] != value[17]:
        raise InvalidInput.of("id_number", "the check character does not match")
    return value


@dataclass(frozen=True)
class Location:
    lon: float
    lat: float


@dataclass(frozen=True)
class GridMove:
    """A subject moved from one grid to another (history kept on the subject)."""

    from_grid_id: str
    to_grid_id: str
    moved_at: datetime
    moved_by: str


@dataclass(frozen=True)
class Subject:
    """A key person, special-group member, care recipient or hazard place of one grid."""

    subject_id: str
    tenant_id: str
    category: SubjectCategory
    sub_category: str | None
    grid_id: str
    division_id: str
    visit_cycle: VisitCycle
    status: SubjectStatus
    name: str
    address: str | None
    location: Location | None
    gender: Gender | None
    id_number: str | None
    phone: str | None
    notes: str | None
    contact_person: str | None
    contact_phone: str | None
    archived_reason: str | None
    archived_at: datetime | None
    archived_by: str | None
    moves: tuple[GridMove, ...]
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    revision: int = 0

    @property
    def is_person(self) -> bool:
        return self.category in PERSON_CATEGORIES


@dataclass(frozen=True)
class Viewer:
    """Who is looking: centre staff see the tenant's subjects, others only their team grids'."""

    subject: str
    roles: frozenset[str]
    team_grids: frozenset[str]

    @property
    def sees_all(self) -> bool:
        return not self.roles.isdisjoint(CENTRE_ROLES)

    def may_see(self, grid_id: str) -> bool:
        """True when subjects of ``grid_id`` (and their personal data) are visible."""
        return self.sees_all or grid_id in self.team_grids

    def grid_filter(self) -> frozenset[str] | None:
        """The grids a list is restricted to; None for no restriction."""
        return None if self.sees_all else self.team_grids


@dataclass(frozen=True)
class _SubjectEvent:
    subject_id: str
    grid_id: str
    division_id: str
    category: SubjectCategory
    sub_category: str | None
    visit_cycle: VisitCycle
    status: SubjectStatus
    location: Location | None
    actor: str
    occurred_at: datetime

    type: ClassVar[str] = ""
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.subject_id

    def payload(self) -> dict[str, Any]:
        """The `subject.*` v1 payload: ids, grid, category, cycle, status and location only."""
        return {
            "subject_id": self.subject_id,
            "grid_id": self.grid_id,
            "division_id": self.division_id,
            "category": self.category.value,
            "sub_category": self.sub_category,
            "visit_cycle": self.visit_cycle.value,
            "status": self.status.value,
            "location": (
                None
                if self.location is None
                else {"lon": self.location.lon, "lat": self.location.lat}
            ),
            "actor": self.actor,
        }


@dataclass(frozen=True)
class SubjectRegistered(_SubjectEvent):
    type: ClassVar[str] = "subject.registered"


@dataclass(frozen=True)
class SubjectUpdated(_SubjectEvent):
    type: ClassVar[str] = "subject.updated"


@dataclass(frozen=True)
class SubjectMoved(_SubjectEvent):
    previous_grid_id: str = ""
    type: ClassVar[str] = "subject.moved"

    def payload(self) -> dict[str, Any]:
        return {**super().payload(), "previous_grid_id": self.previous_grid_id}


@dataclass(frozen=True)
class SubjectArchived(_SubjectEvent):
    type: ClassVar[str] = "subject.archived"


def _facts(subject: Subject, actor: str, now: datetime) -> dict[str, Any]:
    return {
        "subject_id": subject.subject_id,
        "grid_id": subject.grid_id,
        "division_id": subject.division_id,
        "category": subject.category,
        "sub_category": subject.sub_category,
        "visit_cycle": subject.visit_cycle,
        "status": subject.status,
        "location": subject.location,
        "actor": actor,
        "occurred_at": now,
    }


def _check_grid_open(grid: GridFacts) -> None:
    if grid.status != "active":
        raise StateConflict(f"grid {grid.grid_id} is {grid.status}; it takes no subjects")


def _text(
    problems: list[FieldProblem], name: str, value: str | None, limit: int, *, required: bool
) -> str | None:
    stripped = value.strip() if value is not None else None
    if not stripped:
        if required:
            problems.append(FieldProblem(name, f"must be 1-{limit} characters"))
        return None
    if len(stripped) > limit:
        problems.append(FieldProblem(name, f"must be 1-{limit} characters"))
    return stripped


def _phone(problems: list[FieldProblem], name: str, value: str | None) -> str | None:
    stripped = value.strip() if value is not None else None
    if not stripped:
        return None
    if not PHONE_PATTERN.match(stripped):
        problems.append(FieldProblem(name, "must be 5-20 digits, '-' or a leading '+'"))
    return stripped


def _location(problems: list[FieldProblem], value: Mapping[str, float] | None) -> Location | None:
    if value is None:
        return None
    lon, lat = value.get("lon"), value.get("lat")
    if not isinstance(lon, int | float) or not -180 <= lon <= 180:
        problems.append(FieldProblem("location.lon", "must be a longitude in -180..180"))
    if not isinstance(lat, int | float) or not -90 <= lat <= 90:
        problems.append(FieldProblem("location.lat", "must be a latitude in -90..90"))
    if problems and any(p.field.startswith("location.") for p in problems):
        return None
    assert lon is not None
    assert lat is not None
    return Location(lon=float(lon), lat=float(lat))


T = TypeVar("T", bound=StrEnum)


def _enum(problems: list[FieldProblem], kind: type[T], name: str, value: str | None) -> T | None:
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        options = ", ".join(member.value for member in kind)
        problems.append(FieldProblem(name, f"must be one of: {options}"))
        return None


_FIELDS: Final = (
    "sub_category",
    "visit_cycle",
    "name",
    "address",
    "location",
    "gender",
    "id_number",
    "phone",
    "notes",
    "contact_person",
    "contact_phone",
)


def _details(category: SubjectCategory, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the descriptive fields in ``data`` for ``category``; all problems at once."""
    problems: list[FieldProblem] = []
    person = category in PERSON_CATEGORIES
    foreign = PLACE_FIELDS if person else PERSON_FIELDS
    for name in foreign:
        if data.get(name) is not None:
            kind = "a place" if person else "a person"
            problems.append(FieldProblem(name, f"does not apply to {kind}"))
    out: dict[str, Any] = {
        "sub_category": _text(
            problems, "sub_category", data.get("sub_category"), SUB_CATEGORY_MAX, required=False
        ),
        "visit_cycle": _enum(problems, VisitCycle, "visit_cycle", data.get("visit_cycle")),
        "name": _text(problems, "name", data.get("name"), NAME_MAX, required=True),
        "address": _text(problems, "address", data.get("address"), ADDRESS_MAX, required=False),
        "location": _location(problems, data.get("location")),
        "gender": _enum(problems, Gender, "gender", data.get("gender")),
        "id_number": None,
        "phone": _phone(problems, "phone", data.get("phone")),
        "notes": _text(problems, "notes", data.get("notes"), NOTES_MAX, required=False),
        "contact_person": _text(
            problems, "contact_person", data.get("contact_person"), NAME_MAX, required=False
        ),
        "contact_phone": _phone(problems, "contact_phone", data.get("contact_phone")),
    }
    raw_id = data.get("id_number")
    if raw_id is not None and str(raw_id).strip():
        try:
            out["id_number"] = normalise_id_number(str(raw_id))
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidInput(problems)
    return out


def register_subject(
    *,
    subject_id: str,
    tenant_id: str,
    grid: GridFacts,
    category: str,
    data: Mapping[str, Any],
    actor: str,
    now: datetime,
) -> tuple[Subject, SubjectRegistered]:
    """A new active subject in ``grid``; the visit cycle defaults by category (seed 001)."""
    require_aware(now)
    try:
        parsed = SubjectCategory(category)
    except ValueError:
        raise InvalidInput.of("category", f"must be one of: {', '.join(CATEGORY_VALUES)}") from None
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise InvalidInput([FieldProblem(name, "unknown field") for name in unknown])
    details = _details(parsed, data)
    _check_grid_open(grid)
    subject = Subject(
        subject_id=subject_id,
        tenant_id=tenant_id,
        category=parsed,
        grid_id=grid.grid_id,
        division_id=grid.division_id,
        status=SubjectStatus.ACTIVE,
        **{**details, "visit_cycle": details["visit_cycle"] or DEFAULT_CYCLES[parsed]},
        archived_reason=None,
        archived_at=None,
        archived_by=None,
        moves=(),
        created_at=now,
        created_by=actor,
        updated_at=now,
        updated_by=actor,
    )
    return subject, SubjectRegistered(**_facts(subject, actor, now))


def _check_active(subject: Subject) -> None:
    if subject.status is SubjectStatus.ARCHIVED:
        raise StateConflict(f"subject {subject.subject_id} is archived")


def update_subject(
    subject: Subject, *, changes: Mapping[str, Any], actor: str, now: datetime
) -> tuple[Subject, SubjectUpdated]:
    """Apply the given field changes (None clears an optional field); 409 once archived."""
    require_aware(now)
    unknown = sorted(set(changes) - set(_FIELDS))
    if unknown:
        raise InvalidInput([FieldProblem(name, "unknown field") for name in unknown])
    _check_active(subject)
    current: dict[str, Any] = {
        "sub_category": subject.sub_category,
        "visit_cycle": subject.visit_cycle.value,
        "name": subject.name,
        "address": subject.address,
        "location": (
            {"lon": subject.location.lon, "lat": subject.location.lat} if subject.location else None
        ),
        "gender": subject.gender.value if subject.gender else None,
        "id_number": subject.id_number,
        "phone": subject.phone,
        "notes": subject.notes,
        "contact_person": subject.contact_person,
        "contact_phone": subject.contact_phone,
    }
    merged = {**current, **changes}
    if merged["visit_cycle"] is None:
        merged["visit_cycle"] = DEFAULT_CYCLES[subject.category].value
    details = _details(subject.category, merged)
    updated = replace(
        subject,
        **details,
        updated_at=now,
        updated_by=actor,
    )
    return updated, SubjectUpdated(**_facts(updated, actor, now))


def move_subject(
    subject: Subject, *, grid: GridFacts, actor: str, now: datetime
) -> tuple[Subject, SubjectMoved]:
    """Move the subject to another grid, keeping where it was; 409 for archived or same grid."""
    require_aware(now)
    _check_active(subject)
    if grid.grid_id == subject.grid_id:
        raise StateConflict(f"subject {subject.subject_id} is already in grid {grid.grid_id}")
    _check_grid_open(grid)
    move = GridMove(
        from_grid_id=subject.grid_id, to_grid_id=grid.grid_id, moved_at=now, moved_by=actor
    )
    moved = replace(
        subject,
        grid_id=grid.grid_id,
        division_id=grid.division_id,
        moves=(*subject.moves, move),
        updated_at=now,
        updated_by=actor,
    )
    return moved, SubjectMoved(**_facts(moved, actor, now), previous_grid_id=subject.grid_id)


def archive_subject(
    subject: Subject, *, reason: str, actor: str, now: datetime
) -> tuple[Subject, SubjectArchived]:
    """Archive the subject with a reason (it is never deleted); 409 when already archived."""
    require_aware(now)
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise InvalidInput.of("reason", f"must be 1-{REASON_MAX} characters")
    _check_active(subject)
    archived = replace(
        subject,
        status=SubjectStatus.ARCHIVED,
        archived_reason=reason,
        archived_at=now,
        archived_by=actor,
        updated_at=now,
        updated_by=actor,
    )
    return archived, SubjectArchived(**_facts(archived, actor, now))


def viewer_of(subject: str, roles: Collection[str], team_grids: Collection[str]) -> Viewer:
    """The viewer for a caller with ``roles`` who is on the teams of ``team_grids`` today."""
    return Viewer(subject=subject, roles=frozenset(roles), team_grids=frozenset(team_grids))
