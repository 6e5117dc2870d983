"""Text that cannot be stored or shown is a 422 naming the field, wherever a schema reads it.

Lone surrogates, control characters and noncharacters, in JSON bodies (top level, nested
objects, list items, free-form dictionaries, keys), query strings, form fields and headers;
a 404 naming the part in paths; and responses that carry such text still render.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask.views import MethodView
from marshmallow import INCLUDE, Schema, ValidationError, fields, validate
from werkzeug.test import TestResponse

from shared.auth import require_roles
from shared.http import BaseSchema, Blueprint, accepts, flatten_messages
from shared.http.schemas import MultilineString, _TextProblems
from shared.text import escape_unsafe_text, unsafe_text_reason

from .test_problems import problem


class ContactSchema(BaseSchema):
    email = fields.Email()
    remark = MultilineString()


class PartSchema(BaseSchema):
    name = fields.String(required=True)


class TextInSchema(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    note = MultilineString()
    tags = fields.List(fields.String())
    parts = fields.List(fields.Nested(PartSchema))
    contact = fields.Nested(ContactSchema)
    boundary = fields.Dict()
    labels = fields.Dict(keys=fields.String(), values=fields.String())
    pair = fields.Tuple((fields.String(), MultilineString()))
    day = fields.Date()


class TextQuerySchema(BaseSchema):
    code = fields.String()
    codes = fields.List(fields.String())
    since = fields.String(data_key="from")


class TextHeaderSchema(BaseSchema):
    code = fields.String(data_key="X-Code")


class TextFormSchema(BaseSchema):
    name = fields.String(required=True)


class PlainPartSchema(Schema):
    """Not a BaseSchema: the parent's check walks into it all the same."""

    name = fields.String()


blp = Blueprint("texts", __name__, url_prefix="/texts", description="bad text probes")


@blp.route("")
class Texts(MethodView):
    @blp.arguments(TextQuerySchema, location="query")
    @require_roles()
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        return {"query": query}

    @blp.arguments(TextInSchema)
    @require_roles()
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        return {"name": body["name"], "note": body.get("note")}, 201


@blp.route("/form", methods=["POST"])
@accepts("application/x-www-form-urlencoded", "multipart/form-data")
@blp.arguments(TextFormSchema, location="form")
@require_roles()
def form(body: dict[str, str]) -> dict[str, str]:
    return body


@blp.route("/header")
@blp.arguments(TextHeaderSchema, location="headers")
@require_roles()
def header(headers: dict[str, str]) -> dict[str, str]:
    return headers


@blp.route("/stored")
@require_roles()
def stored() -> dict[str, str]:
    return {"name": "a\x00b\x0bc\x1e", "broken": "\ud800"}


@blp.route("/<text_id>")
@require_roles()
def one(text_id: str) -> dict[str, str]:
    return {"text_id": text_id}


@pytest.fixture
def texts(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app(blueprints=[blp]).test_client()


def post_raw(client: FlaskClient, body: str, headers: dict[str, str]) -> TestResponse:
    """POST a JSON document written by hand, so escapes like \\ud800 reach the parser as sent."""
    return client.post("/texts", data=body, content_type="application/json", headers=headers)


def errors_of(response: TestResponse, status: int = 422) -> list[tuple[str, str]]:
    return [(error["field"], error["reason"]) for error in problem(response, status)["errors"]]


# -- the rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["东风村", "A-V01", "", "emoji 😀 ok", "全角　空格", "zero\u200bwidth", "\u00e9t\u00e9"]
)
def test_ordinary_text_is_accepted(text: str) -> None:
    assert unsafe_text_reason(text) is None


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("\ud800", "lone surrogates (found U+D800)"),
        ("x\udfff", "lone surrogates (found U+DFFF)"),
        ("a\x00b", "control characters (found U+0000)"),
        ("a\x0bb", "control characters (found U+000B)"),
        ("a\x1eb", "control characters (found U+001E)"),
        ("tab\there", "control characters (found U+0009)"),
        ("two\nlines", "control characters (found U+000A)"),
        ("del\x7f", "control characters (found U+007F)"),
        ("c1\x85", "control characters (found U+0085)"),
        ("\ufffe", "noncharacters (found U+FFFE)"),
        ("\uffff", "noncharacters (found U+FFFF)"),
        ("\ufdd0", "noncharacters (found U+FDD0)"),
        ("\U0010ffff", "noncharacters (found U+10FFFF)"),
    ],
)
def test_single_line_text_refuses_surrogates_controls_and_noncharacters(
    text: str, found: str
) -> None:
    assert unsafe_text_reason(text) == f"must not contain {found}"


def test_multiline_text_allows_tab_and_line_breaks_only() -> None:
    assert unsafe_text_reason("line one\r\nline two\n\tindented", multiline=True) is None
    assert unsafe_text_reason("a\x0bb", multiline=True) == (
        "must not contain control characters other than tab and line breaks (found U+000B)"
    )
    assert unsafe_text_reason("a\x00", multiline=True) is not None
    assert unsafe_text_reason("\ud800", multiline=True) is not None


def test_escaping_writes_refused_characters_as_escapes_and_keeps_the_rest() -> None:
    assert escape_unsafe_text("东风\ud800村\x00\n") == "东风\\ud800村\\x00\\n"
    assert escape_unsafe_text("\U0010ffff") == "\\U0010ffff"
    assert escape_unsafe_text(escape_unsafe_text("\x1e")) == "\\x1e"


# -- JSON bodies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("escaped", "code_point"),
    [("\\ud800", "D800"), ("\\u0000", "0000"), ("\\u000b", "000B"), ("\\u001e", "001E")],
)
def test_a_top_level_field_with_bad_text_is_422_naming_it(
    texts: FlaskClient, admin_headers: dict[str, str], escaped: str, code_point: str
) -> None:
    response = post_raw(texts, f'{{"name": "a{escaped}b"}}', admin_headers)

    [(field, reason)] = errors_of(response)
    assert field == "name"
    assert reason.endswith(f"(found U+{code_point})")


def test_the_json_provider_keeps_lone_surrogates_out_of_422_bodies(
    texts: FlaskClient, admin_headers: dict[str, str]
) -> None:
    response = post_raw(texts, '{"name": "\\ud800"}', admin_headers)
    # ASCII-only JSON: the bytes decode as strict UTF-8 whatever the body holds.
    assert response.get_data().isascii()


def test_nested_objects_list_items_and_tuples_are_checked_with_their_paths(
    texts: FlaskClient, admin_headers: dict[str, str]
) -> None:
    body = {
        "name": "fine",
        "tags": ["ok", "b\x0bad"],
        "parts": [{"name": "ok"}, {"name": "\x00"}],
        "contact": {"email": "x\x1e@example.com", "remark": "two\nlines are fine"},
        "pair": ["\x7f", "multi\nline"],
    }
    response = texts.post("/texts", json=body, headers=admin_headers)

    assert [field for field, _ in errors_of(response)] == [
        "contact.email",
        "pair[0]",
        "parts[1].name",
        "tags[1]",
    ]


def test_free_form_dictionaries_are_checked_values_and_keys(
    texts: FlaskClient, admin_headers: dict[str, str]
) -> None:
    body = (
        '{"name": "fine", "boundary": {"type": "Polygon", "coordinates": [[1, "\\u0000"]], '
        '"\\ud800": 1}, "labels": {"ok": "\\u001f", "b\\u0007d": "x"}}'
    )
    response = post_raw(texts, body, admin_headers)

    assert errors_of(response) == [
        ("boundary.\\ud800", "key must not contain lone surrogates (found U+D800)"),
        ("boundary.coordinates[0][1]", "must not contain control characters (found U+0000)"),
        ("labels.b\\x07d", "key must not contain control characters (found U+0007)"),
        ("labels.ok", "must not contain control characters (found U+001F)"),
    ]


def test_an_unknown_key_with_bad_text_is_named_escaped(
    texts: FlaskClient, admin_headers: dict[str, str]
) -> None:
    response = post_raw(texts, '{"name": "fine", "\\ud800\\u0000": 1}', admin_headers)

    assert errors_of(response) == [("\\ud800\\x00", "Unknown field.")]
    assert response.get_data().isascii()


def test_fields_of_other_types_refuse_bad_text_too(
    texts: FlaskClient, admin_headers: dict[str, str]
) -> None:
    response = texts.post(
        "/texts", json={"name": "x", "day": "2025-01-01\x00"}, headers=admin_headers
    )
    assert errors_of(response) == [("day", "must not contain control characters (found U+0000)")]


def test_multiline_fields_keep_tab_and_line_breaks_single_line_fields_do_not(
    texts: FlaskClient, admin_headers: dict[str, str]
) -> None:
    note = "第一行\r\n第二行\n\t缩进"
    accepted = texts.post("/texts", json={"name": "x", "note": note}, headers=admin_headers)
    assert accepted.status_code == 201, accepted.get_json()
    assert accepted.get_json()["note"] == note

    refused = texts.post("/texts", json={"name": "a\nb", "note": "a\x0bb"}, headers=admin_headers)
    assert errors_of(refused) == [
        ("name", "must not contain control characters (found U+000A)"),
        (
            "note",
            "must not contain control characters other than tab and line breaks (found U+000B)",
        ),
    ]


def test_deeply_nested_json_in_a_free_form_field_is_no_500(
    texts: FlaskClient, admin_headers: dict[str, str]
) -> None:
    depth = 400
    body = '{"name": "x", "boundary": {"a": ' + "[" * depth + '"\\u0000"' + "]" * depth + "}}"
    response = post_raw(texts, body, admin_headers)
    [(field, _)] = errors_of(response)
    assert field.startswith("boundary.a[0][0]")


def test_a_body_of_the_wrong_json_type_is_still_a_plain_422(
    texts: FlaskClient, admin_headers: dict[str, str]
) -> None:
    response = post_raw(texts, '"\\u0000"', admin_headers)
    assert errors_of(response) == [("body", "Invalid input type.")]


def test_the_check_reads_what_a_schema_loads_outside_http_too() -> None:
    with pytest.raises(ValidationError) as raised:
        TextInSchema().load({"name": "x", "parts": [{"name": "\x00"}]})
    assert [e.field for e in flatten_messages({"json": raised.value.messages})] == ["parts[0].name"]


def test_a_nested_schema_that_is_not_a_base_schema_is_walked_by_its_parent() -> None:
    class Parent(BaseSchema):
        part = fields.Nested(PlainPartSchema)
        parts = fields.Nested(PlainPartSchema, many=True)

    with pytest.raises(ValidationError) as raised:
        Parent().load({"part": {"name": "\x00"}, "parts": [{"name": "ok"}, {"name": "\x01"}]})
    messages = flatten_messages({"json": raised.value.messages})
    assert [e.field for e in messages] == ["part.name", "parts[1].name"]


def test_a_base_schema_nested_in_a_plain_schema_checks_its_own_part() -> None:
    class Plain(Schema):
        part = fields.Nested(PartSchema)

    with pytest.raises(ValidationError) as raised:
        Plain().load({"part": {"name": "\x00"}})
    assert [e.field for e in flatten_messages({"json": raised.value.messages})] == ["part.name"]


def test_nested_base_schemas_are_walked_once_by_the_outermost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    walked: list[type[Schema]] = []
    check = _TextProblems.check_schema

    def counting(self: _TextProblems, schema: Schema, *args: Any) -> None:
        walked.append(type(schema))
        check(self, schema, *args)

    monkeypatch.setattr(_TextProblems, "check_schema", counting)
    TextInSchema().load({"name": "x", "parts": [{"name": "a"}, {"name": "b"}]})
    # The outer walk visits each part once; the parts' own loads add nothing.
    assert walked == [TextInSchema, PartSchema, PartSchema]


def test_fields_a_schema_includes_unknown_are_checked_too() -> None:
    with pytest.raises(ValidationError) as raised:
        PartSchema().load({"name": "x", "extra": {"deep": "\x1e"}}, unknown=INCLUDE)
    assert [e.field for e in flatten_messages({"json": raised.value.messages})] == ["extra.deep"]


# -- query strings, forms, headers ---------------------------------------------------------------


def test_query_parameters_are_checked_by_name_and_position(
    texts: FlaskClient, admin_headers: dict[str, str]
) -> None:
    response = texts.get("/texts?code=%00&codes=a&codes=%1E&from=%7F", headers=admin_headers)

    assert [field for field, _ in errors_of(response)] == ["code", "codes[1]", "from"]


def test_unknown_query_parameters_stay_ignored_whatever_they_hold(
    texts: FlaskClient, admin_headers: dict[str, str]
) -> None:
    response = texts.get("/texts?junk=%00&code=ok", headers=admin_headers)
    assert response.status_code == 200
    assert response.get_json() == {"query": {"code": "ok"}}


def test_a_query_string_cannot_carry_a_lone_surrogate(
    texts: FlaskClient, admin_headers: dict[str, str]
) -> None:
    # Werkzeug keeps percent-escapes that are not UTF-8 as they were sent: plain ASCII.
    response = texts.get("/texts?code=%ED%A0%80", headers=admin_headers)
    assert response.status_code == 200
    assert response.get_json() == {"query": {"code": "%ED%A0%80"}}


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_form_fields_are_checked(
    texts: FlaskClient, admin_headers: dict[str, str], content_type: str
) -> None:
    response = texts.post(
        "/texts/form", data={"name": "a\x1eb"}, content_type=content_type, headers=admin_headers
    )
    assert errors_of(response) == [("name", "must not contain control characters (found U+001E)")]
    good = texts.post(
        "/texts/form", data={"name": "东风村"}, content_type=content_type, headers=admin_headers
    )
    assert good.get_json() == {"name": "东风村"}


def test_headers_read_through_a_schema_are_checked(
    texts: FlaskClient, admin_headers: dict[str, str]
) -> None:
    response = texts.get("/texts/header", headers={**admin_headers, "X-Code": "a\x7fb"})
    assert errors_of(response) == [("X-Code", "must not contain control characters (found U+007F)")]


# -- paths ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/texts/%00", "/texts/a%0Bb", "/texts/%1E", "/texts/%EF%BF%BF"])
def test_a_path_parameter_with_bad_text_is_404_naming_it(
    texts: FlaskClient, admin_headers: dict[str, str], path: str
) -> None:
    [(field, reason)] = errors_of(texts.get(path, headers=admin_headers), 404)
    assert field == "text_id"
    assert reason.startswith("must not contain")


def test_a_path_cannot_carry_a_lone_surrogate(
    texts: FlaskClient, admin_headers: dict[str, str]
) -> None:
    response = texts.get("/texts/%ED%A0%80", headers=admin_headers)
    assert response.get_json() == {"text_id": "\ufffd\ufffd\ufffd"}


def test_the_path_check_comes_after_authentication(texts: FlaskClient) -> None:
    assert texts.get("/texts/%00").status_code == 401


# -- responses -----------------------------------------------------------------------------------


def test_stored_text_with_controls_or_surrogates_still_renders(
    texts: FlaskClient, admin_headers: dict[str, str]
) -> None:
    response = texts.get("/texts/stored", headers=admin_headers)

    assert response.status_code == 200
    raw = response.get_data()
    assert raw.isascii()
    assert json.loads(raw) == {"name": "a\x00b\x0bc\x1e", "broken": "\ud800"}
