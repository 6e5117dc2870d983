"""The tenant's intake settings; a tenant that never saved any reads the defaults."""

from __future__ import annotations

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
from shared.mongo.settings import SettingsRepository


class IntakeSettingsRepository(SettingsRepository[IntakeSettingsDocument, IntakeSettings]):
    """The tenant's intake settings (the defaults until the centre changes them).
    The hot paths read `recent()` (a 2 s process cache, `shared.mongo.settings`)."""

    document = IntakeSettingsDocument

    def defaults(self) -> IntakeSettings:
        return IntakeSettings(tenant_id=self.tenant_id)

    def to_settings(self, doc: IntakeSettingsDocument) -> IntakeSettings:
        return _to_domain(doc)

    def to_document(self, settings: IntakeSettings) -> IntakeSettingsDocument:
        return _to_document(settings)


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
