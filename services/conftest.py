"""Fixtures for every service's integration tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import mongoengine
import pytest
from flask import Flask
from werkzeug.test import TestResponse

from shared.http import Blueprint, create_app
from shared.mongo import connect, tenant_documents
from shared.settings import PlatformSettings
from shared.testing.tokens import LocalIssuer


@pytest.fixture
def fresh_db() -> Iterator[str]:
    """A fresh database on the real FerretDB for one test, dropped afterwards.

    The tenant guard is installed for the whole run by the pytest plugin, so an untenanted
    query in the code under test fails here as it would in production tests.
    """
    name = f"test_{uuid.uuid4().hex[:12]}"
    connect(os.environ.get("GRIDGOV_MONGO_URI", "mongodb://127.0.0.1:27017"), name)
    for document in tenant_documents():
        document._collection = None  # collections are cached per class; point them at this db
    yield name
    mongoengine.get_connection().drop_database(name)
    mongoengine.disconnect()


class ApiClient:
    """A Flask test client for one service's blueprints, authenticated by a local issuer.

    Integration tests use it with the real FerretDB (`fresh_db`) to drive views end to end in
    process; ``as_user`` picks the caller (any tenant, roles, subject) per request.
    """

    def __init__(self, app: Flask, issuer: LocalIssuer) -> None:
        self.app = app
        self.client = app.test_client()
        self.issuer = issuer

    def token(
        self,
        *,
        subject: str = "admin-a",
        tenant_id: str | None = "tenant-a",
        roles: tuple[str, ...] = ("tenant-admin",),
        district_id: str | None = None,
        username: str | None = None,
    ) -> str:
        return self.issuer.token(
            subject=subject,
            username=username or subject,
            tenant_id=tenant_id,
            roles=roles,
            district_id=district_id,
        )

    def request(
        self, method: str, path: str, *, as_user: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> TestResponse:
        headers = dict(kwargs.pop("headers", {}) or {})
        headers.setdefault("Authorization", f"Bearer {self.token(**(as_user or {}))}")
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def api_client(fresh_db: str) -> Callable[[Sequence[Blueprint]], ApiClient]:
    """``api_client(BLUEPRINTS)``: the service's views on the real FerretDB, local tokens."""

    def make(blueprints: Sequence[Blueprint]) -> ApiClient:
        issuer = LocalIssuer()
        settings = PlatformSettings.from_env({}, service="test")
        app = create_app(
            service="test",
            settings=settings,
            blueprints=blueprints,
            readiness_checks={},
            verifier=issuer.verifier(),
            configure_logs=False,
        )
        return ApiClient(app, issuer)

    return make
