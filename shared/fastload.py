"""A marshmallow schema's loading, compiled once to msgspec for the valid input of hot paths.

A GPS upload of 50 fixes is 450 values; marshmallow loads them field object by field object,
about 6 ms a request and as much again for the contract check of the message it becomes, and
once more in the consumer. msgspec checks the same shapes, types, ranges, lengths and choices
in C in a few microseconds a fix.

`FastLoader` compiles a schema into msgspec structs and accepts only input the schema accepts,
giving exactly what ``schema.load`` gives (the same dict, the same datetimes and UUIDs). It
answers ``None`` for anything else, and the caller then loads through the schema itself,
which names every bad field: so errors never change, only valid input gets faster. Where
msgspec is more lenient than marshmallow (it reads ``z`` as UTC, rounds a seventh decimal of a
second), the compiled loader hands the value to the very function marshmallow uses
(``datetime.fromisoformat``, ``uuid.UUID``, a `Regexp`'s own ``match``) instead of msgspec.

Only what can be compiled exactly is: the field classes in `_SCALARS` plus `List` and `Nested`,
the validators `Length`, `Range`, `OneOf` and `Regexp`, ``RAISE`` or ``EXCLUDE`` for unknown
fields, and no processors or schema validators (the platform's unsafe-text check excepted,
which the loader repeats on every string). Anything else raises `NotCompilable` when the
loader is built, so a schema that grows a feature stops being compiled loudly, not wrongly.
A schema opts in with ``fast_load = True`` (class attribute); tests load random input both
ways and compare (``shared/tests/unit/test_fastload.py``).
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal

import msgspec
from marshmallow import EXCLUDE, RAISE, Schema, fields, missing, validate

from shared.text import unsafe_text_reason

# The platform's pre_load hook that refuses unsafe text (shared.http.schemas.BaseSchema): the
# compiled loader refuses such text itself, so this one hook is allowed.
UNSAFE_TEXT_HOOK = "_refuse_unsafe_text"


class NotCompilable(TypeError):
    """The schema uses something the compiled loader cannot reproduce exactly."""


# Per-value post-processing after msgspec's check: returns the loaded value, or raises
# ValueError / TypeError when marshmallow would refuse it.
Finish = Callable[[Any], Any]


class _Refused(Exception):
    """Internal: the input is not one the compiled loader accepts (the schema decides)."""


def _aware_datetime(value: str) -> datetime:
    # What marshmallow's AwareDateTime does: fromisoformat, then refuse a naive result.
    loaded = datetime.fromisoformat(value)
    if loaded.tzinfo is None or loaded.tzinfo.utcoffset(loaded) is None:
        raise ValueError("naive datetime")
    return loaded


def _regexp(validator: validate.Regexp) -> Finish:
    regex = validator.regex
    if not isinstance(regex.pattern, str):
        raise NotCompilable("Regexp of bytes")

    def check(value: str) -> str:
        if regex.match(value) is None:
            raise ValueError("no match")
        return value

    return check


class _Field:
    """One compiled field: its msgspec annotation and what is done to its value after."""

    def __init__(self, annotation: Any, finish: Finish | None, *, text: bool) -> None:
        self.annotation = annotation
        self.finish = finish
        self.text = text  # a string whose unsafe text must be refused (single line)


def _range_meta(validators: list[Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for validator in validators:
        if isinstance(validator, validate.Range):
            if validator.min is not None:
                meta["ge" if validator.min_inclusive else "gt"] = validator.min
            if validator.max is not None:
                meta["le" if validator.max_inclusive else "lt"] = validator.max
    return meta


def _length_meta(validators: list[Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for validator in validators:
        if isinstance(validator, validate.Length):
            if validator.equal is not None:
                meta["min_length"] = meta["max_length"] = validator.equal
            else:
                if validator.min is not None:
                    meta["min_length"] = validator.min
                if validator.max is not None:
                    meta["max_length"] = validator.max
    return meta


def _annotated(base: Any, meta: dict[str, Any]) -> Any:
    return Annotated[base, msgspec.Meta(**meta)] if meta else base


def _string(field: fields.String, validators: list[Any], where: str) -> _Field:
    choices = [v for v in validators if isinstance(v, validate.OneOf)]
    patterns = [_regexp(v) for v in validators if isinstance(v, validate.Regexp)]
    base: Any = str
    if choices:
        if len(choices) > 1 or not all(isinstance(c, str) for c in choices[0].choices):
            raise NotCompilable(f"{where}: OneOf of strings only, once")
        base = Literal[tuple(choices[0].choices)]
    finish: Finish | None = None
    if patterns:

        def finish(value: str, checks: list[Finish] = patterns) -> str:
            for check in checks:
                check(value)
            return value

    return _Field(_annotated(base, _length_meta(validators)), finish, text=True)


def _float(field: fields.Float, validators: list[Any], where: str) -> _Field:
    if field.allow_nan:
        raise NotCompilable(f"{where}: allow_nan")
    # Bounded on both sides, so NaN and infinity are refused (marshmallow's allow_nan=False):
    # NaN fails every comparison, and no infinity is within the largest finite floats.
    meta = _range_meta(validators)
    if not {"ge", "gt"} & meta.keys():
        meta["ge"] = -sys.float_info.max
    if not {"le", "lt"} & meta.keys():
        meta["le"] = sys.float_info.max
    return _Field(_annotated(float, meta), None, text=False)


def _integer(field: fields.Integer, validators: list[Any], where: str) -> _Field:
    if not field.strict:
        raise NotCompilable(f"{where}: Integer(strict=False) also loads floats and strings")
    return _Field(_annotated(int, _range_meta(validators)), None, text=False)


def _boolean(field: fields.Boolean, validators: list[Any], where: str) -> _Field:
    return _Field(bool, None, text=False)


def _instant(field: fields.AwareDateTime, validators: list[Any], where: str) -> _Field:
    if field.default_timezone is not None or field.format not in (None, "iso", "iso8601"):
        raise NotCompilable(f"{where}: AwareDateTime with a format or default timezone")
    return _Field(str, _aware_datetime, text=True)


def _uuid(field: fields.UUID, validators: list[Any], where: str) -> _Field:
    return _Field(str, uuid.UUID, text=True)


def _list(field: fields.List[Any], validators: list[Any], where: str) -> _Field:
    inner = _compile_field(field.inner, f"{where}[]")
    if inner.text:
        raise NotCompilable(f"{where}: lists of strings are not compiled")
    each = inner.finish
    finish: Finish | None = None
    if each is not None:

        def finish(value: list[Any], each: Finish = each) -> list[Any]:
            return [each(item) for item in value]

    annotation = _annotated(list[inner.annotation], _length_meta(validators))  # type: ignore[name-defined]
    return _Field(annotation, finish, text=False)


def _nested(field: fields.Nested, validators: list[Any], where: str) -> _Field:
    nested = field.schema
    if nested.many or nested.only or nested.exclude or isinstance(field, fields.Pluck):
        raise NotCompilable(f"{where}: Nested with many, only or exclude, and Pluck")
    unknown = field.unknown or nested.unknown
    struct, finish = _compile_schema(type(nested), unknown, f"{where}.")
    return _Field(struct, finish, text=False)


# The field classes compiled (exactly these: a subclass may load otherwise), how, and the
# validators each may carry.
_COMPILERS: dict[type[Any], tuple[Callable[..., _Field], tuple[type[Any], ...]]] = {
    fields.String: (_string, (validate.Length, validate.OneOf, validate.Regexp)),
    fields.Float: (_float, (validate.Range,)),
    fields.Integer: (_integer, (validate.Range,)),
    fields.Boolean: (_boolean, ()),
    fields.AwareDateTime: (_instant, ()),
    fields.UUID: (_uuid, ()),
    fields.List: (_list, (validate.Length,)),
    fields.Nested: (_nested, ()),
}


def _compile_field(field: fields.Field[Any], where: str) -> _Field:
    found = _COMPILERS.get(type(field))
    if found is None:
        raise NotCompilable(f"{where}: {type(field).__name__} fields are not compiled")
    compile_, allowed = found
    validators = list(field.validators)
    for validator in validators:
        if not isinstance(validator, allowed):
            raise NotCompilable(f"{where}: validator {type(validator).__name__}")
    return compile_(field, validators, where)


def _compile_schema(schema_class: type[Schema], unknown: str, where: str) -> tuple[Any, Finish]:
    """A msgspec struct for ``schema_class`` and the function turning one into the dict
    ``schema_class().load`` would give."""
    if unknown not in (RAISE, EXCLUDE):
        raise NotCompilable(f"{where or schema_class.__name__}: unknown={unknown}")
    hooks = {hook[0] for found in schema_class._hooks.values() for hook in found}
    if hooks - {UNSAFE_TEXT_HOOK}:
        raise NotCompilable(f"{schema_class.__name__}: processors {sorted(hooks)}")
    schema = schema_class()
    specs: list[tuple[str, Any, Any]] = []
    names: list[tuple[str, Finish | None, bool]] = []  # attribute, finish, text
    for name, field in schema.load_fields.items():
        if field.attribute is not None:
            raise NotCompilable(f"{where}{name}: attribute=")
        compiled = _compile_field(field, f"{where}{name}")
        annotation = compiled.annotation
        default: Any = msgspec.NODEFAULT
        if field.allow_none:
            annotation = annotation | None
        if not field.required:
            if field.load_default is missing:
                annotation = annotation | msgspec.UnsetType
                default = msgspec.UNSET
            elif field.load_default is None or isinstance(field.load_default, str | int | float):
                default = field.load_default
            else:
                raise NotCompilable(f"{where}{name}: load_default {field.load_default!r}")
        spec = msgspec.field(default=default, name=field.data_key or name)
        specs.append((name, annotation, spec))
        names.append((name, compiled.finish, compiled.text))
    struct = msgspec.defstruct(
        f"Fast{schema_class.__name__}",
        specs,
        forbid_unknown_fields=unknown == RAISE,
        kw_only=True,
    )

    def finish(loaded: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, finish_field, text in names:
            value = getattr(loaded, name)
            if value is msgspec.UNSET:
                continue
            if value is not None:
                if text and unsafe_text_reason(value) is not None:
                    raise _Refused
                if finish_field is not None:
                    value = finish_field(value)
            out[name] = value
        return out

    return struct, finish


class FastLoader:
    """``schema_class().load(data)`` for the input it accepts, compiled; ``None`` otherwise."""

    def __init__(self, schema_class: type[Schema]) -> None:
        self.schema_class = schema_class
        self._struct, self._finish = _compile_schema(schema_class, schema_class.opts.unknown, "")

    def load(self, data: Any) -> dict[str, Any] | None:
        """What the schema loads from ``data``, or ``None`` when the compiled loader does not
        accept it (then only the schema can tell whether, and why, it is invalid)."""
        if not isinstance(data, Mapping):
            return None
        try:
            loaded: dict[str, Any] = self._finish(msgspec.convert(data, self._struct))
        except (msgspec.ValidationError, _Refused, ValueError, TypeError, OverflowError):
            return None
        return loaded


@cache
def fast_loader(schema_class: type[Schema]) -> FastLoader | None:
    """The compiled loader of a schema that opted in (``fast_load = True``), else ``None``."""
    if not getattr(schema_class, "fast_load", False):
        return None
    return FastLoader(schema_class)


def load_fast(schema: Schema, data: Any) -> dict[str, Any] | None:
    """What ``schema.load(data)`` gives, through the compiled loader of its class; ``None``
    when the class has none, ``schema`` was made with options of its own (``many``, ``only``,
    ``partial``...), or the compiled loader does not accept ``data``."""
    loader = fast_loader(type(schema))
    if loader is None or not _plain(schema):
        return None
    return loader.load(data)


def _plain(schema: Schema) -> bool:
    """Whether ``schema`` loads as its class declares (what `FastLoader` compiled)."""
    return (
        not schema.many
        and schema.only is None
        and not schema.exclude
        and not schema.partial
        and not schema.dump_only
        and schema.unknown == type(schema).opts.unknown
    )


__all__ = ["UNSAFE_TEXT_HOOK", "FastLoader", "NotCompilable", "fast_loader", "load_fast"]
