"""The composition root of grid_registry: the one place its parts are wired together.

Used by ``app.py`` (HTTP), ``worker.py`` (outbox relay), ``cli.py`` and the tests. Every process
installs the field keys of its settings first (`shared.crypto`, ADR 13).
"""

from __future__ import annotations

import logging

from flask import Flask

from services.grid_registry.settings import RegistrySettings, load
from services.grid_registry.use_cases import subjects as subject_cases
from services.grid_registry.views import (
    base_info,
    divisions,
    filings,
    grids,
    subjects,
    teams,
    workbooks,
)
from shared import runtime
from shared.crypto import configure_field_crypto
from shared.logs import configure_logging

log = logging.getLogger(__name__)

BLUEPRINTS = (
    grids.blp,
    divisions.blp,
    base_info.blp,
    filings.blp,
    workbooks.blp,
    teams.blp,
    subjects.blp,
)


def api(settings: RegistrySettings | None = None) -> Flask:
    settings = settings or load()
    configure_field_crypto(settings.field_crypto())
    return runtime.api_app(settings=settings, blueprints=BLUEPRINTS)


def worker(settings: RegistrySettings | None = None) -> None:
    """The worker: first the re-encryption pass (`reencrypt_at_start`), then the relay."""
    settings = settings or load()
    configure_logging(f"{settings.service}-worker", settings.log_level)
    command_line(settings)
    reencrypt_at_start()
    runtime.run_service_worker(settings=settings)


def command_line(settings: RegistrySettings | None = None) -> None:
    """A process's wiring outside the API: the field keys installed, the store connected."""
    settings = settings or load()
    configure_field_crypto(settings.field_crypto())
    runtime.connect_database(settings)


def reencrypt_at_start() -> None:
    """Every tenant's key subjects moved to the current keys, once per worker start: this is
    how plain values of before ADR 13 and values under a retired key leave the store. Logs one
    line per tenant that had something to do, counts only. A tenant that fails is logged and
    left for the next start (or ``python -m services.grid_registry.cli reencrypt``); the
    worker starts either way."""
    try:
        tenant_ids = subject_cases.tenants_with_subjects()
    except Exception:
        log.exception("re-encryption pass skipped: the tenants could not be listed")
        return
    for tenant_id in tenant_ids:
        try:
            (result,) = subject_cases.reencrypt_tenants([tenant_id])
        except Exception:
            log.exception("re-encryption pass failed", extra={"tenant_id": tenant_id})
            continue
        if result.rewritten or result.duplicates:
            log.log(
                logging.WARNING if result.duplicates else logging.INFO,
                "re-encryption pass rewrote %d subject(s); %d left: their ID number is another "
                "subject's too",
                result.rewritten,
                len(result.duplicates),
                extra={"tenant_id": tenant_id, "subject_ids": list(result.duplicates)},
            )
