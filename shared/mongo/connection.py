"""Connection set-up that is safe before a gunicorn fork, and a readiness probe."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import mongoengine
import pymongo
from pymongo import monitoring
from pymongo.errors import PyMongoError

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
    except (PyMongoError, mongoengine.ConnectionFailure) as exc:
        log.warning("mongo ping failed: %s", exc)
        return False
    return True
