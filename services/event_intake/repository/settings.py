"""The tenant's intake settings; a tenant that never saved any reads the defaults."""

from __future__ import annotations

import threading
import time as clock
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, time
from decimal import Decimal

from services.event_intake.documents.settings import (
    CategoryDocument,
    IntakeSettingsDocument,
    SpanDocument,
)
from services.event_intake.domain.settings import DuplicateRule, IntakeSettings
from services.event_intake.domain.taxonomy import Category, DeadlinePolicy, Span, Taxonomy
from shared.calendar import WorkingHours
from shared.events.domain import DomainEvent
from shared.mongo import TenantRepository

# The report path reads the tenant's settings on every report; they change a few times a year.
# A process keeps what it read for this long (its own changes replace it at once; another
# process's change is seen within this time).
CACHE_SECONDS = 2.0
_cache: dict[tuple[str, str], tuple[float, IntakeSettings]] = {}
_cache_lock = threading.Lock()


class IntakeSettingsRepository(TenantRepository[IntakeSettingsDocument]):
    document = IntakeSettingsDocument

    def current(self) -> IntakeSettings:
        """The tenant's settings (the defaults until the centre changes them)."""
        doc = self.get(self.tenant_id)
        return IntakeSettings(tenant_id=self.tenant_id) if doc is None else _to_domain(doc)

    def recent(self) -> IntakeSettings:
        """`current`, as read at most `CACHE_SECONDS` ago by this process (the hot paths:
        reports and actions)."""
        if self.dry_run:
            return self.current()
        key = (self.document._get_db().name, self.tenant_id)
        now = clock.monotonic()
        with _cache_lock:
            found = _cache.get(key)
        if found is not None and now - found[0] < CACHE_SECONDS:
            return found[1]
        settings = self.current()
        with _cache_lock:
            _cache[key] = (now, settings)
        return settings

    def save_settings(
        self, settings: IntakeSettings, events: Sequence[DomainEvent]
    ) -> IntakeSettings:
        """Insert (revision 0) or write back at the revision read; `ConcurrentUpdate` (409)
        when another change landed in between."""
        doc = _to_document(settings)
        if settings.revision == 0:
            self.add(doc, events)
            saved = replace(settings, revision=1)
        else:
            doc.revision = settings.revision
            self.save(doc, events)
            saved = replace(settings, revision=settings.revision + 1)
        if not self.dry_run:
            with _cache_lock:
                _cache.pop((self.document._get_db().name, self.tenant_id), None)
        return saved


def _span(span: Span) -> SpanDocument:
    return SpanDocument(days=span.days, hours=str(span.hours))


def _to_document(settings: IntakeSettings) -> IntakeSettingsDocument:
    taxonomy = settings.taxonomy
    return IntakeSettingsDocument(
        settings_id=settings.tenant_id,
        tenant_id=settings.tenant_id,
        categories=[
            CategoryDocument(
                code=category.code,
                name=category.name,
                acceptance=_span(taxonomy.policy_for(category.code).acceptance),
                closure=_span(taxonomy.policy_for(category.code).closure),
            )
            for category in taxonomy.categories
        ],
        extra_holidays=sorted(day.isoformat() for day in settings.extra_holidays),
        extra_workdays=sorted(day.isoformat() for day in settings.extra_workdays),
        work_starts=settings.working_hours.start.isoformat("minutes"),
        work_ends=settings.working_hours.end.isoformat("minutes"),
        duplicate_radius_m=settings.duplicates.radius_m,
        duplicate_window_hours=settings.duplicates.window_hours,
    )


def _to_domain(doc: IntakeSettingsDocument) -> IntakeSettings:
    return IntakeSettings(
        tenant_id=doc.tenant_id,
        taxonomy=Taxonomy(
            categories=tuple(Category(c.code, c.name) for c in doc.categories),
            policies={
                c.code: DeadlinePolicy(
                    acceptance=Span(c.acceptance.days, Decimal(c.acceptance.hours)),
                    closure=Span(c.closure.days, Decimal(c.closure.hours)),
                )
                for c in doc.categories
            },
        ),
        extra_holidays=frozenset(date.fromisoformat(day) for day in doc.extra_holidays),
        extra_workdays=frozenset(date.fromisoformat(day) for day in doc.extra_workdays),
        working_hours=WorkingHours(
            start=time.fromisoformat(doc.work_starts), end=time.fromisoformat(doc.work_ends)
        ),
        duplicates=DuplicateRule(
            radius_m=doc.duplicate_radius_m, window_hours=doc.duplicate_window_hours
        ),
        revision=doc.revision,
    )
