"""Base schema and the flask-smorest Blueprint every service uses."""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar, cast

import flask
import flask_smorest
from marshmallow import RAISE, Schema
from webargs.flaskparser import FlaskParser

F = TypeVar("F", bound=Callable[..., Any])


class BaseSchema(Schema):
    """Request and response schemas derive from this: unknown fields are an error (422)."""

    class Meta:
        unknown = RAISE


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


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]  # flask-smorest is untyped
    """flask-smorest's Blueprint with the hardened JSON parser; ``create_app`` requires it.

    The decorator methods are re-declared only to give them types, so views stay typed
    under ``mypy --strict``; behaviour is flask-smorest's.
    """

    ARGUMENTS_PARSER = JsonBodyParser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_auth_doc)

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

    def route(self, rule: str, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        """See ``flask_smorest.Blueprint.route``."""
        return cast("Callable[[F], F]", super().route(rule, *args, **kwargs))

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


__all__ = ["BaseSchema", "Blueprint", "JsonBodyParser"]
