"""The user directory repository: people of one tenant, as `User` domain objects."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from services.identity.documents.users import UserDocument
from services.identity.domain.users import User
from shared.errors import NotFound
from shared.events.domain import DomainEvent
from shared.mongo import Page, TenantRepository

_ORDER = ("username",)


class UserRepository(TenantRepository[UserDocument]):
    document = UserDocument

    def add_user(self, user: User, events: Sequence[DomainEvent]) -> User:
        """Store a new directory entry with its events; `Conflict` on a duplicate username."""
        doc = UserDocument(user_id=user.user_id, tenant_id=self.tenant_id)
        _fill(doc, user)
        self.add(doc, events)
        return _to_domain(doc)

    def save_user(self, user: User, events: Sequence[DomainEvent]) -> User:
        """Write back a changed entry read at ``user.revision``; `ConcurrentUpdate` if it moved."""
        doc = self.get(user.user_id)
        if doc is None:
            raise NotFound(f"user {user.user_id} not found")
        # The revision the caller read, not the one just loaded: the optimistic lock must
        # protect the whole read -> Keycloak -> write sequence of the use case.
        doc.revision = user.revision
        _fill(doc, user)
        self.save(doc, events)
        return _to_domain(doc)

    def find_user(self, user_id: str) -> User | None:
        doc = self.get(user_id)
        return None if doc is None else _to_domain(doc)

    def find_by_username(self, username: str) -> User | None:
        doc = self._query(username=username).first()
        return None if doc is None else _to_domain(doc)

    def find_by_phone(self, phone: str) -> list[User]:
        return [_to_domain(doc) for doc in self._query(phone=phone)]

    def list_users(
        self,
        *,
        offset: int,
        limit: int,
        role: str | None = None,
        enabled: bool | None = None,
        q: str | None = None,
    ) -> Page[User]:
        """One page of people ordered by username; ``q`` matches username or display name."""
        query = self._query(**_filters(role=role, enabled=enabled))
        if q:
            # A raw regex: mongoengine's icontains sends the "u" flag, which FerretDB rejects.
            pattern = {"$regex": re.escape(q), "$options": "i"}
            query = query.filter(
                __raw__={"$or": [{"username": pattern}, {"display_name": pattern}]}
            )
        total = query.count()
        docs = list(query.order_by(*_ORDER).skip(offset).limit(limit))
        return Page(items=[_to_domain(d) for d in docs], total=total, offset=offset, limit=limit)

    def all_users(self) -> list[User]:
        """Every person of the tenant (rosters and reconciliation compare the whole directory)."""
        return [_to_domain(doc) for doc in self._query().exclude("outbox").order_by(*_ORDER)]


def _filters(*, role: str | None, enabled: bool | None) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    if role is not None:
        filters["roles"] = role
    if enabled is not None:
        filters["enabled"] = enabled
    return filters


def _fill(doc: UserDocument, user: User) -> None:
    doc.username = user.username
    doc.login = user.login
    doc.display_name = user.display_name
    doc.email = user.email
    doc.phone = user.phone
    doc.roles = list(user.roles)
    doc.enabled = user.enabled
    doc.invited_at = user.invited_at
    doc.invited_by = user.invited_by
    doc.updated_at = user.updated_at
    doc.updated_by = user.updated_by
    doc.last_synced_at = user.last_synced_at


def _to_domain(doc: UserDocument) -> User:
    return User(
        user_id=doc.user_id,
        tenant_id=doc.tenant_id,
        username=doc.username,
        login=doc.login or doc.username,
        display_name=doc.display_name,
        email=doc.email,
        phone=doc.phone,
        roles=tuple(doc.roles),
        enabled=doc.enabled,
        invited_at=doc.invited_at,
        invited_by=doc.invited_by,
        updated_at=doc.updated_at,
        updated_by=doc.updated_by,
        last_synced_at=doc.last_synced_at,
        revision=doc.revision,
    )
