"""`RequestContext`: one request (or one consumed message) as a use case sees it.

The edge builds it once: HTTP views from the verified token and the request id
(`shared.http.request_context`), Kafka handlers from the envelope (`for_message`). Use cases
take it as their first argument instead of repositories, actor, correlation id and clock one
by one. Each service subclasses it with its repositories as cached properties, all bound to
the context's tenant and recording events with its `origin`:

```python
@dataclass(frozen=True)
class RegistryContext(RequestContext):
    producer: ClassVar[str] = "grid_registry"
    supports_dry_run: ClassVar[bool] = True

    @cached_property
    def grids(self) -> GridRepository:
        return self.repository(GridRepository)
```

A dry run (`as_dry_run()`, e.g. an import's ``?dry_run=true``) is the same context whose
repositories read as usual and check every write but store nothing (`TenantRepository`'s
dry-run mode), so a use case runs the same path in both modes. Only a context that builds its
repositories with `repository()` honours it and says so with ``supports_dry_run``; any other
refuses to become a dry run rather than write for real.

Tests build one directly: ``RegistryContext(tenant_id="t1", actor="u1", clock=fixed)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import ClassVar, Protocol, Self, TypeVar

from shared.events.domain import EventOrigin
from shared.events.envelope import Envelope

Clock = Callable[[], datetime]
R_co = TypeVar("R_co", covariant=True)


class RepositoryClass(Protocol[R_co]):
    """How a context builds a repository (`shared.mongo.TenantRepository`'s constructor)."""

    def __call__(self, tenant_id: str, origin: EventOrigin, *, dry_run: bool) -> R_co: ...


def utc_now() -> datetime:
    """The default clock: now, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class RequestContext:
    """Who acts (`actor`, with `roles`), for which tenant, under which correlation id, when."""

    tenant_id: str
    actor: str
    correlation_id: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    clock: Clock = utc_now
    dry_run: bool = False

    # The service whose events this context records (the envelope's `producer`).
    producer: ClassVar[str]
    # True when every repository of the context comes from `repository()`, so a dry run of it
    # writes nothing.
    supports_dry_run: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if not self.tenant_id:
            raise ValueError("a request context needs a tenant_id")
        if not self.actor:
            raise ValueError("a request context needs an actor")
        if self.dry_run and not self.supports_dry_run:
            raise ValueError(f"{type(self).__name__} does not support dry runs")

    @classmethod
    def for_message(cls, envelope: Envelope) -> Self:
        """The context of handling one consumed event: the event's tenant, the producing
        service as the actor, and the event's correlation id carried on (or its own id), so
        what this handling records can be traced back to the request that started it."""
        return cls(
            tenant_id=envelope.tenant_id,
            actor=f"{envelope.producer}:{envelope.type}",
            correlation_id=envelope.correlation_id or envelope.event_id,
        )

    @property
    def origin(self) -> EventOrigin:
        """How repositories built from this context stamp the events they record."""
        return EventOrigin(
            producer=self.producer, correlation_id=self.correlation_id, actor=self.actor
        )

    def now(self) -> datetime:
        """The context's clock, read once per call (one use case reads it once)."""
        return self.clock()

    def as_dry_run(self) -> Self:
        """This context as a dry run: its repositories (new ones, not this context's) perform
        every read and check every write, and store nothing."""
        return replace(self, dry_run=True)

    def repository(self, cls: RepositoryClass[R_co]) -> R_co:
        """A repository of this context: its tenant, stamping its origin, in its mode."""
        return cls(self.tenant_id, self.origin, dry_run=self.dry_run)
