"""The frame repository: households (or closed events) of a campaign's sampling frame.

Personal data is encrypted and tagged here, and only here (ADR 13): `FrameEntry.phone` and
`.address` go to the store as AES-GCM ciphertext bound to (tenant, collection, entry, field);
the household reference becomes a keyed tag before it reaches the domain. Nothing reads a phone
number or an address back: entries are read without them (their `phone` and `address` are
None), since no API answers them after the import.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

from services.survey.documents.frames import FrameEntryDocument
from services.survey.domain.frames import FrameEntry, GridFrame
from services.survey.domain.sampling import Candidate
from shared.crypto import FieldBinding, field_crypto
from shared.mongo import TenantRepository

COLLECTION = "survey_frame_entries"
HOUSEHOLD_PURPOSE = "survey.household"
EVENT_PURPOSE = "survey.frame_event"
ROW_PURPOSE = "survey.frame_row"


class FrameRepository(TenantRepository[FrameEntryDocument]):
    document = FrameEntryDocument

    # -- keys --------------------------------------------------------------------------------

    def household_key(self, household_ref: str) -> str:
        """The keyed tag a household reference is kept as (the current key's)."""
        return field_crypto().hasher.tag(
            household_ref, tenant_id=self.tenant_id, purpose=HOUSEHOLD_PURPOSE
        )

    def household_keys(self, household_ref: str) -> tuple[str, ...]:
        """The reference's tag under every key, the current one first: what finds an entry
        stored before a key rotation."""
        return field_crypto().hasher.tags(
            household_ref, tenant_id=self.tenant_id, purpose=HOUSEHOLD_PURPOSE
        )

    def event_key(self, event_id: str) -> str:
        """The key an event-callback frame's entry is kept under (one entry per event)."""
        return field_crypto().hasher.tag(event_id, tenant_id=self.tenant_id, purpose=EVENT_PURPOSE)

    def fingerprint(self, grid_id: str, phone: str | None, address: str | None) -> str:
        """A keyed tag of what a row says: equal for an unchanged row, with nothing to
        decrypt."""
        content = json.dumps([grid_id, phone, address], ensure_ascii=False)
        return field_crypto().hasher.tag(content, tenant_id=self.tenant_id, purpose=ROW_PURPOSE)

    # -- reads -------------------------------------------------------------------------------

    def entries_of(self, campaign_id: str) -> dict[str, FrameEntry]:
        """The campaign's entries by household key (phone and address not read)."""
        docs = self._query(campaign_id=campaign_id).exclude("phone", "address", "outbox")
        found = {doc.household_key: _to_domain(doc) for doc in docs}
        for doc in self._pretended_documents().values():
            if doc.campaign_id == campaign_id:
                found[doc.household_key] = _to_domain(doc)
        return found

    def candidates(self, campaign_id: str) -> list[Candidate]:
        """The campaign's entries as the draw sees them (grid and sort key)."""
        rows = self.all_values(("grid_id", "household_key"), campaign_id=campaign_id)
        return [
            Candidate(
                entry_id=str(row["_id"]), grid_id=row["grid_id"], sort_key=row["household_key"]
            )
            for row in rows
        ]

    def keys_of(self, campaign_id: str) -> dict[str, tuple[str, str | None, str | None]]:
        """Entry id -> (household key, event id, division id) for the campaign's entries."""
        rows = self.all_values(
            ("household_key", "event_id", "division_id"), campaign_id=campaign_id
        )
        return {
            str(row["_id"]): (row["household_key"], row["event_id"], row["division_id"])
            for row in rows
        }

    def grid_counts(self, campaign_id: str) -> list[GridFrame]:
        """How many entries each grid has, by grid id (no entry itself)."""
        rows = self.all_values(("grid_id",), campaign_id=campaign_id)
        counts = Counter(row["grid_id"] for row in rows)
        return [GridFrame(grid_id=grid_id, entries=counts[grid_id]) for grid_id in sorted(counts)]

    # -- writes ------------------------------------------------------------------------------

    def add_entry(self, entry: FrameEntry) -> FrameEntry:
        """Insert a new entry; `Conflict` when its household is in the campaign already."""
        self.add(self._to_document(entry))
        return replace(entry, revision=1)

    def save_entry(self, entry: FrameEntry) -> FrameEntry:
        """Write back an entry read at ``entry.revision`` (all its fields, phone and address
        as given); `ConcurrentUpdate` when it moved on meanwhile."""
        doc = self._to_document(entry)
        doc.revision = entry.revision
        self.save(doc)
        return replace(entry, revision=entry.revision + 1)

    def _seal(self, value: str | None, entry_id: str, field: str) -> str | None:
        if value is None:
            return None
        binding = FieldBinding(self.tenant_id, COLLECTION, entry_id, field)
        return field_crypto().cipher.encrypt(value, binding)

    def _to_document(self, entry: FrameEntry) -> FrameEntryDocument:
        return FrameEntryDocument(
            entry_id=entry.entry_id,
            tenant_id=entry.tenant_id,
            campaign_id=entry.campaign_id,
            grid_id=entry.grid_id,
            division_id=entry.division_id,
            household_key=entry.household_key,
            fingerprint=entry.fingerprint,
            phone=self._seal(entry.phone, entry.entry_id, "phone"),
            address=self._seal(entry.address, entry.entry_id, "address"),
            event_id=entry.event_id,
            created_at=entry.created_at,
            updated_at=entry.updated_at,
        )


def _to_domain(doc: FrameEntryDocument) -> FrameEntry:
    return FrameEntry(
        entry_id=doc.entry_id,
        tenant_id=doc.tenant_id,
        campaign_id=doc.campaign_id,
        grid_id=doc.grid_id,
        division_id=doc.division_id,
        household_key=doc.household_key,
        fingerprint=doc.fingerprint,
        created_at=doc.created_at,
        updated_at=doc.updated_at,
        event_id=doc.event_id,
        revision=doc.revision,
    )
