"""Errors domain code raises about a client's input, free of any framework.

Domain modules may not import `shared.http` (import-linter), yet every invalid request must be
answered with a 422 naming the field, and every "not in this state" with a 409. Domains raise
these; `shared.http.errors.to_problem` renders them, so views need no try/except per use case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One invalid field: its path as the client sent it (``boundary.coordinates``) and why."""

    field: str
    reason: str


class InvalidInput(ValueError):
    """One or more fields break a domain rule (rendered as 422 with every field listed)."""

    def __init__(self, problems: Iterable[FieldProblem]) -> None:
        self.problems = tuple(problems)
        if not self.problems:
            raise ValueError("InvalidInput needs at least one problem")
        super().__init__("; ".join(f"{p.field}: {p.reason}" for p in self.problems))

    @classmethod
    def of(cls, field: str, reason: str) -> InvalidInput:
        """The common case: one field, one reason."""
        return cls([FieldProblem(field, reason)])

    @property
    def field(self) -> str:
        """The first offending field (most errors have exactly one)."""
        return self.problems[0].field

    @property
    def reason(self) -> str:
        return self.problems[0].reason


class ContentTooLarge(InvalidInput):
    """An uploaded file is over its size limit (rendered as 413 naming the field, before any
    rule about its content is checked)."""


class UnsupportedContent(InvalidInput):
    """An uploaded file is not of a type the endpoint takes, judged by its content, not its
    name (rendered as 415 naming the field)."""


class NotFound(LookupError):
    """No such object in this tenant, including one that exists in another tenant (rendered
    as 404, so another tenant's ids are indistinguishable from made-up ones)."""


class Conflict(ValueError):
    """The object collides with one that exists (a duplicate code in the tenant; rendered as
    409). The store raises it when a unique index rejects a write."""


class StateConflict(ValueError):
    """The request is valid but the object is not in a state that allows it (rendered as 409).

    Example: retiring a grid that is already retired, ending a membership before it started.
    """


class PermissionDenied(Exception):
    """Authenticated, but not allowed (rendered as 403); ``reason`` is safe to show to the
    client. Raised by route guards and by use cases that check who may act on what."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DependencyUnavailable(RuntimeError):
    """A server the request needs (Keycloak, ...) is down or timed out (rendered as 503).

    Retrying later may succeed; the message never carries the dependency's credentials.
    """
