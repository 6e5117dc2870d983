"""The key subject repository: domain `Subject` in and out, personal data encrypted at rest.

ID numbers, phone numbers and notes are encrypted as a subject is written and decrypted as it
is read (`shared.crypto`, ADR 13), each value bound to its tenant, subject and field, under the
process's current key. Duplicates are found by the ID number's HMAC tag (`dedup_key`) without
the number. Values stored before ADR 13 (plain text, an unsalted SHA-256 in `dedup_key` and
`id_number_sha256`) are read as they are; `reencrypt_subject` replaces them, and those under an
older key, with values under the current keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any, Final

from services.grid_registry.documents.subjects import GridMoveDocument, SubjectDocument
from services.grid_registry.domain.subjects import (
    Gender,
    GridMove,
    Location,
    Subject,
    SubjectCategory,
    SubjectStatus,
    VisitCycle,
)
from shared.crypto import FieldBinding, FieldCrypto, field_crypto
from shared.errors import Conflict
from shared.events.domain import DomainEvent
from shared.mongo import ConcurrentUpdate, Page, TenantRepository
from shared.mongo.guard import cross_tenant_comment

DUPLICATE = "a subject with this ID number is already registered in the tenant"
COLLECTION: Final = "subjects"
# The fields stored encrypted; names and addresses stay plain (see the document's docstring).
ENCRYPTED_FIELDS: Final = ("id_number", "phone", "contact_phone", "notes")
ID_NUMBER_PURPOSE: Final = "subjects.id_number"
_REENCRYPTION = cross_tenant_comment("field-reencryption")


class SubjectRepository(TenantRepository[SubjectDocument]):
    document = SubjectDocument

    def add_subject(self, subject: Subject, events: Sequence[DomainEvent]) -> Subject:
        """Store a new subject with its events; `Conflict` when the ID number is registered."""
        crypto = field_crypto()
        doc = self._to_document(subject, crypto)
        # The unique index knows the current tag only; a number stored under an older key (or
        # before ADR 13) is looked up by its other tags.
        if self._registered_elsewhere(subject, crypto, current=False):
            raise Conflict(DUPLICATE)
        try:
            self.add(doc, events)
        except Conflict:
            raise Conflict(DUPLICATE) from None
        return replace(subject, revision=1)

    def save_subject(self, subject: Subject, events: Sequence[DomainEvent]) -> Subject:
        """Write back a subject read at ``subject.revision``, its personal data encrypted under
        the current key; `Conflict` on a duplicate ID, `ConcurrentUpdate` when it moved on."""
        crypto = field_crypto()
        doc = self._to_document(subject, crypto)
        doc.revision = subject.revision
        # Every tag is looked up first; the unique index decides only when a concurrent write
        # won this check (FerretDB reports that as an InternalError; the base class maps it).
        if self._registered_elsewhere(subject, crypto, current=True):
            raise Conflict(DUPLICATE)
        try:
            self.save(doc, events)
        except ConcurrentUpdate:
            raise
        except Conflict:
            # Only when a concurrent write won the check above.
            raise Conflict(DUPLICATE) from None
        return replace(subject, revision=subject.revision + 1)

    def find_subject(self, subject_id: str) -> Subject | None:
        doc = self.get(subject_id)
        return None if doc is None else self._to_domain(doc, field_crypto())

    def list_subjects(
        self,
        *,
        offset: int,
        limit: int,
        grid_ids: Collection[str] | None = None,
        **filters: str,
    ) -> Page[Subject]:
        """One page ordered by grid then name; ``grid_ids`` restricts to those grids."""
        query: dict[str, Any] = {name: value for name, value in filters.items() if value}
        if grid_ids is not None:
            query["grid_id__in"] = sorted(grid_ids)
        page = self.list(
            offset=offset, limit=limit, order_by=("grid_id", "name", "subject_id"), **query
        )
        crypto = field_crypto()
        return page.map(lambda doc: self._to_domain(doc, crypto))

    def stale_subject_ids(self) -> list[str]:
        """The tenant's subjects holding a value not under the current keys: plain text of
        before ADR 13, its SHA-256, or a value or tag under an older key."""
        crypto = field_crypto()
        docs = self._query().only("subject_id", "dedup_key", *ENCRYPTED_FIELDS)
        return [doc.subject_id for doc in docs if _is_stale(doc, crypto)]

    def reencrypt_subject(self, subject_id: str) -> bool:
        """Write the subject back under the current keys, recording no event (nothing about
        it changed); False when it is gone or holds nothing stale any more. `Conflict` when
        another subject holds its ID number, `ConcurrentUpdate` when it moved on meanwhile."""
        crypto = field_crypto()
        doc = self.get(subject_id)
        if doc is None or not _is_stale(doc, crypto):
            return False
        self.save_subject(self._to_domain(doc, crypto), [])
        return True

    def _registered_elsewhere(
        self, subject: Subject, crypto: FieldCrypto, *, current: bool
    ) -> bool:
        if subject.id_number is None:
            return False
        tags = _id_number_tags(crypto, self.tenant_id, subject.id_number)
        return any(
            self._query(dedup_key=tag, subject_id__ne=subject.subject_id).count()
            for tag in (tags if current else tags[1:])
        )

    def _binding(self, subject_id: str, field: str) -> FieldBinding:
        return FieldBinding(self.tenant_id, COLLECTION, subject_id, field)

    def _seal(
        self, crypto: FieldCrypto, subject_id: str, field: str, value: str | None
    ) -> str | None:
        if value is None:
            return None
        return crypto.cipher.encrypt(value, self._binding(subject_id, field))

    def _open(
        self, crypto: FieldCrypto, subject_id: str, field: str, stored: str | None
    ) -> str | None:
        if stored is None or not crypto.cipher.is_encrypted(stored):
            return stored  # TRANSITION (ADR 13): plain text of before, until re-encrypted
        return crypto.cipher.decrypt(stored, self._binding(subject_id, field))

    def _to_document(self, subject: Subject, crypto: FieldCrypto) -> SubjectDocument:
        sealed = {
            field: self._seal(crypto, subject.subject_id, field, getattr(subject, field))
            for field in ENCRYPTED_FIELDS
        }
        dedup_key = (
            crypto.hasher.tag(
                subject.id_number, tenant_id=self.tenant_id, purpose=ID_NUMBER_PURPOSE
            )
            if subject.id_number
            else f"subject:{subject.subject_id}"
        )
        return _document(subject, sealed, dedup_key)

    def _to_domain(self, doc: SubjectDocument, crypto: FieldCrypto) -> Subject:
        opened = {
            field: self._open(crypto, doc.subject_id, field, getattr(doc, field))
            for field in ENCRYPTED_FIELDS
        }
        return _domain(doc, opened)


def stored_tenants() -> list[str]:
    """Every tenant holding subjects: the one read across tenants (the re-encryption pass)."""
    collection = SubjectDocument._get_collection()
    return sorted(collection.distinct("tenant_id", comment=_REENCRYPTION))


def _id_number_tags(crypto: FieldCrypto, tenant_id: str, id_number: str) -> tuple[str, ...]:
    """The number's tag under every HMAC key, the current first, then its SHA-256 of before
    ADR 13 (TRANSITION: until every deployment has run the re-encryption pass)."""
    tags = crypto.hasher.tags(id_number, tenant_id=tenant_id, purpose=ID_NUMBER_PURPOSE)
    return (*tags, hashlib.sha256(id_number.encode("ascii")).hexdigest())


def _is_stale(doc: SubjectDocument, crypto: FieldCrypto) -> bool:
    # A document of before ADR 13 (its SHA-256 included) holds plain values: stale either way.
    if doc.id_number is not None and not crypto.hasher.is_current(doc.dedup_key):
        return True
    values = (getattr(doc, field) for field in ENCRYPTED_FIELDS)
    return any(value is not None and not crypto.cipher.is_current(value) for value in values)


def _document(subject: Subject, sealed: dict[str, str | None], dedup_key: str) -> SubjectDocument:
    return SubjectDocument(
        subject_id=subject.subject_id,
        tenant_id=subject.tenant_id,
        category=subject.category.value,
        sub_category=subject.sub_category,
        grid_id=subject.grid_id,
        division_id=subject.division_id,
        visit_cycle=subject.visit_cycle.value,
        status=subject.status.value,
        name=subject.name,
        address=subject.address,
        lon=subject.location.lon if subject.location else None,
        lat=subject.location.lat if subject.location else None,
        gender=subject.gender.value if subject.gender else None,
        **sealed,
        dedup_key=dedup_key,
        contact_person=subject.contact_person,
        archived_reason=subject.archived_reason,
        archived_at=subject.archived_at,
        archived_by=subject.archived_by,
        moves=[
            GridMoveDocument(
                from_grid_id=move.from_grid_id,
                to_grid_id=move.to_grid_id,
                moved_at=move.moved_at,
                moved_by=move.moved_by,
            )
            for move in subject.moves
        ],
        created_at=subject.created_at,
        created_by=subject.created_by,
        updated_at=subject.updated_at,
        updated_by=subject.updated_by,
    )


def _domain(doc: SubjectDocument, opened: dict[str, str | None]) -> Subject:
    return Subject(
        subject_id=doc.subject_id,
        tenant_id=doc.tenant_id,
        category=SubjectCategory(doc.category),
        sub_category=doc.sub_category,
        grid_id=doc.grid_id,
        division_id=doc.division_id,
        visit_cycle=VisitCycle(doc.visit_cycle),
        status=SubjectStatus(doc.status),
        name=doc.name,
        address=doc.address,
        location=None if doc.lon is None else Location(lon=doc.lon, lat=doc.lat),
        gender=None if doc.gender is None else Gender(doc.gender),
        id_number=opened["id_number"],
        phone=opened["phone"],
        notes=opened["notes"],
        contact_person=doc.contact_person,
        contact_phone=opened["contact_phone"],
        archived_reason=doc.archived_reason,
        archived_at=doc.archived_at,
        archived_by=doc.archived_by,
        moves=tuple(
            GridMove(
                from_grid_id=m.from_grid_id,
                to_grid_id=m.to_grid_id,
                moved_at=m.moved_at,
                moved_by=m.moved_by,
            )
            for m in doc.moves
        ),
        created_at=doc.created_at,
        created_by=doc.created_by,
        updated_at=doc.updated_at,
        updated_by=doc.updated_by,
        revision=doc.revision,
    )
