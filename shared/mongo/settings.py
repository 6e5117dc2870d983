"""`SettingsRepository[D, S]`: a tenant's settings document (one per tenant, `_id` = tenant id)
read on hot paths through a short per-process cache.

Services read a tenant's settings on every report or upload, and tenants change them a few
times a year: a process keeps what it read for `max_age_s` (2 s), its own saves replace the
entry at once, another process's change is seen within that time. Dry runs never touch the
cache. Subclasses say how a document becomes settings (`to_settings`), how settings become a
document (`to_document`) and what a tenant that never saved any reads (`defaults`).
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from shared.events.domain import DomainEvent
from shared.mongo.documents import TenantDocument
from shared.mongo.repository import TenantRepository


class Revised(Protocol):
    """Settings are frozen dataclasses carrying the store's `revision`."""

    @property
    def revision(self) -> int: ...


D = TypeVar("D", bound=TenantDocument)
S = TypeVar("S", bound=Revised)

_cache: dict[tuple[str, str, str], tuple[float, Any]] = {}
_cache_lock = threading.Lock()


class SettingsRepository(TenantRepository[D], ABC, Generic[D, S]):
    """One settings document per tenant; `current`, `recent` (cached) and `save_settings`."""

    max_age_s: ClassVar[float] = 2.0

    @abstractmethod
    def defaults(self) -> S:
        """What a tenant that never saved its settings reads."""

    @abstractmethod
    def to_settings(self, doc: D) -> S:
        """The settings a stored document holds (at its revision)."""

    @abstractmethod
    def to_document(self, settings: S) -> D:
        """The document to store for ``settings``."""

    def current(self) -> S:
        """The tenant's settings as stored (the defaults until the tenant saves its own)."""
        doc = self.get(self.tenant_id)
        return self.defaults() if doc is None else self.to_settings(doc)

    def recent(self) -> S:
        """`current`, as read at most `max_age_s` ago by this process (the hot paths)."""
        if self.dry_run:
            return self.current()
        key = self._cache_key()
        now = time.monotonic()
        with _cache_lock:
            found = _cache.get(key)
        if found is not None and now - found[0] < self.max_age_s:
            settings: S = found[1]
            return settings
        settings = self.current()
        with _cache_lock:
            _cache[key] = (now, settings)
        return settings

    def save_settings(self, settings: S, events: Sequence[DomainEvent]) -> S:
        """Insert (revision 0) or write back at the revision read; `Conflict` (409) when
        another change landed in between (a second first save, or a moved revision). Returns
        the settings at their new revision."""
        doc = self.to_document(settings)
        if settings.revision == 0:
            self.add(doc, events)
        else:
            doc.revision = settings.revision
            self.save(doc, events)
        saved: S = replace(settings, revision=settings.revision + 1)  # type: ignore[type-var]
        if not self.dry_run:
            with _cache_lock:
                _cache.pop(self._cache_key(), None)
        return saved

    def _cache_key(self) -> tuple[str, str, str]:
        return (self.document._get_db().name, self.document.__name__, self.tenant_id)
