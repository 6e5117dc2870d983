"""Helpers for identity's integration tests (fixtures are imported by the test modules)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from services.identity.bootstrap import BLUEPRINTS
from services.identity.documents.districts import DistrictDocument
from services.identity.domain.ports import IdentityProvider
from services.identity.domain.users import User
from services.identity.tests.fakes import InMemoryIdentityProvider
from services.identity.use_cases.context import IdentityContext
from services.identity.use_cases.users import invite_user
from services.identity.views import install_provider
from shared.events.envelope import Envelope

PLATFORM = {"subject": "platform-1", "tenant_id": None, "roles": ("platform-admin",)}
OVERSEER = {
    "subject": "overseer-1",
    "tenant_id": None,
    "district_id": "demo-district",
    "roles": ("district-overseer",),
}


@pytest.fixture
def identity_db(fresh_db: str) -> Iterator[str]:
    """`fresh_db`, with the plain (non-tenant) district collection pointed at it too."""
    DistrictDocument._collection = None
    yield fresh_db
    DistrictDocument._collection = None


@pytest.fixture
def provider() -> InMemoryIdentityProvider:
    return InMemoryIdentityProvider()


@pytest.fixture
def client(
    identity_db: str,
    api_client: Callable[[Sequence[Any]], Any],
    provider: InMemoryIdentityProvider,
) -> Any:
    """identity's API on the real FerretDB with the in-memory provider, demo district seeded."""
    made = api_client(BLUEPRINTS)
    install_provider(made.app, provider)
    response = made.post(
        "/districts", json={"district_id": "demo-district", "name": "示范区"}, as_user=PLATFORM
    )
    assert response.status_code == 201, response.json
    return made


def outbox(doc: Any) -> list[tuple[str, int, dict[str, Any]]]:
    """(type, version, payload) of each event waiting in a document's outbox."""
    envelopes = [Envelope.parse(entry.envelope) for entry in doc.outbox]
    return [(e.type, e.version, dict(e.payload)) for e in envelopes]


def invite_into(
    provider: IdentityProvider, tenant_id: str, username: str, phone: str, email: str | None = None
) -> tuple[User, str]:
    """A grid worker 张伟 invited into ``tenant_id`` by its admin: the user and the temporary
    password."""
    return invite_user(
        IdentityContext(tenant_id=tenant_id, actor="admin-1"),
        provider=provider,
        username=username,
        display_name="张伟",
        email=email,
        phone=phone,
        roles=["grid-worker"],
    )


def add_account(
    provider: IdentityProvider,
    username: str,
    *,
    tenant_id: str,
    email: str | None = None,
    display_name: str = "张伟",
    roles: frozenset[str] = frozenset({"grid-worker"}),
    password: str = "Other-Password-12",  # noqa: S107 - a test value
) -> str:
    """An account made behind identity's back (another tenant's, a leftover, one from before
    login names), with a temporary password; its id."""
    return provider.create_user(
        username=username,
        email=email,
        display_name=display_name,
        tenant_id=tenant_id,
        district_id=None,
        roles=roles,
        temporary_password=password,
    )
