"""Base schema and the flask-smorest Blueprint every service uses."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from http import HTTPStatus
from typing import Any, TypeVar, cast

import flask
import flask_smorest
from marshmallow import (
    INCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    missing,
    pre_load,
    types,
)
from webargs.flaskparser import FlaskParser

from shared.fastload import load_fast
from shared.http.problems import FieldError, NotFound
from shared.text import escape_unsafe_text, unsafe_text_reason

F = TypeVar("F", bound=Callable[..., Any])


class MultilineString(fields.String):
    """A string that may span lines: tab, LF and CR are allowed (other controls are not)."""


Path = tuple[str | int, ...]

# How many BaseSchema loads enclose the current one: the outermost checks the whole input's
# text, nested schemas included, so a nested load need not walk its part again (an upload of
# 500 GPS fixes was walked 501 times).
_LOAD_DEPTH: ContextVar[int] = ContextVar("gridgov_schema_load_depth", default=0)


class _TextProblems:
    """Bad text found in one schema's input, as marshmallow-shaped nested messages."""

    def __init__(self) -> None:
        self.messages: dict[str | int, Any] = {}

    def add(self, path: Path, reason: str) -> None:
        """Record ``reason`` at ``path`` (a string, or a bad key whose value is not walked:
        nothing is ever recorded below it)."""
        node = self.messages
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node.setdefault(path[-1], []).append(reason)

    def bad_key(self, key: Any, path: Path) -> bool:
        """Whether ``key`` of the object at ``path`` is unsafe text (then recorded)."""
        reason = unsafe_text_reason(key) if isinstance(key, str) else None
        if reason is not None:
            self.add((*path, key), f"key {reason}")
        return reason is not None

    def check_value(self, value: Any, path: Path, *, multiline: bool = False) -> None:
        """Every string in ``value``, keys included, at any depth (a loop: deep JSON is fine).

        ``multiline`` applies to ``value`` itself; strings inside containers are single lines.
        """
        if isinstance(value, str):
            reason = unsafe_text_reason(value, multiline=multiline)
            if reason is not None:
                self.add(path, reason)
            return
        pending: list[tuple[Any, Path]] = [(value, path)]
        while pending:
            node, where = pending.pop()
            if isinstance(node, str):
                reason = unsafe_text_reason(node)
                if reason is not None:
                    self.add(where, reason)
            elif isinstance(node, Mapping):
                pending.extend(
                    (child, (*where, key))
                    for key, child in node.items()
                    if not self.bad_key(key, where)
                )
            elif isinstance(node, list | tuple):
                pending.extend((child, (*where, index)) for index, child in enumerate(node))

    def check_schema(self, schema: Schema, data: Any, path: Path, unknown: str | None) -> None:
        """``data`` as ``schema`` loads it; ``unknown`` is its policy for undeclared fields."""
        if not isinstance(data, Mapping):
            return  # marshmallow refuses it: "Invalid input type"
        declared: set[str] = set()
        for name, field in schema.load_fields.items():
            key = name if field.data_key is None else field.data_key
            declared.add(key)
            # ``get``, not ``in``: webargs' MultiDictProxy answers ``missing`` for absent keys.
            value = data.get(key, missing)
            if value is not missing:
                self.check_field(field, value, (*path, key))
        if unknown == INCLUDE:
            undeclared = {key: value for key, value in data.items() if key not in declared}
            self.check_value(undeclared, path)

    def check_field(self, field: fields.Field[Any], value: Any, path: Path) -> None:
        """``value`` as ``field`` loads it: multi-line strings, nested schemas, containers."""
        if isinstance(field, fields.Nested) and not isinstance(field, fields.Pluck):
            schema = field.schema
            unknown = field.unknown or schema.unknown
            if schema.many and isinstance(value, list):
                for index, item in enumerate(value):
                    self.check_schema(schema, item, (*path, index), unknown)
            else:
                self.check_schema(schema, value, path, unknown)
        elif isinstance(field, fields.List) and isinstance(value, list):
            for index, item in enumerate(value):
                self.check_field(field.inner, item, (*path, index))
        elif isinstance(field, fields.Tuple) and isinstance(value, list | tuple):
            for index, item in enumerate(value):
                inner = field.tuple_fields[index] if index < len(field.tuple_fields) else None
                self.check_field(inner or fields.Raw(), item, (*path, index))
        elif isinstance(field, fields.Mapping) and isinstance(value, Mapping):
            for key, item in value.items():
                if not self.bad_key(key, path):
                    self.check_field(field.value_field or fields.Raw(), item, (*path, key))
        else:
            self.check_value(value, path, multiline=isinstance(field, MultilineString))


class BaseSchema(Schema):
    """Request and response schemas derive from this: unknown fields are an error (422).

    Loading refuses text that cannot be stored or shown (``unsafe_text_reason``) in every
    field, nested schemas, lists and dictionaries included (keys too), before any field reads
    it: a 422 naming each such field. A ``MultilineString`` may hold tab and line breaks.
    Fields the schema declares are checked, and undeclared ones it includes; those it refuses
    (body) or ignores (query string, headers) never reach a view. So this holds for JSON
    bodies, query strings, form fields and headers alike.
    """

    class Meta:
        unknown = RAISE

    def load(
        self,
        data: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        many: bool | None = None,
        partial: bool | types.StrSequenceOrSet | None = None,
        unknown: types.UnknownOption | None = None,
    ) -> Any:
        if _LOAD_DEPTH.get() == 0 and many is None and partial is None and unknown is None:
            # A hot schema's valid input, compiled (``fast_load = True``); anything it does
            # not accept is loaded below, which names every bad field.
            loaded = load_fast(self, data)
            if loaded is not None:
                return loaded
        token = _LOAD_DEPTH.set(_LOAD_DEPTH.get() + 1)
        try:
            return super().load(data, many=many, partial=partial, unknown=unknown)
        finally:
            _LOAD_DEPTH.reset(token)

    @pre_load
    def _refuse_unsafe_text(self, data: Any, *, unknown: str, **_: Any) -> Any:
        # The whole input, nested schemas included, so that every bad field is named at once;
        # a BaseSchema nested in one (loaded inside its load) has been checked with it.
        if _LOAD_DEPTH.get() > 1:
            return data
        problems = _TextProblems()
        problems.check_schema(self, data, (), unknown)
        if problems.messages:
            raise ValidationError(problems.messages)
        return data


def _refuse_unsafe_path_text() -> None:
    """No resource has an id with text ``unsafe_text_reason`` refuses: 404 naming the part."""
    for name, value in (flask.request.view_args or {}).items():
        reason = unsafe_text_reason(value) if isinstance(value, str) else None
        if reason is not None:
            raise NotFound("no resource has this identifier", errors=[FieldError(name, reason)])


class JsonBodyParser(FlaskParser):
    """webargs' parser, but a body that breaks Python's JSON decoder is a 400, never a 500.

    ``json.loads`` raises ``RecursionError`` on very deep nesting and ``ValueError`` on integers
    longer than ``sys.get_int_max_str_digits()``; webargs only turns ``JSONDecodeError`` into
    400, so both are converted here.
    """

    def _raw_load_json(self, req: flask.Request) -> Any:
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise
        except (RecursionError, ValueError) as exc:
            raise json.JSONDecodeError(
                f"JSON body cannot be decoded: {exc.__class__.__name__}", doc="(body)", pos=0
            ) from exc


_ROLES_DOC_KEY = "gridgov_roles"
_PATH_PARAMETERS_DOC_KEY = "gridgov_path_parameters"
_BODY_METHODS = frozenset({"post", "put", "patch", "delete"})


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]  # flask-smorest is untyped
    """flask-smorest's Blueprint with the hardened JSON parser; ``create_app`` requires it.

    The decorator methods are re-declared only to give them types, so views stay typed
    under ``mypy --strict``; behaviour is flask-smorest's.
    """

    ARGUMENTS_PARSER = JsonBodyParser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_auth_doc)
        self._prepare_doc_cbks.append(self._prepare_problem_doc)
        self.before_request(_refuse_unsafe_path_text)

    def _store_endpoint_docs(
        self, endpoint: str, obj: Any, parameters: Any, tags: Any, **options: Any
    ) -> None:
        # Remember per operation which roles its guard demands (None: no role guard), read
        # from the attribute ``require_roles`` leaves on the view, for ``_prepare_auth_doc``.
        super()._store_endpoint_docs(endpoint, obj, parameters, tags, **options)
        for method, info in self._docs[endpoint].items():
            if method == "parameters":
                continue
            view = getattr(obj, method, None) if isinstance(obj, type) else obj
            info[_ROLES_DOC_KEY] = getattr(view, "_gridgov_roles", None)

    @staticmethod
    def _prepare_auth_doc(
        doc: dict[str, Any], doc_info: dict[str, Any], **_: Any
    ) -> dict[str, Any]:
        """Document the 401 of every authenticated operation and the 403 of guarded ones."""
        if doc_info.get("manual_doc", {}).get("security") == []:
            return doc
        responses = doc.setdefault("responses", {})
        responses.setdefault(401, HTTPStatus.UNAUTHORIZED.name)
        roles = doc_info.get(_ROLES_DOC_KEY)
        if roles is not None:
            responses.setdefault(403, HTTPStatus.FORBIDDEN.name)
            if roles:
                doc.setdefault("x-required-roles", list(roles))
        return doc

    @staticmethod
    def _prepare_problem_doc(
        doc: dict[str, Any], doc_info: dict[str, Any], *, method: str, **_: Any
    ) -> dict[str, Any]:
        """Declare the problems every operation of its kind can answer (all problem+json, see
        ``GridGovApi``), beside the ``default`` one: 429 when rate limited (authenticated
        operations), 404 for an unknown or unsafe id in the path, and 400 (undecodable JSON),
        413 (too large) and 415 (not JSON) for operations that take a body."""
        responses = doc.setdefault("responses", {})
        if doc_info.get("manual_doc", {}).get("security") != []:
            responses.setdefault(429, HTTPStatus.TOO_MANY_REQUESTS.name)
        if doc_info.get(_PATH_PARAMETERS_DOC_KEY):
            responses.setdefault(404, HTTPStatus.NOT_FOUND.name)
        if method in _BODY_METHODS:
            for status in (HTTPStatus.BAD_REQUEST, HTTPStatus.REQUEST_ENTITY_TOO_LARGE):
                responses.setdefault(int(status), status.name)
            responses.setdefault(415, HTTPStatus.UNSUPPORTED_MEDIA_TYPE.name)
        return doc

    def route(self, rule: str, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        """See ``flask_smorest.Blueprint.route``; also remembers whether the rule has path
        parameters (then its operations document 404)."""
        register = super().route(rule, *args, **kwargs)

        def decorator(view: F) -> F:
            before = set(self._docs)
            registered = register(view)
            for endpoint in set(self._docs) - before:
                for method, info in self._docs[endpoint].items():
                    if method != "parameters":
                        info[_PATH_PARAMETERS_DOC_KEY] = "<" in rule
            return cast("F", registered)

        return decorator

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        """See ``flask_smorest.Blueprint.arguments``."""
        return cast("Callable[[F], F]", super().arguments(schema, *args, **kwargs))

    def response(self, status_code: int, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        """See ``flask_smorest.Blueprint.response``."""
        return cast("Callable[[F], F]", super().response(status_code, *args, **kwargs))

    def alt_response(self, status_code: int, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        """See ``flask_smorest.Blueprint.alt_response``."""
        return cast("Callable[[F], F]", super().alt_response(status_code, *args, **kwargs))

    def doc(self, **kwargs: Any) -> Callable[[F], F]:
        """See ``flask_smorest.Blueprint.doc``."""
        return cast("Callable[[F], F]", super().doc(**kwargs))


__all__ = [
    "BaseSchema",
    "Blueprint",
    "JsonBodyParser",
    "MultilineString",
    "escape_unsafe_text",
    "unsafe_text_reason",
]
