"""考核方案 use cases: templates, create, edit the draft, validate, publish, read versions.

The assessment office (centre roles, checked by the views) keeps its schemes here. A scheme
is created from one of the seed templates or from a whole document, as draft version 1; the
draft is edited until it validates and is published; a published version is immutable and a
later change starts the next version from it. Comparing two versions over a period's real
facts, and evaluating, are in `use_cases.evaluations`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from services.scoring import templates
from services.scoring.domain import schemes as domain
from services.scoring.domain.problems import Problem
from services.scoring.domain.scheme import Scheme, validate
from services.scoring.domain.schemes import SchemeVersion, Status
from services.scoring.repository.schemes import VersionSummary
from services.scoring.use_cases.context import ScoringContext
from shared.errors import Conflict, InvalidInput, NotFound, StateConflict
from shared.mongo import Page


@dataclass(frozen=True)
class Template:
    """A seed scheme a tenant may start from."""

    name: str
    scheme_id: str
    name_zh: str
    name_en: str
    subject: str
    period_kind: str
    text: str


@dataclass(frozen=True)
class SchemeSummary:
    """A scheme as the list shows it: its latest version and its latest published one."""

    scheme_id: str
    name_zh: str | None
    name_en: str | None
    subject: str | None
    period_kind: str | None
    latest_version: int
    latest_status: Status
    published_version: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SchemeDetail:
    """A scheme: its summary, every version (no text) and the latest version in full."""

    summary: SchemeSummary
    versions: list[VersionSummary]
    latest: SchemeVersion


@dataclass(frozen=True)
class Validation:
    """What validating a version (or a text for it) found: every problem with its path."""

    scheme_id: str
    version: int
    status: Status
    problems: list[Problem]

    @property
    def valid(self) -> bool:
        return not self.problems


# -- templates -------------------------------------------------------------------------------


@cache
def _template(name: str) -> Template:
    scheme = templates.load_template(name)
    return Template(
        name=name,
        scheme_id=scheme.id,
        name_zh=scheme.name.zh,
        name_en=scheme.name.en,
        subject=scheme.subject,
        period_kind=scheme.period,
        text=templates.text(name),
    )


def list_templates() -> list[Template]:
    """The seed templates, by name."""
    return [_template(name) for name in templates.names()]


def get_template(name: str) -> Template:
    if name not in templates.names():
        raise NotFound(f"template {name} not found")
    return _template(name)


# -- schemes ---------------------------------------------------------------------------------


def create_scheme(
    ctx: ScoringContext,
    *,
    scheme_id: str | None = None,
    template: str | None = None,
    text: str | None = None,
    document: Mapping[str, Any] | None = None,
) -> SchemeVersion:
    """A new scheme as draft version 1, from exactly one of a template, a text (YAML or JSON)
    or a document (JSON object). Its id is ``scheme_id`` or the one the document names; 409
    when the tenant has a scheme of that id."""
    offered = (("template", template), ("text", text), ("document", document))
    given = [name for name, value in offered if value is not None]
    if len(given) != 1:
        reason = "give exactly one of template, text and document"
        raise InvalidInput.of(given[1] if len(given) > 1 else "template", reason)
    if template is not None:
        if template not in templates.names():
            raise InvalidInput.of(
                "template", f"no such template (known: {', '.join(templates.names())})"
            )
        source, origin = templates.text(template), f"template:{template}"
    elif text is not None:
        source, origin = text, "document"
    else:
        assert document is not None
        source, origin = domain.dump_json(document, indent=2), "document"
    version = domain.new_scheme(
        tenant_id=ctx.tenant_id,
        scheme_id=domain.choose_scheme_id(scheme_id, source),
        text=source,
        origin=origin,
        actor=ctx.actor,
        now=ctx.now(),
    )
    try:
        return ctx.schemes.add_version(version)
    except Conflict:
        raise Conflict(
            f"scheme {version.scheme_id} exists already; choose another id or edit it"
        ) from None


def list_schemes(ctx: ScoringContext, *, offset: int, limit: int) -> Page[SchemeSummary]:
    """The tenant's schemes by id, each with its latest and latest published version."""
    by_scheme: dict[str, list[VersionSummary]] = {}
    for summary in ctx.schemes.all_versions():
        by_scheme.setdefault(summary.scheme_id, []).append(summary)
    items = [_summarise(versions) for _, versions in sorted(by_scheme.items())]
    return Page(items=items[offset : offset + limit], total=len(items), offset=offset, limit=limit)


def get_scheme(ctx: ScoringContext, *, scheme_id: str) -> SchemeDetail:
    """The scheme, its versions and its latest version in full; 404 when unknown here."""
    versions = _versions(ctx, scheme_id)
    latest = _read(ctx, scheme_id, versions[-1].version)
    return SchemeDetail(summary=_summarise(versions), versions=versions, latest=latest)


def get_version(ctx: ScoringContext, *, scheme_id: str, version: int) -> SchemeVersion:
    """One version in full (text and canonical JSON); 404 when there is none."""
    return _read(ctx, scheme_id, version)


def save_draft(ctx: ScoringContext, *, scheme_id: str, text: str) -> SchemeVersion:
    """Replace the draft's text (stored even when invalid: a draft is work in progress);
    409 when the latest version is published."""
    latest = latest_version(ctx, scheme_id)
    edited = domain.edit_draft(latest, text=text, actor=ctx.actor, now=ctx.now())
    return ctx.schemes.save_version(edited)


def start_version(ctx: ScoringContext, *, scheme_id: str) -> SchemeVersion:
    """The next version as a draft copied from the latest published one; 409 when the latest
    is a draft already, or when someone started it at the same moment."""
    latest = latest_version(ctx, scheme_id)
    draft = domain.next_version(latest, actor=ctx.actor, now=ctx.now())
    try:
        return ctx.schemes.add_version(draft)
    except Conflict:
        raise StateConflict(
            f"version {draft.version} of scheme {scheme_id} was started meanwhile; edit it"
        ) from None


def validate_scheme(
    ctx: ScoringContext, *, scheme_id: str, version: int | None = None, text: str | None = None
) -> Validation:
    """Every problem of a version (the latest unless ``version``), or of ``text`` as the
    draft would store it, each with its path; an empty list when it can be published."""
    target = latest_version(ctx, scheme_id) if version is None else _read(ctx, scheme_id, version)
    if text is not None:
        prepared = domain.prepare(text, scheme_id=scheme_id, version=target.version)
        problems = validate(prepared.document if prepared.document is not None else prepared.text)
    else:
        problems = target.problems()
    return Validation(scheme_id, target.version, target.status, problems)


def publish_scheme(ctx: ScoringContext, *, scheme_id: str) -> SchemeVersion:
    """Publish the draft (`scheme.published`); 422 with every problem when it is invalid,
    409 when there is no draft."""
    latest = latest_version(ctx, scheme_id)
    published, event = domain.publish(latest, actor=ctx.actor, now=ctx.now())
    return ctx.schemes.save_version(published, [event])


# -- used by evaluations ---------------------------------------------------------------------


def latest_version(ctx: ScoringContext, scheme_id: str) -> SchemeVersion:
    return _read(ctx, scheme_id, _versions(ctx, scheme_id)[-1].version)


def latest_published(ctx: ScoringContext, scheme_id: str) -> tuple[SchemeVersion, Scheme]:
    """The latest published version and its engine scheme; 409 when none is published."""
    published = [v for v in _versions(ctx, scheme_id) if v.status is Status.PUBLISHED]
    if not published:
        raise StateConflict(f"scheme {scheme_id} has no published version yet")
    version = _read(ctx, scheme_id, published[-1].version)
    return version, version.scheme()


def _versions(ctx: ScoringContext, scheme_id: str) -> list[VersionSummary]:
    versions = ctx.schemes.versions_of(scheme_id)
    if not versions:
        raise NotFound(f"scheme {scheme_id} not found")
    return versions


def _read(ctx: ScoringContext, scheme_id: str, version: int) -> SchemeVersion:
    found = ctx.schemes.find(scheme_id, version)
    if found is None:
        raise NotFound(f"version {version} of scheme {scheme_id} not found")
    return found


def _summarise(versions: list[VersionSummary]) -> SchemeSummary:
    latest = versions[-1]
    published = [v.version for v in versions if v.status is Status.PUBLISHED]
    return SchemeSummary(
        scheme_id=latest.scheme_id,
        name_zh=latest.name_zh,
        name_en=latest.name_en,
        subject=latest.subject,
        period_kind=latest.period_kind,
        latest_version=latest.version,
        latest_status=latest.status,
        published_version=published[-1] if published else None,
        created_at=versions[0].created_at,
        updated_at=max(v.updated_at for v in versions),
    )
