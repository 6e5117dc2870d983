"""Bulletins' store: one document per (scheme, period, edition), inserted once."""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from services.scoring.documents.bulletins import BulletinDocument
from services.scoring.domain.bulletins import (
    Bulletin,
    BulletinPublished,
    ListBy,
    Notice,
    Source,
    Standing,
)
from shared.mongo import Page, TenantRepository

_LIST_FIELDS = (
    "scheme_id",
    "period",
    "first_day",
    "edition",
    "scheme_version",
    "list_by",
    "size",
    "subjects",
    "published_at",
    "published_by",
)


class BulletinRepository(TenantRepository[BulletinDocument]):
    document = BulletinDocument

    def _key(self, scheme_id: str, period: str, edition: int) -> str:
        return f"{self.tenant_id}|{scheme_id}|{period}|{edition}"

    def publish(self, bulletin: Bulletin) -> Bulletin:
        """Store ``bulletin`` with its `bulletin.published` event; `Conflict` when the period's
        edition has one already."""
        self.add(self._to_document(bulletin), [BulletinPublished(bulletin)])
        return bulletin

    def find(self, scheme_id: str, period: str, edition: int | None = None) -> Bulletin | None:
        """The bulletin of ``edition`` of the period (default: of its latest edition)."""
        if edition is None:
            editions = sorted(
                int(row["edition"])
                for row in self.all_values(("edition",), scheme_id=scheme_id, period=period)
            )
            if not editions:
                return None
            edition = editions[-1]
        doc = self.get(self._key(scheme_id, period, edition))
        return None if doc is None else _to_domain(doc)

    def of_scheme(self, scheme_id: str, *, offset: int, limit: int) -> Page[dict[str, Any]]:
        """A page of the scheme's bulletins (no content), the latest period first."""
        return self.list_values(
            _LIST_FIELDS,
            offset=offset,
            limit=limit,
            order_by=("-first_day", "-edition"),
            scheme_id=scheme_id,
        )

    def _to_document(self, b: Bulletin) -> BulletinDocument:
        return BulletinDocument(
            key=self._key(b.scheme_id, b.period, b.source.edition),
            tenant_id=self.tenant_id,
            scheme_id=b.scheme_id,
            period=b.period,
            first_day=b.first_day,
            edition=b.source.edition,
            scheme_version=b.source.scheme_version,
            list_by=b.list_by.value,
            size=b.size,
            subjects=len(b.standings),
            published_at=b.published_at,
            published_by=b.published_by,
            content=zlib.compress(
                json.dumps(b.content(), ensure_ascii=False, separators=(",", ":")).encode(), 6
            ),
        )


def _utc(value: datetime) -> datetime:
    """Stored datetimes come back naive (UTC)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _source(data: Mapping[str, Any]) -> Source:
    return Source(
        period=data["period"],
        edition=data["edition"],
        scheme_version=data["scheme_version"],
        evaluated_at=datetime.fromisoformat(data["evaluated_at"]),
    )


def _to_domain(doc: BulletinDocument) -> Bulletin:
    content = json.loads(zlib.decompress(doc.content).decode("utf-8"))
    previous = content["previous"]
    return Bulletin(
        scheme_id=doc.scheme_id,
        scheme_name=content["scheme_name"],
        subject_kind=content["subject_kind"],
        period_kind=content["period_kind"],
        period=doc.period,
        first_day=content["first_day"],
        last_day=content["last_day"],
        source=Source(
            period=doc.period,
            edition=doc.edition,
            scheme_version=doc.scheme_version,
            evaluated_at=datetime.fromisoformat(content["source_evaluated_at"]),
        ),
        previous=None if previous is None else _source(previous),
        list_by=ListBy(doc.list_by),
        size=doc.size,
        standings=tuple(Standing.from_dict(s) for s in content["standings"]),
        red=tuple(content["red"]),
        black=tuple(content["black"]),
        notices=tuple(Notice.from_dict(n) for n in content["notices"]),
        published_at=_utc(doc.published_at),
        published_by=doc.published_by,
    )
