"""排名通报 use cases: publish a period's bulletin from its published results, list and read them.

Publishing composes the bulletin from the period's latest published edition and the latest
edition of the scheme's previous published period (`domain.bulletins`), and stores it with its
`bulletin.published` event: once per period and edition (the insert of its key decides); the
same period and edition again answers the stored bulletin. Centre only.

Who reads: a bulletin is posted publicly inside the township, so the centre and every grid role
of the tenant read the published ones (never another tenant's: 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.scoring.domain import bulletins as domain
from services.scoring.domain.bulletins import Bulletin, ListBy, Named, Source
from services.scoring.domain.evaluations import Header
from services.scoring.repository.bulletins import BulletinRepository
from services.scoring.use_cases import schemes
from services.scoring.use_cases.context import ScoringContext
from shared.errors import Conflict, InvalidInput, NotFound, StateConflict
from shared.mongo import Page
from shared.periods import parse_period


@dataclass(frozen=True)
class Published:
    """A publish request's answer: the bulletin, and whether this request published it."""

    bulletin: Bulletin
    created: bool


def _store(ctx: ScoringContext) -> BulletinRepository:
    return ctx.repository(BulletinRepository)


def publish_bulletin(
    ctx: ScoringContext,
    *,
    scheme_id: str,
    period: str,
    size: int = domain.DEFAULT_SIZE,
    by: str | None = None,
) -> Published:
    """Publish the bulletin of the period's latest published edition (`bulletin.published`);
    the same period and edition again answers the stored one (409 when asked with other list
    options). 404 for an unknown scheme; 409 while the period has no published results;
    422 for lists by grade of a scheme without grades."""
    _, scheme = schemes.latest_published(ctx, scheme_id)
    label = _label(scheme.period, period)
    header = ctx.evaluations.final(scheme_id, label)
    if header is None:
        raise StateConflict(f"period {label} has no published results to post")
    used = schemes.get_version(ctx, scheme_id=scheme_id, version=header.scheme_version).scheme()
    grades = [
        Named(g.id, g.name.zh, g.name.en) for g in (used.grades.levels if used.grades else ())
    ]
    list_by = ListBy(by) if by is not None else (ListBy.GRADE if grades else ListBy.RANK)
    if list_by is ListBy.GRADE and len(grades) < 2:
        raise InvalidInput.of("by", f"scheme {scheme_id} has no grades to list by")
    store = _store(ctx)
    stored = store.find(scheme_id, label, header.edition)
    if stored is not None:
        return Published(_same_options(stored, list_by, size), created=False)
    previous = _previous(ctx, header)
    now = ctx.now()
    bulletin = domain.compose(
        scheme_id=scheme_id,
        scheme_name=used.name.zh,
        subject_kind=header.subject_kind,
        period_kind=header.period.kind,
        period=label,
        first_day=header.period.start.isoformat(),
        last_day=header.period.end.isoformat(),
        source=_source(header),
        rows=header.rows,
        previous=None if previous is None else _source(previous),
        previous_rows=() if previous is None else previous.rows,
        streaks=[Named(s.id, s.name.zh, s.name.en) for s in used.streaks],
        grades=grades,
        list_by=list_by,
        size=size,
        # Kept to the millisecond, as the store keeps it: the stored bulletin reads the same.
        published_at=now.replace(microsecond=now.microsecond // 1000 * 1000),
        published_by=ctx.actor,
    )
    try:
        store.publish(bulletin)
    except Conflict:
        # Published meanwhile by another request: that one is the bulletin.
        found = store.find(scheme_id, label, header.edition)
        if found is None:
            raise
        return Published(_same_options(found, list_by, size), created=False)
    return Published(bulletin, created=True)


def _same_options(stored: Bulletin, list_by: ListBy, size: int) -> Bulletin:
    if stored.list_by is not list_by or (list_by is ListBy.RANK and stored.size != size):
        raise StateConflict(
            f"the bulletin of {stored.period} (edition {stored.source.edition}) is published "
            f"already, listing by {stored.list_by.value}"
            + (f" {stored.size}" if stored.list_by is ListBy.RANK else "")
        )
    return stored


def _previous(ctx: ScoringContext, header: Header) -> Header | None:
    """The latest edition of the scheme's last published period before ``header``'s."""
    earlier = [
        e
        for e in ctx.evaluations.finals(header.scheme_id)
        if e.period.kind == header.period.kind and e.period.end < header.period.start
    ]
    if not earlier:
        return None
    last = max(earlier, key=lambda e: (e.period.start, e.edition))
    return ctx.evaluations.final(header.scheme_id, last.period.label, last.edition)


def _source(header: Header) -> Source:
    return Source(
        period=header.period.label,
        edition=header.edition,
        scheme_version=header.scheme_version,
        evaluated_at=header.evaluated_at,
    )


def _label(kind: str, period: str) -> str:
    if kind == "custom":
        start, _, end = period.partition("..")
        parsed = parse_period("custom", {"start": start, "end": end})
    else:
        parsed = parse_period(kind, period)
    if isinstance(parsed, str):
        raise InvalidInput.of("period", parsed)
    return parsed.label


def list_bulletins(
    ctx: ScoringContext, *, scheme_id: str, offset: int, limit: int
) -> Page[dict[str, Any]]:
    """The scheme's published bulletins, the latest period first (no content)."""
    schemes.get_version(ctx, scheme_id=scheme_id, version=1)  # 404 for an unknown scheme
    return _store(ctx).of_scheme(scheme_id, offset=offset, limit=limit)


def get_bulletin(
    ctx: ScoringContext, *, scheme_id: str, period: str, edition: int | None = None
) -> Bulletin:
    """A published bulletin (default: of the period's latest edition that has one)."""
    found = _store(ctx).find(scheme_id, period, edition)
    if found is None:
        which = "" if edition is None else f" of edition {edition}"
        raise NotFound(f"no bulletin{which} for {period} of scheme {scheme_id}")
    return found
