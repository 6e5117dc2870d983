"""The district read model's repositories: a tenant's membership (the platform's,
`shared.tenancy`), its kept tenant rows and its copies of the district average (tenant-bound,
like every repository), and `DistrictDirectory`, the reads in survey that cross tenants: a
district's members (`shared.tenancy.repository.DistrictDirectory`) and their kept rows, by
equality on the district (marked with `cross_tenant_comment` so the tenant guard and a grep
see it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from services.survey.documents.districts import (
    DistrictAverageDocument,
    InputEntry,
    SourceTallyEntry,
    TenantRateDocument,
)
from services.survey.domain.districts import (
    AverageKey,
    DistrictAverageCopy,
    DistrictMembership,
    KeptRate,
)
from services.survey.domain.rates import DistrictAverage, Source, SourceTally, TenantRate
from shared.events.domain import DomainEvent, EventOrigin
from shared.mongo import TenantRepository
from shared.mongo.guard import cross_tenant_comment
from shared.tenancy.repository import DistrictDirectory as MemberDirectory
from shared.tenancy.repository import DistrictMemberRepository

DISTRICT_READ = cross_tenant_comment("district-average")


def _number(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class KeptRateRepository(TenantRepository[TenantRateDocument]):
    document = TenantRateDocument

    def _key(self, period_kind: str, period: str, code: str) -> str:
        return f"{self.tenant_id}|{period_kind}|{period}|{code}"

    def find(self, period_kind: str, period: str, code: str) -> KeptRate | None:
        doc = self.get(self._key(period_kind, period, code))
        return None if doc is None else _kept(doc)

    def all(self) -> list[KeptRate]:
        """Every row the tenant kept, any period and definition."""
        return [_kept(doc) for doc in self._query()]

    def store(self, kept: KeptRate) -> KeptRate:
        doc = TenantRateDocument(
            doc_id=self._key(kept.period_kind, kept.period, kept.definition_code),
            tenant_id=self.tenant_id,
            district_id=kept.district_id,
            period_kind=kept.period_kind,
            period=kept.period,
            definition_code=kept.definition_code,
            edition=kept.rate.edition,
            rate=_text(kept.rate.rate),
            n=kept.rate.n,
            suppressed=kept.rate.suppressed,
            sources=[
                SourceTallyEntry(source=t.source.value, n=t.n, satisfied=_text(t.satisfied))
                for t in kept.rate.sources
            ],
        )
        if kept.revision == 0:
            self.add(doc)
            return replace(kept, revision=1)
        doc.revision = kept.revision
        self.save(doc)
        return replace(kept, revision=kept.revision + 1)


def _kept(doc: TenantRateDocument) -> KeptRate:
    return KeptRate(
        period_kind=doc.period_kind,
        period=doc.period,
        definition_code=doc.definition_code,
        district_id=doc.district_id,
        rate=TenantRate(
            tenant_id=doc.tenant_id,
            rate=_number(doc.rate),
            n=doc.n,
            suppressed=doc.suppressed,
            sources=tuple(
                SourceTally(Source(t.source), t.n, _number(t.satisfied)) for t in doc.sources
            ),
            edition=doc.edition,
        ),
        revision=doc.revision,
    )


class AverageCopyRepository(TenantRepository[DistrictAverageDocument]):
    document = DistrictAverageDocument

    def _key(self, key: AverageKey) -> str:
        return (
            f"{self.tenant_id}|{key.district_id}|{key.period_kind}|{key.period}|"
            f"{key.definition_code}"
        )

    def find(self, key: AverageKey) -> DistrictAverageCopy | None:
        doc = self.get(self._key(key))
        return None if doc is None else _copy(doc)

    def store(
        self, copy: DistrictAverageCopy, events: Sequence[DomainEvent] = ()
    ) -> DistrictAverageCopy:
        key, average = copy.key, copy.average
        doc = DistrictAverageDocument(
            doc_id=self._key(key),
            tenant_id=self.tenant_id,
            district_id=key.district_id,
            period_kind=key.period_kind,
            period=key.period,
            definition_code=key.definition_code,
            average=_text(average.average),
            tenants_counted=average.tenants_counted,
            pooled_rate=_text(average.pooled_rate),
            pooled_n=average.pooled_n,
            inputs=[
                InputEntry(tenant=tenant, edition=edition)
                for tenant, edition in sorted(copy.inputs.items())
            ],
            edition=copy.edition,
            computed_at=copy.computed_at,
        )
        if copy.revision == 0:
            self.add(doc, events)
            return replace(copy, revision=1)
        doc.revision = copy.revision
        self.save(doc, events)
        return replace(copy, revision=copy.revision + 1)


def _copy(doc: DistrictAverageDocument) -> DistrictAverageCopy:
    return DistrictAverageCopy(
        tenant_id=doc.tenant_id,
        key=AverageKey(doc.district_id, doc.period_kind, doc.period, doc.definition_code),
        average=DistrictAverage(
            average=_number(doc.average),
            tenants_counted=doc.tenants_counted,
            pooled_rate=_number(doc.pooled_rate),
            pooled_n=doc.pooled_n,
            tenants=(),
        ),
        inputs={entry.tenant: entry.edition for entry in doc.inputs},
        edition=doc.edition,
        computed_at=doc.computed_at,
        revision=doc.revision,
    )


class DistrictDirectory:
    """Reads across the tenants of one district (never writes): its members and their kept
    tenant rows. Tenant-level figures only; nothing below a tenant is stored here."""

    def members(self, district_id: str) -> list[DistrictMembership]:
        """The district's tenants as identity announced them (offboarded ones included)."""
        return MemberDirectory().members(district_id)

    def kept_rates(
        self, district_id: str, period_kind: str, period: str, code: str | None = None
    ) -> list[KeptRate]:
        """The rows the district's tenants kept for the period (of one definition, or all),
        by definition then tenant."""
        query: dict[str, Any] = {
            "district_id": district_id,
            "period_kind": period_kind,
            "period": period,
        }
        if code is not None:
            query["definition_code"] = code
        collection = TenantRateDocument._get_collection()
        found = [
            _kept(TenantRateDocument._from_son(son))
            for son in collection.find(query, comment=DISTRICT_READ)
        ]
        return sorted(found, key=lambda kept: (kept.definition_code, kept.rate.tenant_id))


class DistrictRepository:
    """A tenant's side of the district read model, built like a repository
    (``ctx.repository(DistrictRepository)``): its membership, kept rows and average copies,
    and the district-wide `directory`."""

    def __init__(
        self, tenant_id: str, origin: EventOrigin | None = None, *, dry_run: bool = False
    ) -> None:
        self.tenant_id = tenant_id
        self.members = DistrictMemberRepository(tenant_id, origin, dry_run=dry_run)
        self.kept = KeptRateRepository(tenant_id, origin, dry_run=dry_run)
        self.copies = AverageCopyRepository(tenant_id, origin, dry_run=dry_run)
        self.directory = DistrictDirectory()
