"""The questionnaire repository: the working copy per questionnaire, the frozen published
versions beside it. Domain `Questionnaire` / `QuestionnaireVersion` in and out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from services.survey.documents.questionnaires import (
    OptionEntry,
    QuestionEntry,
    QuestionnaireDocument,
    QuestionnaireVersionDocument,
)
from services.survey.domain.questionnaires import (
    Option,
    Preset,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    VersionStatus,
)
from shared.errors import Conflict, NotFound
from shared.events.domain import DomainEvent
from shared.mongo import Page, TenantRepository


def version_key(questionnaire_id: str, version: int) -> str:
    return f"{questionnaire_id}:{version}"


class PublishedVersions(TenantRepository[QuestionnaireVersionDocument]):
    """The frozen published versions: inserted once, never updated."""

    document = QuestionnaireVersionDocument

    def find(self, questionnaire_id: str, version: int) -> QuestionnaireVersion | None:
        doc = self.get(version_key(questionnaire_id, version))
        return None if doc is None else _version_of(doc)

    def freeze(self, version: QuestionnaireVersion) -> None:
        """Store a published version once. A second call with the same content (a publish
        retried after a crash between its two writes) is accepted; other content is a
        `Conflict`."""
        doc = QuestionnaireVersionDocument(
            doc_id=version_key(version.questionnaire_id, version.version)
        )
        _fill(doc, version)
        try:
            self.add(doc)
        except Conflict:
            stored = self.find(version.questionnaire_id, version.version)
            if stored is None or _content(stored) != _content(version):
                raise
            return


class QuestionnaireRepository(TenantRepository[QuestionnaireDocument]):
    document = QuestionnaireDocument

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.versions = PublishedVersions(*args, **kwargs)

    def find(self, questionnaire_id: str) -> Questionnaire | None:
        """The questionnaire of this tenant, or None (also for another tenant's)."""
        doc = self.get(questionnaire_id)
        return None if doc is None else _to_domain(doc)

    def published_version(self, questionnaire_id: str, version: int) -> QuestionnaireVersion:
        """The published version ``version`` of ``questionnaire_id`` (what a campaign uses);
        `NotFound` when there is none in this tenant (a draft is not a published version)."""
        found = self.versions.find(questionnaire_id, version)
        if found is None:
            raise NotFound(f"questionnaire {questionnaire_id} has no published version {version}")
        return found

    def version_of(self, questionnaire_id: str, version: int) -> QuestionnaireVersion | None:
        """Version ``version`` as it stands: the frozen copy once published, else the working
        draft when it is that version; None otherwise."""
        found = self.versions.find(questionnaire_id, version)
        if found is not None:
            return found
        questionnaire = self.find(questionnaire_id)
        if questionnaire is not None and questionnaire.current.version == version:
            return questionnaire.current
        return None

    def add_questionnaire(self, questionnaire: Questionnaire) -> Questionnaire:
        """Insert a new questionnaire; `Conflict` when its id is taken."""
        self.add(_to_document(questionnaire))
        return replace(questionnaire, revision=1)

    def save_questionnaire(
        self, questionnaire: Questionnaire, events: Sequence[DomainEvent] = ()
    ) -> Questionnaire:
        """Write back a questionnaire read at ``revision``; `ConcurrentUpdate` when it moved.
        A published working version is frozen first (its own document), so what campaigns
        read exists before the event announcing it."""
        if questionnaire.current.published:
            self.versions.freeze(questionnaire.current)
        doc = _to_document(questionnaire)
        doc.revision = questionnaire.revision
        self.save(doc, events)
        return replace(questionnaire, revision=questionnaire.revision + 1)

    def list_questionnaires(
        self, *, offset: int, limit: int, status: str | None = None
    ) -> Page[Questionnaire]:
        """One page, latest changed first."""
        filters: dict[str, Any] = {} if status is None else {"status": status}
        page = self.list(offset=offset, limit=limit, order_by=("-updated_at", "-id"), **filters)
        return page.map(_to_domain)


def _content(version: QuestionnaireVersion) -> tuple[Any, ...]:
    return (
        version.name,
        version.description,
        version.questions,
        version.satisfaction_key,
        dict(version.credits),
        version.preset,
        version.basic_credit,
    )


def _fill(doc: Any, version: QuestionnaireVersion) -> None:
    doc.questionnaire_id = version.questionnaire_id
    doc.version = version.version
    doc.name = version.name
    doc.description = version.description
    doc.questions = [
        QuestionEntry(
            key=q.key,
            kind=q.kind.value,
            label=q.label,
            required=q.required,
            scale_max=q.scale_max,
            max_length=q.max_length,
        )
        for q in version.questions
    ]
    doc.options = [
        OptionEntry(
            question=q.key,
            key=option.key,
            label=option.label,
            credit=_text(version.credits.get(option.key))
            if q.key == version.satisfaction_key
            else None,
        )
        for q in version.questions
        for option in q.options
    ]
    doc.satisfaction_key = version.satisfaction_key
    doc.preset = None if version.preset is None else version.preset.value
    doc.basic_credit = _text(version.basic_credit)
    doc.status = version.status.value
    doc.published_at = version.published_at
    doc.published_by = version.published_by


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _version_of(doc: Any) -> QuestionnaireVersion:
    options: dict[str, list[Option]] = {}
    credits: dict[str, Decimal] = {}
    for entry in doc.options:
        options.setdefault(entry.question, []).append(Option(key=entry.key, label=entry.label))
        if entry.question == doc.satisfaction_key and entry.credit is not None:
            credits[entry.key] = Decimal(entry.credit)
    return QuestionnaireVersion(
        questionnaire_id=doc.questionnaire_id,
        version=doc.version,
        name=doc.name,
        description=doc.description or "",
        questions=tuple(
            Question(
                key=q.key,
                kind=QuestionKind(q.kind),
                label=q.label,
                required=q.required,
                options=tuple(options.get(q.key, ())),
                scale_max=q.scale_max,
                max_length=q.max_length,
            )
            for q in doc.questions
        ),
        satisfaction_key=doc.satisfaction_key,
        credits=credits,
        preset=None if doc.preset is None else Preset(doc.preset),
        basic_credit=None if doc.basic_credit is None else Decimal(doc.basic_credit),
        status=VersionStatus(doc.status),
        published_at=doc.published_at,
        published_by=doc.published_by,
    )


def _to_document(questionnaire: Questionnaire) -> QuestionnaireDocument:
    doc = QuestionnaireDocument(
        doc_id=questionnaire.questionnaire_id,
        tenant_id=questionnaire.tenant_id,
        published_versions=list(questionnaire.published_versions),
        created_at=questionnaire.created_at,
        created_by=questionnaire.created_by,
        updated_at=questionnaire.updated_at,
        updated_by=questionnaire.updated_by,
    )
    _fill(doc, questionnaire.current)
    return doc


def _to_domain(doc: QuestionnaireDocument) -> Questionnaire:
    return Questionnaire(
        questionnaire_id=doc.doc_id,
        tenant_id=doc.tenant_id,
        current=_version_of(doc),
        created_at=doc.created_at,
        created_by=doc.created_by,
        updated_at=doc.updated_at,
        updated_by=doc.updated_by,
        published_versions=tuple(doc.published_versions),
        revision=doc.revision,
    )
