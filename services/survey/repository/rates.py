"""Rate repositories: the tenant's rate settings and its publications (the latest edition per
period and definition), domain objects in and out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from services.survey.documents.rates import (
    RatePublicationDocument,
    RateSettingsDocument,
    RowEntry,
    SourceEntry,
    WeightEntry,
)
from services.survey.domain.rates import (
    Interval,
    Publication,
    RateDefinition,
    RateRow,
    RateSettings,
    RateTable,
    Scope,
    Source,
    SourceFigure,
)
from shared.events.domain import DomainEvent
from shared.mongo import TenantRepository
from shared.periods import Period


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _number(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _weights(definition: RateDefinition) -> list[WeightEntry]:
    return [
        WeightEntry(source=source.value, weight=str(definition.weights[source]))
        for source in definition.sources
    ]


def _definition(weights: Sequence[WeightEntry], basic_credit: str) -> RateDefinition:
    return RateDefinition(
        weights={Source(entry.source): Decimal(entry.weight) for entry in weights},
        basic_credit=Decimal(basic_credit),
    )


class RateSettingsRepository(TenantRepository[RateSettingsDocument]):
    document = RateSettingsDocument

    def current(self) -> RateSettings:
        """The tenant's settings, or the platform defaults when never set."""
        doc = self.get(self.tenant_id)
        if doc is None:
            return RateSettings()
        return RateSettings(
            definition=_definition(doc.weights, doc.basic_credit),
            minimum=doc.min_cell_size,
            updated_at=doc.updated_at,
            updated_by=doc.updated_by,
            revision=doc.revision,
        )

    def store(self, settings: RateSettings) -> RateSettings:
        """Insert the first settings or write back ones read at ``revision``
        (`ConcurrentUpdate` / `Conflict` when another writer came first)."""
        doc = RateSettingsDocument(
            settings_id=self.tenant_id,
            tenant_id=self.tenant_id,
            weights=_weights(settings.definition),
            basic_credit=str(settings.definition.basic_credit),
            min_cell_size=settings.minimum,
            updated_at=settings.updated_at,
            updated_by=settings.updated_by,
        )
        if settings.revision == 0:
            self.add(doc)
            return replace(settings, revision=1)
        doc.revision = settings.revision
        self.save(doc)
        return replace(settings, revision=settings.revision + 1)


class RatePublicationRepository(TenantRepository[RatePublicationDocument]):
    document = RatePublicationDocument

    def _key(self, publication_id: str) -> str:
        # Ids are unique per collection, not per tenant: the tenant is part of the key.
        return f"{self.tenant_id}|{publication_id}"

    def find(self, publication_id: str) -> Publication | None:
        doc = self.get(self._key(publication_id))
        return None if doc is None else _to_domain(doc)

    def store(self, publication: Publication, events: Sequence[DomainEvent]) -> Publication:
        """Insert the first edition or write back the next one over the edition read
        (`Conflict` / `ConcurrentUpdate` when another publication came first)."""
        doc = _to_document(publication, self._key(publication.publication_id))
        if publication.revision == 0:
            self.add(doc, events)
            return replace(publication, revision=1)
        doc.revision = publication.revision
        self.save(doc, events)
        return replace(publication, revision=publication.revision + 1)

    def of_period(self, period_kind: str, period: str) -> list[Publication]:
        """Every definition's publication of the period, by definition code."""
        found = [_to_domain(doc) for doc in self._query(period_kind=period_kind, period=period)]
        return sorted(found, key=lambda publication: publication.table.definition.code)


def _interval(low: str | None, high: str | None) -> Interval | None:
    if low is None or high is None:
        return None
    return Interval(Decimal(low), Decimal(high))


def _to_document(publication: Publication, doc_id: str) -> RatePublicationDocument:
    table, period = publication.table, publication.period
    rows: list[RowEntry] = []
    source_rows: list[SourceEntry] = []
    for row in table.rows:
        rows.append(
            RowEntry(
                scope=row.scope.value,
                subject_id=row.subject_id,
                division_id=row.division_id,
                n=row.n,
                satisfied=_text(row.satisfied),
                rate=_text(row.rate),
                low=None if row.interval is None else str(row.interval.low),
                high=None if row.interval is None else str(row.interval.high),
                suppressed=row.suppressed,
                renormalised=row.renormalised,
            )
        )
        source_rows.extend(
            SourceEntry(
                scope=row.scope.value,
                subject_id=row.subject_id,
                source=figure.source.value,
                weight=str(figure.weight),
                effective_weight=_text(figure.effective_weight),
                n=figure.n,
                satisfied=_text(figure.satisfied),
                rate=_text(figure.rate),
                low=None if figure.interval is None else str(figure.interval.low),
                high=None if figure.interval is None else str(figure.interval.high),
                suppressed=figure.suppressed,
            )
            for figure in row.sources
        )
    return RatePublicationDocument(
        doc_id=doc_id,
        publication_id=publication.publication_id,
        period_kind=period.kind,
        period=period.label,
        first_day=period.start.isoformat(),
        last_day=period.end.isoformat(),
        definition_code=table.definition.code,
        weights=_weights(table.definition),
        basic_credit=str(table.definition.basic_credit),
        min_cell_size=table.minimum,
        edition=publication.edition,
        published_at=publication.published_at,
        published_by=publication.published_by,
        rows=rows,
        source_rows=source_rows,
    )


def _to_domain(doc: RatePublicationDocument) -> Publication:
    figures: dict[tuple[str, str], list[SourceFigure]] = {}
    for entry in doc.source_rows:
        figures.setdefault((entry.scope, entry.subject_id), []).append(
            SourceFigure(
                source=Source(entry.source),
                weight=Decimal(entry.weight),
                n=entry.n,
                satisfied=_number(entry.satisfied),
                rate=_number(entry.rate),
                interval=_interval(entry.low, entry.high),
                suppressed=entry.suppressed,
                effective_weight=_number(entry.effective_weight),
            )
        )
    rows = tuple(
        RateRow(
            scope=Scope(entry.scope),
            subject_id=entry.subject_id,
            division_id=entry.division_id,
            n=entry.n,
            satisfied=_number(entry.satisfied),
            rate=_number(entry.rate),
            interval=_interval(entry.low, entry.high),
            suppressed=entry.suppressed,
            sources=tuple(figures.get((entry.scope, entry.subject_id), ())),
            renormalised=entry.renormalised,
        )
        for entry in doc.rows
    )
    table = RateTable(
        definition=_definition(doc.weights, doc.basic_credit),
        minimum=doc.min_cell_size,
        rows=rows,
    )
    period = Period(
        doc.period_kind,
        doc.period,
        date.fromisoformat(doc.first_day),
        date.fromisoformat(doc.last_day),
    )
    return Publication(
        publication_id=doc.publication_id,
        period=period,
        table=table,
        edition=doc.edition,
        published_at=doc.published_at,
        published_by=doc.published_by,
        revision=doc.revision,
    )
