"""Scheme versions' store: one document per version, domain `SchemeVersion` in and out.

Lists read scalar fields only (`all_values`: a tenant has a few schemes of a few versions
each), and a version's text is read when that version is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from services.scoring.documents.schemes import SchemeVersionDocument
from services.scoring.domain.schemes import SchemePublished, SchemeVersion, Status
from shared.mongo import TenantRepository
from shared.mongo.guard import cross_tenant_comment

_SUMMARY_FIELDS = (
    "scheme_id",
    "version",
    "status",
    "name_zh",
    "name_en",
    "subject",
    "period_kind",
    "origin",
    "created_at",
    "created_by",
    "updated_at",
    "published_at",
    "published_by",
)


@dataclass(frozen=True)
class VersionSummary:
    """A version as lists show it (no text)."""

    scheme_id: str
    version: int
    status: Status
    name_zh: str | None
    name_en: str | None
    subject: str | None
    period_kind: str | None
    origin: str
    created_at: datetime
    created_by: str
    updated_at: datetime
    published_at: datetime | None
    published_by: str | None


class SchemeRepository(TenantRepository[SchemeVersionDocument]):
    document = SchemeVersionDocument

    def _key(self, scheme_id: str, version: int) -> str:
        return f"{self.tenant_id}|{scheme_id}|{version}"

    def find(self, scheme_id: str, version: int) -> SchemeVersion | None:
        """Version ``version`` of ``scheme_id`` in this tenant, or None."""
        doc = self.get(self._key(scheme_id, version))
        return None if doc is None else _to_domain(doc)

    def add_version(self, version: SchemeVersion) -> SchemeVersion:
        """Insert a new version; `Conflict` when that number exists already (a race, or a
        scheme id taken for version 1)."""
        self.add(_to_document(self._key(version.scheme_id, version.version), version))
        return replace(version, revision=1)

    def save_version(
        self, version: SchemeVersion, events: Sequence[SchemePublished] = ()
    ) -> SchemeVersion:
        """Write back a version read at ``version.revision``; `ConcurrentUpdate` when another
        writer changed it since."""
        doc = _to_document(self._key(version.scheme_id, version.version), version)
        doc.revision = version.revision
        self.save(doc, events)
        return replace(version, revision=version.revision + 1)

    def versions_of(self, scheme_id: str) -> list[VersionSummary]:
        """Every version of the scheme, oldest first (empty: no such scheme here)."""
        rows = self.all_values(_SUMMARY_FIELDS, scheme_id=scheme_id)
        return sorted((_summary(row) for row in rows), key=lambda v: v.version)

    def all_versions(self) -> list[VersionSummary]:
        """Every version of every scheme of the tenant, by scheme then version."""
        rows = self.all_values(_SUMMARY_FIELDS)
        return sorted((_summary(row) for row in rows), key=lambda v: (v.scheme_id, v.version))

    def published(self) -> list[VersionSummary]:
        """Every published version of the tenant's schemes, by scheme then version."""
        rows = self.all_values(_SUMMARY_FIELDS, status=Status.PUBLISHED.value)
        return sorted((_summary(row) for row in rows), key=lambda v: (v.scheme_id, v.version))


def _summary(row: dict[str, Any]) -> VersionSummary:
    published_at = row.get("published_at")
    return VersionSummary(
        scheme_id=str(row["scheme_id"]),
        version=int(row["version"]),
        status=Status(str(row["status"])),
        name_zh=_optional(row, "name_zh"),
        name_en=_optional(row, "name_en"),
        subject=_optional(row, "subject"),
        period_kind=_optional(row, "period_kind"),
        origin=str(row["origin"]),
        created_at=_aware(row["created_at"]),
        created_by=str(row["created_by"]),
        updated_at=_aware(row["updated_at"]),
        published_at=None if published_at is None else _aware(published_at),
        published_by=_optional(row, "published_by"),
    )


def _optional(row: dict[str, Any], name: str) -> str | None:
    value = row.get(name)
    return None if value is None else str(value)


def _to_document(key: str, version: SchemeVersion) -> SchemeVersionDocument:
    return SchemeVersionDocument(
        key=key,
        tenant_id=version.tenant_id,
        scheme_id=version.scheme_id,
        version=version.version,
        status=version.status.value,
        text=version.text,
        document=version.document,
        format=version.format,
        name_zh=version.name_zh,
        name_en=version.name_en,
        subject=version.subject,
        period_kind=version.period_kind,
        origin=version.origin,
        created_at=version.created_at,
        created_by=version.created_by,
        updated_at=version.updated_at,
        updated_by=version.updated_by,
        published_at=version.published_at,
        published_by=version.published_by,
    )


def _to_domain(doc: SchemeVersionDocument) -> SchemeVersion:
    return SchemeVersion(
        tenant_id=doc.tenant_id,
        scheme_id=doc.scheme_id,
        version=doc.version,
        status=Status(doc.status),
        text=doc.text,
        document=doc.document,
        format=doc.format,
        name_zh=doc.name_zh,
        name_en=doc.name_en,
        subject=doc.subject,
        period_kind=doc.period_kind,
        origin=doc.origin,
        created_at=_aware(doc.created_at),
        created_by=doc.created_by,
        updated_at=_aware(doc.updated_at),
        updated_by=doc.updated_by,
        published_at=None if doc.published_at is None else _aware(doc.published_at),
        published_by=doc.published_by,
        revision=doc.revision,
    )


def _aware(value: datetime) -> datetime:
    """Stored datetimes come back naive (UTC)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# The provisional-scores job's one cross-tenant read: which tenants publish which schemes.
PROVISIONAL_SCAN = cross_tenant_comment("provisional-scores")


def published_across_tenants() -> list[tuple[str, str, datetime]]:
    """``(tenant_id, scheme_id, published_at)`` of every published version of every tenant
    (a few per tenant: FerretDB answers the status equality from its index)."""
    query = (
        SchemeVersionDocument.objects(status=Status.PUBLISHED.value)
        .only("tenant_id", "scheme_id", "published_at")
        .comment(PROVISIONAL_SCAN)
    )
    return sorted(
        (doc.tenant_id, doc.scheme_id, _aware(doc.published_at))
        for doc in query
        if doc.published_at is not None
    )
