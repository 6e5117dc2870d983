"""The composition root of identity: the one place its parts are wired together.

Used by ``app.py`` (HTTP), ``worker.py`` (outbox relay), ``cli.py`` and the tests.
"""

from __future__ import annotations

from flask import Flask

from services.identity.domain.ports import IdentityProvider
from services.identity.keycloak import KeycloakIdentityProvider
from services.identity.settings import IdentitySettings, load
from services.identity.views import districts, install_provider, me, service_accounts, tenants
from services.identity.views import reconcile as reconcile_views
from services.identity.views import users as users_views
from shared import runtime

BLUEPRINTS = (
    me.blp,
    districts.blp,
    tenants.blp,
    service_accounts.blp,
    users_views.blp,
    users_views.roles_blp,
    reconcile_views.blp,
)


def api(settings: IdentitySettings | None = None) -> Flask:
    settings = settings or load()
    app = runtime.api_app(settings=settings, blueprints=BLUEPRINTS)
    install_provider(app, KeycloakIdentityProvider.from_settings(settings))
    return app


def worker(settings: IdentitySettings | None = None) -> None:
    runtime.run_service_worker(settings=settings or load())


def command_line(settings: IdentitySettings | None = None) -> IdentityProvider:
    """A command-line run's wiring: the directory connected; Keycloak's adapter returned."""
    settings = settings or load()
    runtime.connect_database(settings)
    return KeycloakIdentityProvider.from_settings(settings)
