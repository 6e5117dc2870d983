"""Pagination: ``?page=&page_size=`` in, an envelope out.

Every list endpoint answers ``{"items": [...], "page": 2, "page_size": 50, "total": 123}``
(an envelope rather than ``X-Total-Count``/``Link`` headers: one shape, visible in OpenAPI,
no header parsing in the phone app). ``page`` starts at 1; ``page_size`` is 1..200, default 50;
out-of-range values are a 422 naming the parameter. A page past the end is empty, not 404.

View usage::

    @blp.route("/divisions")
    class Divisions(MethodView):
        @blp.arguments(PageQuerySchema, location="query")
        @blp.response(200, page_schema(DivisionSchema))
        @require_roles(Role.TENANT_ADMIN, Role.CENTER_STAFF)
        def get(self, paging: PageRequest) -> PageResponse[Division]:
            items, total = repo.list(offset=paging.offset, limit=paging.limit)
            return paging.page_of(items, total)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from marshmallow import Schema, fields, post_load, validate

from shared.http.schemas import BaseSchema

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 100_000

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageResponse(Generic[T]):
    """One page of results and the total count across all pages."""

    items: Sequence[T]
    page: int
    page_size: int
    total: int


@dataclass(frozen=True, slots=True)
class PageRequest:
    """The requested page; ``offset``/``limit`` are what a repository query needs."""

    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def offset(self) -> int:
        """Items to skip."""
        return (self.page - 1) * self.page_size

    @property
    def limit(self) -> int:
        """Items to return at most."""
        return self.page_size

    def page_of(self, items: Sequence[T], total: int) -> PageResponse[T]:
        """Wrap this page's ``items`` and the overall ``total`` in the envelope."""
        return PageResponse(items=items, page=self.page, page_size=self.page_size, total=total)


class PageQuerySchema(BaseSchema):
    """``page`` and ``page_size`` query parameters; loads a ``PageRequest``.

    Extend it for list filters (``class DivisionQuery(PageQuerySchema): kind = ...``) and
    override ``make_page_request`` if the view needs the filters too.
    """

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(
        load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE)
    )

    @post_load
    def make_page_request(self, data: dict[str, Any], **_: Any) -> Any:
        """Turn the parameters into a ``PageRequest`` (subclasses may return richer objects)."""
        return PageRequest(page=data["page"], page_size=data["page_size"])


class FilteredPageQuerySchema(PageQuerySchema):
    """``page``/``page_size`` plus a list's filters, for ``@blp.arguments(..., as_kwargs=True)``.

    Loads ``{"paging": PageRequest, <filter>: value, ...}`` so the view reads
    ``def get(self, paging: PageRequest, kind: str | None = None)``; absent filters are absent.
    """

    @post_load
    def make_page_request(self, data: dict[str, Any], **_: Any) -> Any:
        paging = PageRequest(page=data.pop("page"), page_size=data.pop("page_size"))
        return {"paging": paging, **data}


@functools.cache
def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """The envelope schema for pages of ``item_schema`` (one class per item schema)."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(
        name,
        (BaseSchema,),
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "page": fields.Integer(required=True),
            "page_size": fields.Integer(required=True),
            "total": fields.Integer(required=True),
        },
    )


__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "FilteredPageQuerySchema",
    "PageQuerySchema",
    "PageRequest",
    "PageResponse",
    "page_schema",
]
