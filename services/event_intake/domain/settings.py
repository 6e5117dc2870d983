"""A tenant's intake settings: its categories and deadlines, its calendar, its duplicate rule.

A tenant that never changed anything works with the seed taxonomy, the Chinese public
holidays with their make-up workdays, working hours 08:30–17:30 Asia/Shanghai and duplicates
suggested within 200 m and 72 hours. The centre edits single parts (`change`); every change
records `IntakeSettingsChanged`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from services.event_intake.domain.taxonomy import (
    SEED_TAXONOMY,
    Category,
    DeadlinePolicy,
    Span,
    Taxonomy,
)
from shared.calendar import WorkCalendar, WorkClock, WorkingHours
from shared.errors import FieldProblem, InvalidInput

TENANT_ZONE = ZoneInfo("Asia/Shanghai")
DEFAULT_RADIUS_M = 200
DEFAULT_WINDOW_HOURS = 72
MAX_RADIUS_M = 5_000
MAX_WINDOW_HOURS = 24 * 30
MAX_CATEGORIES = 100
MAX_OVERRIDE_DAYS = 400


@dataclass(frozen=True)
class DuplicateRule:
    """Reports of the same category within `radius_m` and `window_hours` are suggested as
    duplicates of each other (the centre decides and merges)."""

    radius_m: int = DEFAULT_RADIUS_M
    window_hours: int = DEFAULT_WINDOW_HOURS


@dataclass(frozen=True)
class IntakeSettings:
    tenant_id: str
    taxonomy: Taxonomy = SEED_TAXONOMY
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    duplicates: DuplicateRule = field(default_factory=DuplicateRule)
    revision: int = 0

    def work_clock(self) -> WorkClock:
        """The deadline clock: the Chinese calendar with this tenant's single-day overrides."""
        calendar = WorkCalendar(
            extra_holidays=self.extra_holidays, extra_workdays=self.extra_workdays
        )
        return WorkClock(calendar, TENANT_ZONE, self.working_hours)


@dataclass(frozen=True)
class IntakeSettingsChanged:
    """The tenant's settings after a change (codes, spans, dates and numbers only)."""

    settings: IntakeSettings
    actor: str
    occurred_at: datetime

    type: ClassVar[str] = "intake_settings.changed"
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.settings.tenant_id

    def payload(self) -> dict[str, Any]:
        settings = self.settings
        taxonomy = settings.taxonomy
        return {
            "categories": [
                {
                    "code": category.code,
                    "name": category.name,
                    **_policy_payload(taxonomy.policy_for(category.code)),
                }
                for category in taxonomy.categories
            ],
            "extra_holidays": sorted(day.isoformat() for day in settings.extra_holidays),
            "extra_workdays": sorted(day.isoformat() for day in settings.extra_workdays),
            "working_hours": {
                "start": settings.working_hours.start.isoformat("minutes"),
                "end": settings.working_hours.end.isoformat("minutes"),
            },
            "duplicate_radius_m": settings.duplicates.radius_m,
            "duplicate_window_hours": settings.duplicates.window_hours,
            "actor": self.actor,
        }


def _policy_payload(policy: DeadlinePolicy) -> dict[str, Any]:
    return {
        "acceptance": {"days": policy.acceptance.days, "hours": str(policy.acceptance.hours)},
        "closure": {"days": policy.closure.days, "hours": str(policy.closure.hours)},
    }


def _span(value: Mapping[str, Any] | None, name: str) -> Span:
    if value is None:
        raise InvalidInput.of(name, "is required")
    days = value.get("days", 0)
    hours = value.get("hours", 0)
    try:
        amount = Decimal(str(hours))
        # 2.00 hours is shown and published as "2", 1.50 as "1.5".
        amount = amount.to_integral() if amount == amount.to_integral() else amount.normalize()
        return Span(days=int(days), hours=amount)
    except (ValueError, ArithmeticError):
        raise InvalidInput.of(name, "needs a positive number of working days or hours") from None


def taxonomy_of(entries: Iterable[Mapping[str, Any]]) -> Taxonomy:
    """A taxonomy from ``[{code, name, acceptance: {days, hours}, closure: {...}}]``."""
    categories: list[Category] = []
    policies: dict[str, DeadlinePolicy] = {}
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"categories[{index}]"
        code = str(entry.get("code") or "").strip()
        name = str(entry.get("name") or "").strip()
        if not code or not name:
            problems.append(FieldProblem(where, "needs a code and a name"))
            continue
        if code in seen:
            problems.append(FieldProblem(f"{where}.code", f"{code} is listed twice"))
            continue
        seen.add(code)
        try:
            acceptance = _span(entry.get("acceptance"), f"{where}.acceptance")
            closure = _span(entry.get("closure"), f"{where}.closure")
        except InvalidInput as exc:
            problems.extend(exc.problems)
            continue
        categories.append(Category(code, name))
        policies[code] = DeadlinePolicy(acceptance=acceptance, closure=closure)
    if not categories and not problems:
        problems.append(FieldProblem("categories", "a tenant needs at least one category"))
    if len(categories) > MAX_CATEGORIES:
        problems.append(FieldProblem("categories", f"at most {MAX_CATEGORIES} categories"))
    if problems:
        raise InvalidInput(problems)
    return Taxonomy(categories=tuple(categories), policies=policies)


def change(
    settings: IntakeSettings,
    *,
    actor: str,
    now: datetime,
    categories: Iterable[Mapping[str, Any]] | None = None,
    extra_holidays: Iterable[date] | None = None,
    extra_workdays: Iterable[date] | None = None,
    working_hours: tuple[time, time] | None = None,
    duplicate_radius_m: int | None = None,
    duplicate_window_hours: int | None = None,
) -> tuple[IntakeSettings, IntakeSettingsChanged]:
    """The settings with the given parts replaced (a part not given is kept)."""
    changes: dict[str, Any] = {}
    if categories is not None:
        changes["taxonomy"] = taxonomy_of(categories)
    for name, days in (("extra_holidays", extra_holidays), ("extra_workdays", extra_workdays)):
        if days is not None:
            found = frozenset(days)
            if len(found) > MAX_OVERRIDE_DAYS:
                raise InvalidInput.of(name, f"at most {MAX_OVERRIDE_DAYS} days")
            changes[name] = found
    holidays = changes.get("extra_holidays", settings.extra_holidays)
    workdays = changes.get("extra_workdays", settings.extra_workdays)
    if both := sorted(holidays & workdays):
        raise InvalidInput.of(
            "extra_workdays", f"{both[0].isoformat()} is also given as an extra holiday"
        )
    if working_hours is not None:
        try:
            changes["working_hours"] = WorkingHours(start=working_hours[0], end=working_hours[1])
        except ValueError as exc:
            raise InvalidInput.of("working_hours", str(exc)) from None
    rule = settings.duplicates
    if duplicate_radius_m is not None:
        if not 1 <= duplicate_radius_m <= MAX_RADIUS_M:
            raise InvalidInput.of("duplicate_radius_m", f"must be 1..{MAX_RADIUS_M} metres")
        rule = replace(rule, radius_m=duplicate_radius_m)
    if duplicate_window_hours is not None:
        if not 1 <= duplicate_window_hours <= MAX_WINDOW_HOURS:
            raise InvalidInput.of("duplicate_window_hours", f"must be 1..{MAX_WINDOW_HOURS} hours")
        rule = replace(rule, window_hours=duplicate_window_hours)
    changes["duplicates"] = rule
    updated = replace(settings, **changes)
    return updated, IntakeSettingsChanged(settings=updated, actor=actor, occurred_at=now)
