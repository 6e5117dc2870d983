"""The 12345 callback repository: one `Callback` per work order in and out, the centre's list
and the callbacks a satisfaction rate counts.

A period is read by equality on its bucket (`month`, `quarter`, `half` or `year`, the
Asia/Shanghai day of the call); a custom period reads the months it touches and matches the
days here. The rate read takes only the few fields a `RatedAnswer` needs, from PostgreSQL
when the store is FerretDB over it (`TenantRepository.all_values`): FerretDB would decode
every document of the period.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from services.survey.documents.callbacks import CallbackDocument
from services.survey.domain.callbacks import (
    BUCKET_OF_KIND,
    Callback,
    Origin,
    Outcome,
    credit_of,
    half_of,
    quarter_of,
    year_of,
)
from services.survey.domain.closed_events import month_of, months_of
from services.survey.domain.rates import RatedAnswer, Source
from shared.events.domain import DomainEvent
from shared.mongo import Page, TenantRepository
from shared.periods import Period
from shared.registry.model import AppliedMark


class CallbackRepository(TenantRepository[CallbackDocument]):
    document = CallbackDocument

    def _key(self, work_order_no: str) -> str:
        return f"{self.tenant_id}|{work_order_no}"

    def find(self, work_order_no: str) -> Callback | None:
        """The work order's kept callback, or None (also another tenant's number)."""
        doc = self.get(self._key(work_order_no))
        return None if doc is None else _to_domain(doc)

    def save_callback(self, callback: Callback, events: Sequence[DomainEvent]) -> Callback:
        """Insert (revision 0; `Conflict` when another writer recorded it first) or write back
        at the revision read (`ConcurrentUpdate` when another one changed it meanwhile), with
        its events in the outbox."""
        doc = _to_document(callback, self._key(callback.work_order_no))
        if callback.revision == 0:
            self.add(doc, events)
            return replace(callback, revision=1)
        doc.revision = callback.revision
        self.save(doc, events)
        return replace(callback, revision=callback.revision + 1)

    def list_callbacks(
        self,
        *,
        offset: int,
        limit: int,
        period: Period | None = None,
        grid_id: str | None = None,
    ) -> Page[Callback]:
        """One page of kept callbacks, latest call first: of ``period`` (by the call's
        Asia/Shanghai day) and of ``grid_id`` when given."""
        filters: dict[str, Any] = {}
        if grid_id is not None:
            filters["grid_id"] = grid_id
        if period is not None:
            bucket = BUCKET_OF_KIND.get(period.kind)
            if bucket is not None:
                filters[period.kind] = bucket(period.start)
            else:
                filters["day__gte"] = period.start.isoformat()
                filters["day__lte"] = period.end.isoformat()
        page = self.list(offset=offset, limit=limit, order_by=("-called_at", "-id"), **filters)
        return page.map(_to_domain)

    def rated_answers(self, period: Period, basic_credit: Decimal) -> list[RatedAnswer]:
        """The hotline answers of ``period``: every kept callback whose Asia/Shanghai day falls
        in it and that reached a resident, counting satisfied 1, basically satisfied
        ``basic_credit`` and unsatisfied 0 (`domain.callbacks.credit_of`), each in its grid,
        division and the worker serving the grid that day."""
        # One credit per outcome, decided once (and `basic_credit` checked once), not per row.
        credits = {outcome.value: credit_of(outcome, basic_credit) for outcome in Outcome}
        return [
            RatedAnswer(
                source=Source.HOTLINE,
                grid_id=raw["grid_id"],
                division_id=raw.get("division_id"),
                worker_id=raw.get("worker_id"),
                credit=credit,
            )
            for raw in self.reached_in(period)
            if (credit := credits[raw["outcome"]]) is not None
        ]

    def reached_in(self, period: Period) -> Iterator[dict[str, Any]]:
        """The calls of ``period`` that reached a resident (not unreachable), as raw rows of
        grid, division, worker and outcome: what a rate counts. One equality read for a
        standard period; a custom one reads its months and matches the days."""
        fields = ("grid_id", "division_id", "worker_id", "outcome", "day")
        bucket = BUCKET_OF_KIND.get(period.kind)
        if bucket is not None:
            reads = [{period.kind: bucket(period.start)}]
        else:
            reads = [{"month": month} for month in months_of(period)]
        first, last = period.start.isoformat(), period.end.isoformat()
        for filters in reads:
            for raw in self.all_values(fields, reached=True, **filters):
                if first <= raw["day"] <= last:
                    yield raw


def _aware(moment: datetime) -> datetime:
    """Stored datetimes may come back naive (UTC); the domain speaks aware UTC."""
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _iso_instant(moment: datetime) -> str:
    # Fixed width (microseconds, +00:00): the stored strings order as the instants do.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _to_document(callback: Callback, key: str) -> CallbackDocument:
    day: date = callback.day
    mark = callback.intake_mark
    return CallbackDocument(
        key=key,
        tenant_id=callback.tenant_id,
        work_order_no=callback.work_order_no,
        event_id=callback.event_id,
        grid_id=callback.grid_id,
        division_id=callback.division_id,
        attached_by=callback.attached_by.value,
        worker_id=callback.worker_id,
        outcome=callback.outcome.value,
        reached=callback.reached,
        called_at=callback.called_at,
        day=day.isoformat(),
        month=month_of(day),
        quarter=quarter_of(day),
        half=half_of(day),
        year=year_of(day),
        origin=callback.origin.value,
        recorded_at=callback.recorded_at,
        recordings=callback.recordings,
        intake_applied_at=None if mark is None else _iso_instant(mark.occurred_at),
        intake_applied_event_ids=[] if mark is None else list(mark.event_ids),
    )


def _to_domain(doc: CallbackDocument) -> Callback:
    mark = (
        None
        if doc.intake_applied_at is None
        else AppliedMark(
            datetime.fromisoformat(doc.intake_applied_at), tuple(doc.intake_applied_event_ids)
        )
    )
    return Callback(
        tenant_id=doc.tenant_id,
        work_order_no=doc.work_order_no,
        event_id=doc.event_id,
        grid_id=doc.grid_id,
        division_id=doc.division_id,
        attached_by=Origin(doc.attached_by),
        worker_id=doc.worker_id,
        outcome=Outcome(doc.outcome),
        called_at=_aware(doc.called_at),
        origin=Origin(doc.origin),
        recorded_at=_aware(doc.recorded_at),
        recordings=doc.recordings,
        intake_mark=mark,
        revision=doc.revision,
    )
