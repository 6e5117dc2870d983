"""The sample repository: a campaign's sample members and reserve, domain `SampleMember` in
and out.

The link token is stored encrypted, bound to its member (`link_token`), while the link may
still be handed out; `link_hash` (its SHA-256) stays as the key the resident page looks the
link up by. Nothing else about the household is here but its keyed tag.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from services.survey.documents.samples import SampleMemberDocument
from services.survey.domain.sampling import MemberStatus, Outcome, SampleMember
from shared.crypto import FieldBinding, field_crypto
from shared.mongo import Page, TenantRepository

COLLECTION = "survey_sample_members"
_TOKEN_FIELD = "link_token"  # noqa: S105 - a field name, not a secret


class SampleRepository(TenantRepository[SampleMemberDocument]):
    document = SampleMemberDocument

    def by_link(self, link_hash: str) -> SampleMember | None:
        """The member whose link hashes to ``link_hash`` (the token not decrypted)."""
        doc = self._query(link_hash=link_hash).exclude("outbox").first()
        return None if doc is None else self._to_domain(doc, with_token=False)

    def by_code(self, campaign_id: str, code: str) -> SampleMember | None:
        """The campaign's member (or reserve entry) with respondent code ``code``."""
        doc = self._query(campaign_id=campaign_id, code=code).exclude("outbox").first()
        return None if doc is None else self._to_domain(doc, with_token=False)

    def find(self, member_id: str) -> SampleMember | None:
        doc = self.get(member_id)
        return None if doc is None else self._to_domain(doc, with_token=False)

    def reserve_of(self, campaign_id: str, grid_id: str) -> list[SampleMember]:
        """The grid's unused reserve entries, in draw order."""
        docs = self._query(
            campaign_id=campaign_id, grid_id=grid_id, status=MemberStatus.RESERVE.value
        ).exclude("outbox")
        members = [self._to_domain(doc, with_token=False) for doc in docs]
        return sorted(members, key=lambda member: member.rank)

    def list_members(
        self,
        campaign_id: str,
        *,
        offset: int,
        limit: int,
        status: str | None = None,
        grid_id: str | None = None,
    ) -> Page[SampleMember]:
        """One page of the sample (drawn and activated members, never the unused reserve),
        by code; links decrypted while they can be handed out."""
        filters: dict[str, Any] = {"campaign_id": campaign_id, "listed": True}
        if status is not None:
            filters["status"] = status
        if grid_id is not None:
            filters["grid_id"] = grid_id
        page = self.list(offset=offset, limit=limit, order_by=("code",), **filters)
        return page.map(lambda doc: self._to_domain(doc, with_token=True))

    def pending_links(self, campaign_id: str) -> list[SampleMember]:
        """Every pending member with its link, by code (the survey firm's export)."""
        docs = self._query(campaign_id=campaign_id, status=MemberStatus.PENDING.value).exclude(
            "outbox"
        )
        members = [self._to_domain(doc, with_token=True) for doc in docs]
        return sorted(members, key=lambda member: member.code)

    def counts(self, campaign_id: str) -> dict[str, int]:
        """Members by status (reserve included)."""
        found: dict[str, int] = {}
        for row in self.all_values(("status",), campaign_id=campaign_id):
            found[row["status"]] = found.get(row["status"], 0) + 1
        return found

    def add_members(self, members: Iterable[SampleMember]) -> int:
        """Insert the draw's members one by one; `Conflict` when a code is taken (a draw
        that raced another)."""
        added = 0
        for member in members:
            self.add(self._to_document(member))
            added += 1
        return added

    def save_member(self, member: SampleMember) -> SampleMember:
        """Write back a member read at ``member.revision``; `ConcurrentUpdate` when it moved
        on meanwhile. A member read without its token keeps the stored one unless the link
        was spent (status no longer pending) or replaced (a new ``token``)."""
        doc = self._to_document(member)
        doc.revision = member.revision
        if member.token is None and member.status is MemberStatus.PENDING:
            stored = self._collection().find_one(
                {"_id": member.member_id, "tenant_id": self.tenant_id}, {_TOKEN_FIELD: 1}
            )
            doc.link_token = None if stored is None else stored.get(_TOKEN_FIELD)
        self.save(doc)
        return replace(member, revision=member.revision + 1)

    # -- mapping -----------------------------------------------------------------------------

    def _binding(self, member_id: str) -> FieldBinding:
        return FieldBinding(self.tenant_id, COLLECTION, member_id, _TOKEN_FIELD)

    def _to_document(self, member: SampleMember) -> SampleMemberDocument:
        token = member.token
        sealed = None
        if token is not None and member.status is MemberStatus.PENDING:
            sealed = field_crypto().cipher.encrypt(token, self._binding(member.member_id))
        return SampleMemberDocument(
            member_id=member.member_id,
            tenant_id=member.tenant_id,
            campaign_id=member.campaign_id,
            grid_id=member.grid_id,
            division_id=member.division_id,
            entry_id=member.entry_id,
            household_key=member.household_key,
            event_id=member.event_id,
            code=member.code,
            rank=member.rank,
            status=member.status.value,
            listed=member.listed,
            outcome=None if member.outcome is None else member.outcome.value,
            replaced_by=member.replaced_by,
            replaces=member.replaces,
            link_hash=member.link_hash,
            link_token=sealed,
        )

    def _to_domain(self, doc: SampleMemberDocument, *, with_token: bool) -> SampleMember:
        token = None
        if with_token and doc.link_token is not None:
            token = field_crypto().cipher.decrypt(doc.link_token, self._binding(doc.member_id))
        return SampleMember(
            member_id=doc.member_id,
            tenant_id=doc.tenant_id,
            campaign_id=doc.campaign_id,
            grid_id=doc.grid_id,
            division_id=doc.division_id,
            entry_id=doc.entry_id,
            household_key=doc.household_key,
            code=doc.code,
            rank=doc.rank,
            status=MemberStatus(doc.status),
            token=token,
            link_hash=doc.link_hash,
            event_id=doc.event_id,
            outcome=None if doc.outcome is None else Outcome(doc.outcome),
            replaced_by=doc.replaced_by,
            replaces=doc.replaces,
            revision=doc.revision,
        )
