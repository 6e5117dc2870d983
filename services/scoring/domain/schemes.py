"""考核方案 as a tenant's resource: numbered versions, one draft at a time, immutable once
published.

A scheme (``scheme_id``, chosen by the tenant or taken from its template) is a series of
versions 1, 2, ...; only the latest may be a draft, and only a draft is edited. Publishing
checks the whole document (every problem with its path, `SchemeError`) and freezes it; a
change after that starts the next version from the latest (`next_version`).

Each version keeps the text as the tenant wrote it (YAML with its comments, or JSON) and its
canonical JSON (sorted keys, exact decimals, dates as ISO text): what the engine evaluates and
what `digest` fingerprints. The resource owns the document's ``id`` and ``version``: both are
written into the text and the canonical JSON whenever a version is stored, so the text a
tenant downloads validates and evaluates to exactly what the platform published (the engine
refuses history of another scheme id, so a scheme's id never changes between versions).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from shared.clock import require_aware
from shared.errors import InvalidInput, StateConflict

from .problems import Problem, SchemeError
from .scheme import Scheme, load_scheme, parse_document, validate

# A scheme id goes into URLs, event keys and the engine's history check: short, lower case.
SCHEME_ID_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$")
SCHEME_ID_RULE = (
    "must be 1-64 lower-case letters, digits, '-' or '_', starting and ending with a letter "
    "or digit"
)
# The five seed templates are 5-13 KB; a tenant's scheme a few times that at most.
TEXT_MAX = 262_144
ACTOR_MAX = 64


class Status(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


@dataclass(frozen=True)
class Prepared:
    """A scheme text made ready to store as version ``version`` of ``scheme_id``."""

    text: str
    document: str | None  # canonical JSON; None when the text is not a mapping
    format: str  # "yaml" | "json"
    name_zh: str | None
    name_en: str | None
    subject: str | None
    period_kind: str | None


@dataclass(frozen=True)
class SchemeVersion:
    """One version of a tenant's scheme."""

    tenant_id: str
    scheme_id: str
    version: int
    status: Status
    text: str
    document: str | None
    format: str
    name_zh: str | None
    name_en: str | None
    subject: str | None
    period_kind: str | None
    origin: str  # "template:<name>", "document" or "version:<n>": where version 1 came from
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    published_at: datetime | None = None
    published_by: str | None = None
    revision: int = 0

    @property
    def digest(self) -> str | None:
        """SHA-256 of the canonical JSON: which exact rules a result was computed with."""
        if self.document is None:
            return None
        return hashlib.sha256(self.document.encode("utf-8")).hexdigest()

    def problems(self) -> list[Problem]:
        """Every problem of the document with its path; empty when it can be published."""
        return validate(self.document if self.document is not None else self.text)

    def scheme(self) -> Scheme:
        """The engine's scheme; `SchemeError` listing every problem when it is invalid."""
        return load_scheme(self.document if self.document is not None else self.text)


@dataclass(frozen=True)
class SchemePublished:
    """A version was published (`scheme.published`)."""

    scheme: SchemeVersion
    occurred_at: datetime

    type: ClassVar[str] = "scheme.published"
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.scheme.scheme_id

    def payload(self) -> dict[str, Any]:
        scheme = self.scheme
        return {
            "scheme_id": scheme.scheme_id,
            "version": scheme.version,
            "subject_kind": scheme.subject,
            "period_kind": scheme.period_kind,
            "digest": scheme.digest,
            "published_by": scheme.published_by,
            "published_at": self.occurred_at.isoformat(),
        }


# -- lifecycle -------------------------------------------------------------------------------


def check_scheme_id(scheme_id: str, field: str = "id") -> str:
    if not SCHEME_ID_PATTERN.match(scheme_id):
        raise InvalidInput.of(field, SCHEME_ID_RULE)
    return scheme_id


def choose_scheme_id(given: str | None, text: str) -> str:
    """The id of a new scheme: the one the request gives, else the one its document names
    (a template's own id)."""
    if given is not None:
        return check_scheme_id(given)
    data, _ = parse_document(text)
    named = data.get("id") if isinstance(data, Mapping) else None
    if not isinstance(named, str) or not named:
        raise InvalidInput.of("id", "is required: the document names no scheme id")
    return check_scheme_id(named, "id")


def new_scheme(
    *, tenant_id: str, scheme_id: str, text: str, origin: str, actor: str, now: datetime
) -> SchemeVersion:
    """Version 1 of a new scheme, a draft (valid or not: a draft is work in progress)."""
    require_aware(now)
    prepared = prepare(text, scheme_id=scheme_id, version=1)
    return SchemeVersion(
        tenant_id=tenant_id,
        scheme_id=scheme_id,
        version=1,
        status=Status.DRAFT,
        origin=origin,
        created_at=now,
        created_by=actor,
        updated_at=now,
        updated_by=actor,
        **_fields(prepared),
    )


def edit_draft(draft: SchemeVersion, *, text: str, actor: str, now: datetime) -> SchemeVersion:
    """The draft with a new text; 409 when the version is published (immutable)."""
    require_aware(now)
    if draft.status is not Status.DRAFT:
        raise StateConflict(
            f"version {draft.version} of scheme {draft.scheme_id} is published and cannot "
            "change; start a new version from it (POST /schemes/{id}/versions)"
        )
    prepared = prepare(text, scheme_id=draft.scheme_id, version=draft.version)
    return replace(draft, updated_at=now, updated_by=actor, **_fields(prepared))


def next_version(latest: SchemeVersion, *, actor: str, now: datetime) -> SchemeVersion:
    """A new draft numbered after ``latest``, starting from its text; 409 when the latest is
    a draft already (edit that one)."""
    require_aware(now)
    if latest.status is Status.DRAFT:
        raise StateConflict(
            f"version {latest.version} of scheme {latest.scheme_id} is a draft: edit it "
            "(PUT /schemes/{id}/draft) rather than starting another"
        )
    number = latest.version + 1
    prepared = prepare(latest.text, scheme_id=latest.scheme_id, version=number)
    return replace(
        latest,
        version=number,
        status=Status.DRAFT,
        origin=f"version:{latest.version}",
        created_at=now,
        created_by=actor,
        updated_at=now,
        updated_by=actor,
        published_at=None,
        published_by=None,
        revision=0,
        **_fields(prepared),
    )


def publish(
    draft: SchemeVersion, *, actor: str, now: datetime
) -> tuple[SchemeVersion, SchemePublished]:
    """Publish the draft; 409 when it is published already, 422 listing every problem of the
    document (paths under ``text``) when it is invalid."""
    require_aware(now)
    if draft.status is not Status.DRAFT:
        raise StateConflict(
            f"version {draft.version} of scheme {draft.scheme_id} is published already"
        )
    problems = draft.problems()
    if problems:
        raise SchemeError(problems).invalid_input("text")
    published = replace(draft, status=Status.PUBLISHED, published_at=now, published_by=actor)
    return published, SchemePublished(published, now)


def _fields(prepared: Prepared) -> dict[str, Any]:
    return {
        "text": prepared.text,
        "document": prepared.document,
        "format": prepared.format,
        "name_zh": prepared.name_zh,
        "name_en": prepared.name_en,
        "subject": prepared.subject,
        "period_kind": prepared.period_kind,
    }


# -- text and canonical JSON -----------------------------------------------------------------


def prepare(text: str, *, scheme_id: str, version: int) -> Prepared:
    """``text`` stamped with the resource's id and version, and its canonical JSON.

    A text that does not parse, or is not a mapping, is kept as given without a canonical
    form: validating it reports why."""
    is_json = text.lstrip().startswith(("{", "["))
    data, problems = parse_document(text)
    if problems or not isinstance(data, Mapping):
        return Prepared(text, None, "json" if is_json else "yaml", None, None, None, None)
    stamped = {**data, "id": scheme_id, "version": version}
    written = None if is_json else _stamp_yaml(text, stamped)
    form = "yaml"
    if written is None:
        # JSON text, or a YAML layout the line rewrite cannot handle (a flow mapping, an id
        # spanning lines): written as JSON (YAML too) rather than kept inconsistent.
        written, form = dump_json(stamped, indent=2), "json"
    name = stamped.get("name")
    return Prepared(
        text=written,
        document=canonical_json(stamped),
        format=form,
        name_zh=_short(name.get("zh")) if isinstance(name, Mapping) else None,
        name_en=_short(name.get("en")) if isinstance(name, Mapping) else None,
        subject=_short(stamped.get("subject")),
        period_kind=_short(stamped.get("period")),
    )


def _short(value: object) -> str | None:
    return value[:200] if isinstance(value, str) and value else None


# A top-level key of a YAML block mapping starts its line; a trailing comment is kept.
def _top_line(key: str) -> re.Pattern[str]:
    return re.compile(rf"^({key}[ \t]*:)([^\n#]*?)([ \t]+#[^\n]*)?[ \t]*$", re.MULTILINE)


_ANY_TOP_KEY = re.compile(r"^[A-Za-z_][\w-]*[ \t]*:", re.MULTILINE)


def _stamp_yaml(text: str, stamped: Mapping[str, Any]) -> str | None:
    """The YAML text with its top-level ``id`` and ``version`` lines set (added before the
    first key when absent); None when the result would not read back as ``stamped``."""
    written = text
    missing: list[str] = []
    for key in ("id", "version"):
        value = _yaml_scalar(stamped[key])
        pattern = _top_line(key)
        found = pattern.search(written)
        if found is not None:
            line = f"{found.group(1)} {value}{found.group(3) or ''}"
            written = f"{written[: found.start()]}{line}{written[found.end() :]}"
        else:
            missing.append(f"{key}: {value}\n")
    if missing:
        first = _ANY_TOP_KEY.search(written)
        if first is None:
            return None
        written = f"{written[: first.start()]}{''.join(missing)}{written[first.start() :]}"
    data, problems = parse_document(written)
    if problems or canonical_json(data) != canonical_json(stamped):
        return None
    return written


def _yaml_scalar(value: object) -> str:
    """``value`` as YAML writes it plainly, quoted only when plain text would read as
    something else (``yes``, ``null``, ``123``)."""
    plain = str(value)
    data, problems = parse_document(f"v: {plain}")
    if not problems and isinstance(data, Mapping) and data.get("v") == value:
        return plain
    return json.dumps(value, ensure_ascii=False)


def canonical_json(value: object) -> str:
    """Sorted keys, no spaces, decimals exact in plain notation, dates as ISO text."""
    return dump_json(value, indent=None, sort_keys=True)


def dump_json(value: object, *, indent: int | None, sort_keys: bool = False) -> str:
    """JSON text of a parsed scheme document, with Decimals written exactly as numbers
    (``json`` would need them as floats or strings), keeping key order unless sorted."""
    writer = _JsonWriter(indent, sort_keys)
    writer.write(value, 0)
    return "".join(writer.out)


class _JsonWriter:
    def __init__(self, indent: int | None, sort_keys: bool) -> None:
        self.indent = indent
        self.sort_keys = sort_keys
        self.out: list[str] = []

    def write(self, value: object, level: int) -> None:
        out = self.out
        if isinstance(value, Mapping):
            pairs = list(value.items())
            if self.sort_keys:
                pairs.sort(key=lambda kv: str(kv[0]))
            keyed = [(json.dumps(str(k), ensure_ascii=False) + ":", v) for k, v in pairs]
            self.container(keyed, "{}", level)
        elif isinstance(value, list | tuple):
            self.container([("", v) for v in value], "[]", level)
        elif isinstance(value, bool) or value is None:
            out.append(json.dumps(value))
        elif isinstance(value, int):
            out.append(str(value))
        elif isinstance(value, Decimal):
            out.append(_number(value))
        elif isinstance(value, float):
            out.append(_number(Decimal(repr(value))))
        elif isinstance(value, datetime | date):
            out.append(json.dumps(value.isoformat()))
        else:
            out.append(json.dumps(str(value), ensure_ascii=False))

    def container(self, items: list[tuple[str, object]], brackets: str, level: int) -> None:
        out, indent = self.out, self.indent
        if not items:
            out.append(brackets)
            return
        out.append(brackets[0])
        pad = "" if indent is None else "\n" + " " * (indent * (level + 1))
        space = "" if indent is None else " "
        for n, (key, item) in enumerate(items):
            if n:
                out.append(",")
            out.append(pad)
            if key:
                out.append(key + space)
            self.write(item, level + 1)
        out.append("" if indent is None else "\n" + " " * (indent * level))
        out.append(brackets[1])


def _number(value: Decimal) -> str:
    """A finite decimal in plain notation (``1E+2`` is written ``100``): exact, and JSON. A
    non-finite one (JSON's ``NaN`` literal) is written as text, which the scheme's own checks
    then refuse where a number is due."""
    if not value.is_finite():
        return json.dumps(str(value))
    return format(value, "f")
