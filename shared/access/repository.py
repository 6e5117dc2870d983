"""Reads and writes of `AccountStateDocument`, bound to one tenant like every repository."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from shared.access.documents import AccountStateDocument
from shared.mongo import TenantRepository

TENANT = "tenant"


def user_key(user_id: str) -> str:
    return f"user:{user_id}"


def client_key(client_id: str) -> str:
    return f"client:{client_id}"


class AccountStates(TenantRepository[AccountStateDocument]):
    document = AccountStateDocument

    def _id(self, subject: str) -> str:
        return f"{self.tenant_id}|{subject}"

    def record(self, subject: str, *, revoked: bool, changed_at: datetime, event_id: str) -> None:
        """Set `subject`'s state. Identity's events of one subject share a partition, so
        they arrive in order and a redelivery replays them in order: last write wins."""
        self._update_one(
            self._id(subject),
            {
                "$set": {
                    "tenant_id": self.tenant_id,
                    "subject": subject,
                    "revoked": revoked,
                    "changed_at": changed_at,
                    "event_id": event_id,
                    "revision": 0,
                    "outbox": [],
                    "outbox_pending": False,
                }
            },
            upsert=True,
        )

    def revoked(self, subjects: Iterable[str]) -> set[str]:
        """The subjects among `subjects` that are switched off (unknown ones are not)."""
        collection = self._collection()
        found: set[str] = set()
        for subject in subjects:
            # One equality read by _id each: the only filter FerretDB answers from an index.
            doc = collection.find_one(
                {"_id": self._id(subject), "tenant_id": self.tenant_id}, {"revoked": 1}
            )
            if doc is not None and doc.get("revoked"):
                found.add(subject)
        return found

    def has_user(self, user_id: str) -> bool:
        """Whether identity announced an account `user_id` in this tenant (enabled or not):
        how other services check that a user id a request names is the tenant's own."""
        doc = self._collection().find_one(
            {"_id": self._id(user_key(user_id)), "tenant_id": self.tenant_id}, {"_id": 1}
        )
        return doc is not None
