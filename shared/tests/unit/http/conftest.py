"""A tiny service built with the real app factory, and tokens from a local issuer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from flask.views import MethodView
from marshmallow import fields, validate

from shared.auth import Principal, current_principal, current_tenant_id, public, require_roles
from shared.http import (
    BaseSchema,
    Blueprint,
    Conflict,
    NotFound,
    PageQuerySchema,
    PageRequest,
    PageResponse,
    TooManyRequests,
    accepts,
    create_app,
    page_schema,
)
from shared.settings import PlatformSettings
from shared.testing.tokens import LocalIssuer

BODY_LIMIT = 2048


class PointSchema(BaseSchema):
    lng = fields.Float(required=True)
    lat = fields.Float(required=True)


class BoundarySchema(BaseSchema):
    kind = fields.String(required=True, validate=validate.OneOf(["polygon"]))
    coordinates = fields.List(fields.Float(), required=True)


class ThingInSchema(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    boundary = fields.Nested(BoundarySchema, required=True)
    points = fields.List(fields.Nested(PointSchema), load_default=list)


class ThingOutSchema(BaseSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    tenant_id = fields.String(required=True)


THINGS = [{"id": f"t-{n}", "name": f"thing {n}", "tenant_id": "demo-town-a"} for n in range(7)]

blp = Blueprint("things", __name__, url_prefix="/things", description="test resources")


@blp.route("")
class Things(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_schema(ThingOutSchema))
    @require_roles("grid-worker", "tenant-admin")
    def get(self, paging: PageRequest) -> PageResponse[dict[str, str]]:
        return paging.page_of(THINGS[paging.offset : paging.offset + paging.limit], len(THINGS))

    @blp.arguments(ThingInSchema)
    @blp.response(201, ThingOutSchema)
    @require_roles("tenant-admin")
    def post(self, data: dict[str, Any]) -> dict[str, str]:
        if data["name"] == "taken":
            raise Conflict("a thing with this name exists")
        return {"id": "t-new", "name": data["name"], "tenant_id": current_tenant_id()}


@blp.route("/<thing_id>")
class Thing(MethodView):
    @blp.response(200, ThingOutSchema)
    @require_roles()
    def get(self, thing_id: str) -> dict[str, str]:
        for thing in THINGS:
            if thing["id"] == thing_id:
                return thing
        raise NotFound(f"no thing {thing_id}")


@blp.route("/boom")
@require_roles()
def boom() -> str:
    raise RuntimeError("db password is hunter2 at /srv/secret/config.py")


@blp.route("/slow-down")
@require_roles()
def slow_down() -> str:
    raise TooManyRequests("too many things", retry_after=7)


@blp.route("/upload", methods=["POST"])
@accepts("text/csv")
@require_roles()
def upload() -> dict[str, int]:
    return {"bytes": len(request.get_data())}


@blp.route("/whoami")
@require_roles(tenant_scoped=False)
def whoami() -> dict[str, Any]:
    principal: Principal = current_principal()
    return {"tenant_id": principal.tenant_id, "roles": sorted(principal.roles)}


@pytest.fixture(scope="session")
def issuer() -> LocalIssuer:
    return LocalIssuer()


@pytest.fixture
def settings() -> PlatformSettings:
    return PlatformSettings.from_env({}, service="things", http_max_body_bytes=BODY_LIMIT)


@pytest.fixture
def make_app(issuer: LocalIssuer, settings: PlatformSettings) -> Callable[..., Flask]:
    def build(**overrides: Any) -> Flask:
        arguments: dict[str, Any] = {
            "service": "things",
            "settings": settings,
            "blueprints": [blp],
            "readiness_checks": {},
            "verifier": issuer.verifier(),
            "configure_logs": False,
        }
        arguments.update(overrides)
        return create_app(**arguments)

    return build


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def admin_headers(issuer: LocalIssuer) -> dict[str, str]:
    token = issuer.token(username="admin.a", roles=("tenant-admin",))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def worker_headers(issuer: LocalIssuer) -> dict[str, str]:
    token = issuer.token(username="worker.a", roles=("grid-worker",))
    return {"Authorization": f"Bearer {token}"}


@blp.route("/open")
class OpenThing(MethodView):
    @public
    def get(self) -> dict[str, str]:
        return {"open": "yes"}

    @require_roles()
    def delete(self) -> dict[str, str]:
        return {"deleted": "yes"}
