"""A pymongo command listener that catches untenanted queries on tenant collections.

Any find / update / delete / aggregate / count / distinct / findAndModify on a collection of a
`TenantDocument` must filter on `tenant_id` (a plain string or `{"$eq": string}`; an aggregate
must start with such a `$match`). The one escape hatch is a command `comment` starting with
`CROSS_TENANT_COMMENT_PREFIX`, built by `cross_tenant_comment(reason)`; grep for
`cross_tenant_comment(` to list every place that crosses tenants (today: the outbox relay).

pymongo swallows exceptions raised inside listeners (they are logged, the command still runs),
so the listener cannot abort the command itself. It records each violation and logs it at
ERROR; the test suite installs it for the whole run (`install_tenant_guard()`) and fails every
test that leaves a violation behind (`assert_clean()`), which is how "an untenanted query
cannot pass CI" is enforced. In production it can be installed too, as an alarm.

It also watches for updates that would race on FerretDB: while write leases are active (the
server is FerretDB, see `shared.mongo.leases`), every `update` / `findAndModify` statement on a
tenant collection must name one `_id` whose lease the issuing thread holds. pymongo publishes
command events on the thread that runs the command, so the thread-local check is exact.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pymongo import monitoring

from shared.mongo.documents import tenant_collection_names
from shared.mongo.leases import held_by_this_thread, write_leases

log = logging.getLogger(__name__)

CROSS_TENANT_COMMENT_PREFIX = "gridgov:cross-tenant:"

# Commands that read or write documents by filter (lower case; see `_filters`).
_GUARDED = frozenset(
    {"find", "update", "delete", "aggregate", "count", "distinct", "findandmodify"}
)


def cross_tenant_comment(reason: str) -> str:
    """The `comment` that lets one command cross tenants; `reason` names the component."""
    if not reason or not reason.replace("-", "").replace("_", "").isalnum():
        raise ValueError("reason must be a short identifier like 'outbox-relay'")
    return f"{CROSS_TENANT_COMMENT_PREFIX}{reason}"


@dataclass(frozen=True, slots=True)
class TenantGuardViolation:
    """One untenanted command seen by the guard."""

    command_name: str
    collection: str
    database: str
    detail: str


def _is_tenant_value(value: object) -> bool:
    if isinstance(value, str):
        return bool(value)
    if isinstance(value, Mapping) and set(value) == {"$eq"}:
        return isinstance(value["$eq"], str) and bool(value["$eq"])
    return False


def filter_has_tenant(query: object) -> bool:
    """True when `query` pins exactly one tenant at top level (or inside a top-level `$and`)."""
    if not isinstance(query, Mapping):
        return False
    if "tenant_id" in query and _is_tenant_value(query["tenant_id"]):
        return True
    clauses = query.get("$and")
    if isinstance(clauses, list):
        return any(filter_has_tenant(clause) for clause in clauses)
    return False


def _filters(name: str, command: Mapping[str, Any]) -> list[object]:
    if name == "find":
        return [command.get("filter", {})]
    if name in {"count", "distinct", "findandmodify"}:
        return [command.get("query", {})]
    if name == "update":
        return [statement.get("q", {}) for statement in command.get("updates", [])]
    if name == "delete":
        return [statement.get("q", {}) for statement in command.get("deletes", [])]
    # aggregate: only a leading $match can restrict the scan to one tenant.
    pipeline = command.get("pipeline", [])
    first = pipeline[0] if pipeline else {}
    return [first.get("$match", {}) if isinstance(first, Mapping) else {}]


class TenantGuardListener(monitoring.CommandListener):
    """Records (and logs) every untenanted command on a tenant collection."""

    def __init__(
        self,
        collections: Callable[[], frozenset[str]] = tenant_collection_names,
        leases_active: Callable[[], bool] = lambda: write_leases().active(),
    ):
        self._collections = collections
        self._leases_active = leases_active
        self._lock = threading.Lock()
        self._violations: list[TenantGuardViolation] = []

    def check(self, command_name: str, command: Mapping[str, Any], database: str) -> None:
        """Inspect one command (public so unit tests can drive it without a server)."""
        name = command_name.lower()
        if name not in _GUARDED:
            return
        collection = command.get(command_name)
        if not isinstance(collection, str) or collection not in self._collections():
            return
        comment = command.get("comment")
        crossing = isinstance(comment, str) and comment.startswith(CROSS_TENANT_COMMENT_PREFIX)
        untenanted = [query for query in _filters(name, command) if not filter_has_tenant(query)]
        if untenanted and not crossing:
            self._record(
                TenantGuardViolation(
                    command_name=command_name,
                    collection=collection,
                    database=database,
                    detail=f"filter without tenant_id: {untenanted[0]!r}",
                )
            )
        elif name in {"update", "findandmodify"} and self._leases_active():
            self._check_leased(name, collection, command, database)

    def _check_leased(
        self, name: str, collection: str, command: Mapping[str, Any], database: str
    ) -> None:
        for query in _filters(name, command):
            doc_id = query.get("_id") if isinstance(query, Mapping) else None
            if doc_id is not None and held_by_this_thread(collection, doc_id):
                continue
            self._record(
                TenantGuardViolation(
                    command_name=name,
                    collection=collection,
                    database=database,
                    detail=f"update without the document's write lease: {query!r}",
                )
            )
            return

    def _record(self, violation: TenantGuardViolation) -> None:
        log.error("tenant guard: %s", violation)
        with self._lock:
            self._violations.append(violation)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.check(event.command_name, event.command, event.database_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None

    def take_violations(self) -> list[TenantGuardViolation]:
        """Return and forget the violations recorded so far."""
        with self._lock:
            taken, self._violations = self._violations, []
        return taken

    def assert_clean(self) -> None:
        """Raise `AssertionError` listing the violations since the last call (and clear them)."""
        taken = self.take_violations()
        if taken:
            lines = "\n".join(
                f"  {v.command_name} {v.database}.{v.collection}: {v.detail}" for v in taken
            )
            raise AssertionError(f"unsafe queries on tenant collections:\n{lines}")


_installed: TenantGuardListener | None = None
_install_lock = threading.Lock()


def install_tenant_guard() -> TenantGuardListener:
    """Register the guard globally (idempotent) and return it.

    pymongo applies globally registered listeners to clients created afterwards: call this
    before `shared.mongo.connect` (the pytest plugin does it at start-up).
    """
    global _installed  # noqa: PLW0603 - one process-wide listener, registered once
    with _install_lock:
        if _installed is None:
            _installed = TenantGuardListener()
            monitoring.register(_installed)
        return _installed
