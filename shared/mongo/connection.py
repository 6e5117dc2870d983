"""Connection set-up that is safe before a gunicorn fork, and a readiness probe."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import mongoengine
import pymongo
from pymongo import monitoring
from pymongo.errors import (
    AutoReconnect,
    ExecutionTimeout,
    OperationFailure,
    PyMongoError,
    ServerSelectionTimeoutError,
)

log = logging.getLogger(__name__)


def connect(
    uri: str,
    db: str,
    alias: str = "default",
    *,
    server_selection_timeout_ms: int = 5000,
    event_listeners: Sequence[monitoring.CommandListener] = (),
) -> None:
    """Register a mongoengine connection `alias` to database `db` at `uri`.

    `connect=False`: pymongo opens no socket and starts no monitor thread until the first
    operation, so calling this in a gunicorn master before fork is safe (each worker gets its
    own pool on first use). Datetimes come back timezone-aware (UTC). Re-registering an alias
    replaces the previous connection (tests switch databases per run).
    """
    mongoengine.disconnect(alias)
    mongoengine.connect(
        db=db,
        host=uri,
        alias=alias,
        connect=False,
        tz_aware=True,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=server_selection_timeout_ms,
        event_listeners=list(event_listeners),
    )


def ping(timeout_s: float = 2.0, alias: str = "default") -> bool:
    """True when the server answers `ping` within `timeout_s` (for `/readyz`); never raises.

    Uses pymongo's client-side operation timeout so server selection is bounded too: with the
    server down this returns False after about `timeout_s`, not after serverSelectionTimeoutMS.
    """
    try:
        client = mongoengine.get_connection(alias)
        with pymongo.timeout(timeout_s):
            client.admin.command("ping")
            # FerretDB answers `ping` itself, with PostgreSQL behind it down: a read of a
            # collection is what reaches the database.
            mongoengine.get_db(alias)["_readiness"].find_one({"_id": "readyz"}, {"_id": 1})
    except (PyMongoError, mongoengine.ConnectionFailure) as exc:
        log.warning("mongo ping failed: %s", exc)
        return False
    return True


# FerretDB reports a PostgreSQL it cannot reach as InternalError (code 1) with the driver's
# words; MongoDB never uses code 1 for anything else a client could cause.
_BACKEND_DOWN = (
    "failed to connect",
    "dial error",
    "connection refused",
    "connection reset",
    "broken pipe",
    "conn closed",
    "unexpected eof",
    "the database system is",
    "terminating connection",
    "too many clients",
)


def store_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the store cannot serve right now (retrying later may succeed):
    the server is unreachable or timed out, or FerretDB cannot reach its PostgreSQL. The HTTP
    edge answers these with 503 and Retry-After, never 500."""
    if isinstance(exc, AutoReconnect | ServerSelectionTimeoutError | ExecutionTimeout):
        return True
    if isinstance(exc, OperationFailure) and exc.code == 1:
        details = exc.details or {}
        message = str(details.get("errmsg", exc)).lower()
        return any(words in message for words in _BACKEND_DOWN)
    return False
