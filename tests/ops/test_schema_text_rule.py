"""Every string a request schema of any service reads refuses text that cannot be stored or shown.

The rule lives in one place (``shared.http.schemas.BaseSchema``); this walks the schemas every
service's app actually registers (``@blp.arguments``), finds each string they load, nested
ones included, sends NUL there and expects a 422 reason at that field's path. A new schema, or
a new field, that escapes the rule fails here.
"""

from __future__ import annotations

import base64
import importlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from marshmallow import Schema, ValidationError, fields

from shared import runtime
from shared.http import BaseSchema, Blueprint, flatten_messages
from shared.http.schemas import MultilineString

Path = tuple[str | int, ...]


class _Registered(Exception):
    def __init__(self, blueprints: Sequence[Blueprint]) -> None:
        super().__init__("captured")
        self.blueprints = blueprints


@dataclass(frozen=True)
class RequestSchema:
    endpoint: str
    location: str
    schema: Schema


@dataclass(frozen=True)
class Text:
    """A string the schema loads: where it sits and the field that loads it."""

    path: Path
    field: fields.Field[Any]

    @property
    def name(self) -> str:
        return "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" if i else part
            for i, part in enumerate(self.path)
        )

    def document(self, value: Any) -> Any:
        for part in reversed(self.path):
            value = [None] * part + [value] if isinstance(part, int) else {part: value}
        return value


def registered_blueprints(service: str, monkeypatch: pytest.MonkeyPatch) -> Sequence[Blueprint]:
    """The blueprints the service's composition root hands the app factory."""

    def capture(*, settings: Any, blueprints: Sequence[Blueprint]) -> Any:
        raise _Registered(blueprints)

    bootstrap = importlib.import_module(f"services.{service}.bootstrap")
    monkeypatch.setattr(runtime, "api_app", capture)
    # Settings a service requires without a default: grid_registry's field keys (ADR 13).
    for variable in ("GRIDGOV_FIELD_KEYS", "GRIDGOV_FIELD_HMAC_KEYS"):
        monkeypatch.setenv(variable, f"test:{base64.b64encode(os.urandom(32)).decode()}")
    with pytest.raises(_Registered) as registered:
        bootstrap.api()
    return registered.value.blueprints


def request_schemas(blueprints: Sequence[Blueprint]) -> Iterator[RequestSchema]:
    for blp in blueprints:
        for endpoint, operations in blp._docs.items():
            for method, operation in operations.items():
                if method == "parameters":
                    continue
                for parameter in operation.get("arguments", {}).get("parameters", []):
                    schema = parameter["schema"]
                    yield RequestSchema(
                        endpoint=f"{blp.name}.{endpoint} {method.upper()}",
                        location=parameter["in"],
                        schema=schema() if isinstance(schema, type) else schema,
                    )


def texts(schema: Schema, path: Path = ()) -> Iterator[Text]:
    for name, field in schema.load_fields.items():
        yield from _texts_of(field, (*path, name if field.data_key is None else field.data_key))


def _texts_of(field: fields.Field[Any], path: Path) -> Iterator[Text]:
    if isinstance(field, fields.Pluck):
        yield Text(path, field)
    elif isinstance(field, fields.Nested):
        yield from texts(field.schema, (*path, 0) if field.schema.many else path)
    elif isinstance(field, fields.List):
        yield from _texts_of(field.inner, (*path, 0))
    elif isinstance(field, fields.Tuple):
        for index, inner in enumerate(field.tuple_fields):
            yield from _texts_of(inner, (*path, index))
    elif isinstance(field, fields.Mapping):
        yield from _texts_of(field.value_field or fields.Raw(), (*path, "key"))
    elif isinstance(field, fields.String | fields.UUID | fields.Raw):
        yield Text(path, field)


def text_reasons(schema: Schema, location: str, document: Any) -> dict[str, list[str]]:
    try:
        schema.load(document)
    except ValidationError as error:
        problems = flatten_messages({location: error.messages})
    else:
        return {}
    reasons: dict[str, list[str]] = {}
    for problem in problems:
        if problem.reason.startswith("must not contain"):
            reasons.setdefault(problem.field, []).append(problem.reason)
    return reasons


@pytest.fixture(scope="module")
def registered(service_names: list[str]) -> list[RequestSchema]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        return [
            found
            for service in service_names
            for found in request_schemas(registered_blueprints(service, monkeypatch))
        ] + list(request_schemas(runtime.PLATFORM_BLUEPRINTS))  # what api_app adds to each


def test_the_walk_finds_the_request_schemas(registered: list[RequestSchema]) -> None:
    names = {type(found.schema).__name__ for found in registered}
    assert {
        "DivisionCreateSchema",
        "SplitSchema",
        "TenantCreateSchema",
        "LedgerQuerySchema",
        "AuditQuerySchema",
    } <= names
    assert {found.location for found in registered} >= {"json", "query", "files"}


def test_every_request_schema_derives_from_base_schema(registered: list[RequestSchema]) -> None:
    outside = [found.endpoint for found in registered if not isinstance(found.schema, BaseSchema)]
    assert outside == []


def test_every_string_a_request_schema_loads_refuses_bad_text(
    registered: list[RequestSchema],
) -> None:
    checked = 0
    escaped: list[str] = []
    for found in registered:
        for text in texts(found.schema):
            reasons = text_reasons(found.schema, found.location, text.document("a\x00b"))
            checked += 1
            if not any("U+0000" in reason for reason in reasons.get(text.name, [])):
                escaped.append(f"{found.endpoint} {type(found.schema).__name__}: {text.name}")
    assert escaped == []
    assert checked > 100


def test_only_multiline_strings_accept_line_breaks(registered: list[RequestSchema]) -> None:
    multiline: set[str] = set()
    for found in registered:
        for text in texts(found.schema):
            if not isinstance(text.field, fields.String):
                continue
            reasons = text_reasons(found.schema, found.location, text.document("a\nb"))
            accepted = text.name not in reasons
            assert accepted == isinstance(text.field, MultilineString), (found.endpoint, text.name)
            if accepted:
                multiline.add(f"{type(found.schema).__name__}.{text.name}")
    assert {
        "OffboardSchema.reason",
        "RetireSchema.reason",
        "WithdrawSchema.reason",
        "SubjectArchiveSchema.reason",
        "SubjectCreateSchema.notes",
        "SubjectUpdateSchema.notes",
    } <= multiline
