"""A tenant's patrol settings (巡查规则): how its track is cleaned and what its phones may send.

Every tenant starts from these defaults and may change them (`/settings`); the rules a day is
judged by (hours, kilometres, half-days, visits per grid type) are `domain.compliance`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, ClassVar, Final
from zoneinfo import ZoneInfo

from services.patrol_tracking.domain.compliance import (
    GRID_TYPES,
    SEED_001_COMMUNITY,
    SEED_001_VILLAGE,
    SEED_004,
    PatrolRules,
)
from shared.errors import FieldProblem, InvalidInput, StateConflict


@dataclass(frozen=True, slots=True)
class TrackRules:
    """How raw points become a track.

    - a fix less accurate than `max_accuracy_m` is noise;
    - a fix reached from the previous one faster than `max_speed_mps` is an impossible jump
      (15 m/s = 54 km/h: patrols go on foot or by e-bike);
    - no fix for more than `session_gap_s` ends a session (巡查时段);
    - `noon` splits morning from afternoon presence (上午/下午), Asia/Shanghai;
    - a visit (走访) is a stay within `visit_radius_m` of a key subject for `visit_min_dwell_s`.
    """

    max_accuracy_m: float = 50.0
    max_speed_mps: float = 15.0
    session_gap_s: int = 600
    noon: time = time(12, 0)
    visit_radius_m: float = 50.0
    visit_min_dwell_s: int = 120


@dataclass(frozen=True, slots=True)
class IngestRules:
    """What a phone may upload: fixes at most `future_skew_s` ahead of the server's clock (a
    phone's clock drifts a little) and at most `upload_window_days` old (a phone that lost
    signal uploads its buffer later); at most `max_batch` points in one request."""

    future_skew_s: int = 600
    upload_window_days: int = 3
    max_batch: int = 500


# --- the tenant's whole patrol settings (`/settings`) -----------------------------------------

TENANT_ZONE = ZoneInfo("Asia/Shanghai")


class Preset(StrEnum):
    """The seeds' starting points (`PatrolSettings.preset`)."""

    SEED_001 = "seed_001"
    SEED_004 = "seed_004"


PRESETS: Final = tuple(preset.value for preset in Preset)
DEFAULT_LEAVE_LIMIT_DAYS = 3
DEFAULT_FINALISE_AFTER = time(2, 0)
DEFAULT_RETENTION_DAYS = 90

# (lowest, highest) accepted for each number; the field names are the API's.
TRACK_LIMITS: Final[Mapping[str, tuple[float, float]]] = {
    "max_accuracy_m": (1, 1000),
    "max_speed_mps": (0.1, 100),
    "session_gap_s": (60, 7200),
    "visit_radius_m": (5, 1000),
    "visit_min_dwell_s": (0, 3600),
}
NOON_EARLIEST, NOON_LATEST = time(9, 0), time(15, 0)
INGEST_LIMITS: Final[Mapping[str, tuple[int, int]]] = {
    "future_skew_s": (0, 3600),
    "upload_window_days": (1, 30),
    "max_batch": (1, 500),
}
RULE_LIMITS: Final[Mapping[str, tuple[Decimal, Decimal]]] = {
    "min_patrol_minutes_day": (Decimal(0), Decimal(1440)),
    "min_patrol_minutes_week": (Decimal(0), Decimal(10080)),
    "min_km_day": (Decimal(0), Decimal(100)),
    "min_km_week": (Decimal(0), Decimal(700)),
    "min_online_minutes_day": (Decimal(0), Decimal(1440)),
    "min_online_rate": (Decimal(0), Decimal(1)),
    "reference_online_minutes": (Decimal(1), Decimal(1440)),
    "required_key_person_visits_day": (Decimal(0), Decimal(50)),
    "required_key_place_visits_day": (Decimal(0), Decimal(50)),
}
RULE_FLAGS: Final = ("require_morning", "require_afternoon", "own_grid_only")
RULE_DECIMALS: Final = frozenset({"min_km_day", "min_km_week", "min_online_rate"})
LEAVE_LIMIT_RANGE: Final = (0, 31)
RETENTION_RANGE: Final = (7, 3650)
FINALISE_LATEST = time(12, 0)


def _preset_rules(preset: str) -> tuple[dict[str, PatrolRules], PatrolRules]:
    if preset == Preset.SEED_004:
        return {}, SEED_004
    # Seed 001 names community and village grids; other types patrol like a community grid.
    return {"community": SEED_001_COMMUNITY, "village": SEED_001_VILLAGE}, SEED_001_COMMUNITY


@dataclass(frozen=True)
class PatrolSettings:
    """Everything a tenant sets about patrol: how the track is cleaned (`track`), what phones
    may upload (`ingest`), the rules per grid type (`rules_by_grid_type`, `default_rules` for
    any type not named), how late leave may be filed to excuse a day (`leave_limit_days`,
    seed 001's 3 days), when a day is finalised (`finalise_after` the next midnight,
    Asia/Shanghai) and how long raw points are kept (`retention_days`).

    A tenant that never saved any reads seed 001's preset (revision 0)."""

    tenant_id: str
    preset: str = Preset.SEED_001.value
    track: TrackRules = field(default_factory=TrackRules)
    ingest: IngestRules = field(default_factory=IngestRules)
    rules_by_grid_type: Mapping[str, PatrolRules] = field(
        default_factory=lambda: _preset_rules(Preset.SEED_001)[0]
    )
    default_rules: PatrolRules = SEED_001_COMMUNITY
    leave_limit_days: int = DEFAULT_LEAVE_LIMIT_DAYS
    finalise_after: time = DEFAULT_FINALISE_AFTER
    retention_days: int = DEFAULT_RETENTION_DAYS
    revision: int = 0

    @classmethod
    def of_preset(cls, tenant_id: str, preset: str, *, revision: int = 0) -> PatrolSettings:
        """The preset's settings; 422 on ``preset`` for an unknown name."""
        if preset not in PRESETS:
            raise InvalidInput.of("preset", f"must be one of: {', '.join(PRESETS)}")
        by_type, default = _preset_rules(preset)
        return cls(
            tenant_id=tenant_id,
            preset=preset,
            rules_by_grid_type=by_type,
            default_rules=default,
            revision=revision,
        )

    def rules_for(self, grid_type: str | None) -> PatrolRules:
        """The rules a worker of a grid of ``grid_type`` is judged by."""
        if grid_type is None:
            return self.default_rules
        return self.rules_by_grid_type.get(grid_type, self.default_rules)

    def finalises_at(self, day: date) -> datetime:
        """When ``day`` is finalised: the next day at `finalise_after`, Asia/Shanghai (UTC)."""
        wall = datetime.combine(day + timedelta(days=1), self.finalise_after, tzinfo=TENANT_ZONE)
        return wall.astimezone(UTC)


def _number(
    value: Any, path: str, low: Decimal, high: Decimal, problems: list[FieldProblem]
) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        problems.append(FieldProblem(path, "must be a number"))
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        problems.append(FieldProblem(path, "must be a number"))
        return None
    if not number.is_finite() or not low <= number <= high:
        problems.append(FieldProblem(path, f"must be {low} to {high}"))
        return None
    return number


def _whole(value: Any, path: str, low: int, high: int, problems: list[FieldProblem]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(FieldProblem(path, "must be a whole number"))
        return None
    if not low <= value <= high:
        problems.append(FieldProblem(path, f"must be {low} to {high}"))
        return None
    return value


def _unknown(values: Mapping[str, Any], known: set[str], path: str) -> list[FieldProblem]:
    return [
        FieldProblem(f"{path}.{name}", "is not a setting") for name in sorted(set(values) - known)
    ]


def _track(base: TrackRules, values: Mapping[str, Any], problems: list[FieldProblem]) -> TrackRules:
    known = {f.name for f in fields(TrackRules)}
    problems.extend(_unknown(values, known, "track"))
    changes: dict[str, Any] = {}
    for name, (low, high) in TRACK_LIMITS.items():
        if name not in values:
            continue
        path = f"track.{name}"
        number = _number(values[name], path, Decimal(str(low)), Decimal(str(high)), problems)
        if number is None:
            continue
        if isinstance(getattr(base, name), int):
            if number != number.to_integral_value():
                problems.append(FieldProblem(path, "must be a whole number"))
                continue
            changes[name] = int(number)
        else:
            changes[name] = float(number)
    if "noon" in values:
        noon = values["noon"]
        if not isinstance(noon, time) or not NOON_EARLIEST <= noon <= NOON_LATEST:
            problems.append(
                FieldProblem(
                    "track.noon",
                    f"must be a time from {NOON_EARLIEST:%H:%M} to {NOON_LATEST:%H:%M}",
                )
            )
        else:
            changes["noon"] = noon.replace(second=0, microsecond=0, tzinfo=None)
    return replace(base, **changes)


def _ingest(
    base: IngestRules, values: Mapping[str, Any], problems: list[FieldProblem]
) -> IngestRules:
    known = {f.name for f in fields(IngestRules)}
    problems.extend(_unknown(values, known, "ingest"))
    changes: dict[str, Any] = {}
    for name, (low, high) in INGEST_LIMITS.items():
        if name in values:
            found = _whole(values[name], f"ingest.{name}", low, high, problems)
            if found is not None:
                changes[name] = found
    return replace(base, **changes)


def rules_of(
    base: PatrolRules, values: Mapping[str, Any], path: str, problems: list[FieldProblem]
) -> PatrolRules:
    """``base`` with the rules given in ``values`` (problems named ``<path>.<field>``)."""
    known = {f.name for f in fields(PatrolRules)}
    problems.extend(_unknown(values, known, path))
    changes: dict[str, Any] = {}
    for name, (low, high) in RULE_LIMITS.items():
        if name not in values:
            continue
        if name == "min_online_rate" and values[name] is None:
            changes[name] = None
            continue
        number = _number(values[name], f"{path}.{name}", low, high, problems)
        if number is None:
            continue
        if name in RULE_DECIMALS:
            changes[name] = number.normalize() if number else Decimal(0)
        elif number != number.to_integral_value():
            problems.append(FieldProblem(f"{path}.{name}", "must be a whole number"))
        else:
            changes[name] = int(number)
    for name in RULE_FLAGS:
        if name in values:
            if isinstance(values[name], bool):
                changes[name] = values[name]
            else:
                problems.append(FieldProblem(f"{path}.{name}", "must be true or false"))
    return replace(base, **changes)


def _scalars(
    leave_limit_days: int | None,
    retention_days: int | None,
    finalise_after: time | None,
    problems: list[FieldProblem],
) -> dict[str, Any]:
    """The single-number settings given, checked."""
    changes: dict[str, Any] = {}
    if leave_limit_days is not None:
        found = _whole(leave_limit_days, "leave_limit_days", *LEAVE_LIMIT_RANGE, problems)
        if found is not None:
            changes["leave_limit_days"] = found
    if retention_days is not None:
        found = _whole(retention_days, "retention_days", *RETENTION_RANGE, problems)
        if found is not None:
            changes["retention_days"] = found
    if finalise_after is not None:
        if not isinstance(finalise_after, time) or finalise_after > FINALISE_LATEST:
            problems.append(
                FieldProblem(
                    "finalise_after", f"must be a time from 00:00 to {FINALISE_LATEST:%H:%M}"
                )
            )
        else:
            changes["finalise_after"] = finalise_after.replace(second=0, microsecond=0, tzinfo=None)
    return changes


def replace_settings(
    current: PatrolSettings,
    *,
    actor: str,
    now: datetime,
    preset: str | None = None,
    track: Mapping[str, Any] | None = None,
    ingest: Mapping[str, Any] | None = None,
    rules_by_grid_type: Mapping[str, Mapping[str, Any]] | None = None,
    default_rules: Mapping[str, Any] | None = None,
    leave_limit_days: int | None = None,
    finalise_after: time | None = None,
    retention_days: int | None = None,
    revision: int | None = None,
) -> tuple[PatrolSettings, PatrolSettingsChanged]:
    """New settings: the preset (``preset``, else the current one) with the parts given
    (a part not given takes the preset's value; a rules object's missing fields come from
    the preset's rules for that grid type). 422 naming every bad field; 409 when
    ``revision`` is given and is not the stored one."""
    if revision is not None and revision != current.revision:
        raise StateConflict(
            f"the settings are at revision {current.revision}, not {revision}: read and retry"
        )
    base = PatrolSettings.of_preset(
        current.tenant_id, preset or current.preset, revision=current.revision
    )
    problems: list[FieldProblem] = []
    changes: dict[str, Any] = {
        "track": _track(base.track, track or {}, problems),
        "ingest": _ingest(base.ingest, ingest or {}, problems),
        "default_rules": rules_of(
            base.default_rules, default_rules or {}, "default_rules", problems
        ),
    }
    if rules_by_grid_type is not None:
        by_type: dict[str, PatrolRules] = {}
        for grid_type, values in rules_by_grid_type.items():
            path = f"rules_by_grid_type.{grid_type}"
            if grid_type not in GRID_TYPES:
                problems.append(FieldProblem(path, f"grid types are: {', '.join(GRID_TYPES)}"))
                continue
            by_type[grid_type] = rules_of(base.rules_for(grid_type), values, path, problems)
        changes["rules_by_grid_type"] = by_type
    changes.update(_scalars(leave_limit_days, retention_days, finalise_after, problems))
    updated = replace(base, **changes)
    if not problems and updated.retention_days < updated.ingest.upload_window_days:
        # Points may arrive up to the upload window late; dropping them earlier loses them.
        problems.append(
            FieldProblem(
                "retention_days",
                f"must be at least the upload window ({updated.ingest.upload_window_days} days)",
            )
        )
    if problems:
        raise InvalidInput(problems)
    return updated, PatrolSettingsChanged(settings=updated, actor=actor, occurred_at=now)


def rules_payload(rules: PatrolRules) -> dict[str, Any]:
    """The rules as JSON values: whole numbers, flags, Decimals as strings."""
    return {
        "min_patrol_minutes_day": rules.min_patrol_minutes_day,
        "min_patrol_minutes_week": rules.min_patrol_minutes_week,
        "min_km_day": f"{rules.min_km_day:f}",
        "min_km_week": f"{rules.min_km_week:f}",
        "require_morning": rules.require_morning,
        "require_afternoon": rules.require_afternoon,
        "min_online_minutes_day": rules.min_online_minutes_day,
        "min_online_rate": None if rules.min_online_rate is None else f"{rules.min_online_rate:f}",
        "reference_online_minutes": rules.reference_online_minutes,
        "required_key_person_visits_day": rules.required_key_person_visits_day,
        "required_key_place_visits_day": rules.required_key_place_visits_day,
        "own_grid_only": rules.own_grid_only,
    }


def settings_payload(settings: PatrolSettings) -> dict[str, Any]:
    """The whole settings as JSON values (what `/settings` shows and the event carries)."""
    track, ingest = settings.track, settings.ingest
    return {
        "preset": settings.preset,
        "track": {
            "max_accuracy_m": track.max_accuracy_m,
            "max_speed_mps": track.max_speed_mps,
            "session_gap_s": track.session_gap_s,
            "noon": track.noon.isoformat("minutes"),
            "visit_radius_m": track.visit_radius_m,
            "visit_min_dwell_s": track.visit_min_dwell_s,
        },
        "ingest": {
            "future_skew_s": ingest.future_skew_s,
            "upload_window_days": ingest.upload_window_days,
            "max_batch": ingest.max_batch,
        },
        "rules_by_grid_type": [
            {"grid_type": grid_type, **rules_payload(rules)}
            for grid_type, rules in sorted(settings.rules_by_grid_type.items())
        ],
        "default_rules": rules_payload(settings.default_rules),
        "leave_limit_days": settings.leave_limit_days,
        "finalise_after": settings.finalise_after.isoformat("minutes"),
        "retention_days": settings.retention_days,
    }


@dataclass(frozen=True)
class PatrolSettingsChanged:
    """The tenant's patrol settings after a change (numbers, codes and flags only)."""

    settings: PatrolSettings
    actor: str
    occurred_at: datetime

    type: ClassVar[str] = "patrol_settings.changed"
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.settings.tenant_id

    def payload(self) -> dict[str, Any]:
        return {**settings_payload(self.settings), "actor": self.actor}
