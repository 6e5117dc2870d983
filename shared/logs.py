"""JSON-lines logging with request, tenant and event context from contextvars.

Every record is one JSON object on one line (stderr), with ``ts`` (UTC, ISO 8601), ``level``,
``logger``, ``message``, ``service`` and whatever context is bound: ``request_id``,
``tenant_id``, ``event_id`` (and any other field passed to ``log_context``). ``extra=`` fields
given to a logging call are included; an exception adds ``exc_type`` and ``traceback``.

The context lives in a ``ContextVar``, so it follows the current thread (gthread workers, the
consumer loop) and asyncio task, and never leaks between concurrent requests.

Usage::

    configure_logging("grid_registry", level="INFO")
    with log_context(request_id=rid, tenant_id=tenant):
        log.info("division created", extra={"division_id": division.id})
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Final

_CONTEXT: ContextVar[Mapping[str, str]] = ContextVar("gridgov_log_context", default={})  # noqa: B039 - never mutated, replaced

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRIBUTES: Final[frozenset[str]] = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", (), None))
) | {"message", "asctime", "taskName"}


def get_context() -> dict[str, str]:
    """A copy of the fields currently bound by ``log_context`` (empty outside any)."""
    return dict(_CONTEXT.get())


@contextmanager
def log_context(**fields: str | None) -> Iterator[dict[str, str]]:
    """Bind ``fields`` into every log record emitted inside the block, then restore.

    ``None`` values are skipped (so ``tenant_id=principal.tenant_id`` is safe for untenanted
    callers); nested blocks add to and may override the outer fields. Yields the bound context.
    """
    merged = {**_CONTEXT.get(), **{k: str(v) for k, v in fields.items() if v is not None}}
    token = _CONTEXT.set(merged)
    try:
        yield dict(merged)
    finally:
        _CONTEXT.reset(token)


def _json_default(value: object) -> str:
    return str(value)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object; never raises on unserialisable ``extra`` values."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` with the bound context; context wins over same-named extras."""
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "service": self.service,
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        entry.update(_CONTEXT.get())
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_type"] = record.exc_info[0].__name__
            entry["traceback"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=_json_default)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Make the root logger write JSON lines for ``service`` to stderr at ``level``.

    Idempotent: replaces the JSON handler it installed before instead of adding another, so
    calling it again (app factory in tests, gunicorn ``post_fork``) never duplicates lines;
    handlers installed by others (pytest's log capture) are left in place. Raises
    ``ValueError`` for an unknown level name.
    """
    numeric = logging.getLevelNamesMapping().get(level.upper())
    if numeric is None:
        raise ValueError(f"unknown log level {level!r}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old.formatter, JsonFormatter):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric)
    # Third-party chatter at INFO drowns the service's own lines.
    for noisy in ("kafka", "pymongo", "urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(max(numeric, logging.WARNING))


__all__ = ["JsonFormatter", "configure_logging", "get_context", "log_context"]
