"""The tenant's intake settings; a tenant that never saved any reads the defaults."""

from __future__ import annotations

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


class IntakeSettingsRepository(TenantRepository[IntakeSettingsDocument]):
    document = IntakeSettingsDocument

    def current(self) -> IntakeSettings:
        """The tenant's settings (the defaults until the centre changes them)."""
        doc = self.get(self.tenant_id)
        return IntakeSettings(tenant_id=self.tenant_id) if doc is None else _to_domain(doc)

    def save_settings(
        self, settings: IntakeSettings, events: Sequence[DomainEvent]
    ) -> IntakeSettings:
        """Insert (revision 0) or write back at the revision read; `ConcurrentUpdate` (409)
        when another change landed in between."""
        doc = _to_document(settings)
        if settings.revision == 0:
            self.add(doc, events)
            return replace(settings, revision=1)
        doc.revision = settings.revision
        self.save(doc, events)
        return replace(settings, revision=settings.revision + 1)


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
