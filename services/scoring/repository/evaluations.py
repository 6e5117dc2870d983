"""Evaluations' store: headers (final editions and the provisional one) and sheet chunks.

Writing an evaluation is: insert its sheets under a new run id, then insert (final) or
rewrite (provisional) its header naming that run. The header write decides: a final edition
exists once (its `_id` is unique), a provisional header moves only forward (revision-checked,
and never to an evaluation older than the stored one). The loser of either race deletes the
sheets it wrote; the provisional winner deletes the run it replaced. A crash between the two
writes leaves sheets no header names: nothing reads them.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from services.scoring.documents.evaluations import EvaluationDocument, ScoreSheetChunkDocument
from services.scoring.domain.evaluations import Computed, Header, Kind, ScoresPublished, SheetRow
from shared.errors import Conflict
from shared.events.domain import EventOrigin
from shared.mongo import TenantRepository
from shared.periods import Period

_SUMMARY_FIELDS = (
    "scheme_id",
    "period",
    "period_kind",
    "first_day",
    "last_day",
    "kind",
    "edition",
    "scheme_version",
    "reason",
    "supersedes",
    "evaluated_at",
    "evaluated_by",
    "subjects",
    "incomplete",
    "mean_total",
)


@dataclass(frozen=True)
class EditionSummary:
    """An evaluation as lists show it (no rows)."""

    scheme_id: str
    period: Period
    kind: Kind
    edition: int
    scheme_version: int
    reason: str | None
    supersedes: int | None
    evaluated_at: datetime
    evaluated_by: str
    subjects: int
    incomplete: int
    mean_total: Decimal | None


class ScoreSheetChunks(TenantRepository[ScoreSheetChunkDocument]):
    """The sheets of evaluation runs, `SHEETS_PER_CHUNK` subjects per document."""

    document = ScoreSheetChunkDocument

    def insert_run(self, computed: Computed) -> None:
        header = computed.header
        by_chunk: dict[int, dict[str, Any]] = {}
        for row in header.rows:
            by_chunk.setdefault(row.chunk, {})[row.subject_id] = computed.sheets[row.subject_id]
        docs = []
        for chunk, sheets in sorted(by_chunk.items()):
            doc = ScoreSheetChunkDocument(
                key=f"{self.tenant_id}|{header.run_id}|{chunk}",
                tenant_id=self.tenant_id,
                run_id=header.run_id,
                chunk=chunk,
                scheme_id=header.scheme_id,
                period=header.period.label,
                subjects=list(sheets),
                sheets=_pack(sheets),
            )
            doc.validate()
            docs.append(doc.to_mongo())
        if docs:
            # One unordered insert: the chunks are new documents under a new run id.
            self._collection().insert_many(docs, ordered=False)

    def sheet(self, run_id: str, chunk: int, subject_id: str) -> dict[str, Any] | None:
        doc = self.get(f"{self.tenant_id}|{run_id}|{chunk}")
        if doc is None:
            return None
        found: dict[str, Any] | None = _unpack(doc.sheets).get(subject_id)
        return found

    def all_sheets(self, run_id: str) -> dict[str, dict[str, Any]]:
        sheets: dict[str, dict[str, Any]] = {}
        for doc in sorted(self._query(run_id=run_id), key=lambda d: d.chunk):
            sheets.update(_unpack(doc.sheets))
        return sheets

    def delete_run(self, run_id: str) -> None:
        self._query(run_id=run_id).delete()


class EvaluationRepository(TenantRepository[EvaluationDocument]):
    document = EvaluationDocument

    def __init__(
        self, tenant_id: str, origin: EventOrigin | None = None, *, dry_run: bool = False
    ) -> None:
        super().__init__(tenant_id, origin, dry_run=dry_run)
        self.chunks = ScoreSheetChunks(tenant_id, origin, dry_run=dry_run)

    def _key(self, scheme_id: str, period: str, edition: int | None) -> str:
        return (
            f"{self.tenant_id}|{scheme_id}|{period}|{'provisional' if edition is None else edition}"
        )

    # -- writes --------------------------------------------------------------------------------

    def add_final(self, computed: Computed, events: Sequence[ScoresPublished]) -> Header:
        """Store a final edition with its events; `Conflict` when that edition exists (a
        concurrent evaluation or correction won)."""
        header = computed.header
        self.chunks.insert_run(computed)
        try:
            self.add(self._to_document(computed), events)
        except Conflict:
            self.chunks.delete_run(header.run_id)
            raise
        return replace(header, revision=1)

    def save_provisional(self, computed: Computed) -> Header | None:
        """Store the period's provisional evaluation in place of the one stored, unless that
        one was evaluated later (then nothing changes and None is answered); `Conflict` when
        another writer replaced it meanwhile."""
        header = computed.header
        key = self._key(header.scheme_id, header.period.label, None)
        stored = self.get(key)
        if stored is not None and _utc(stored.evaluated_at) > header.evaluated_at:
            return None
        self.chunks.insert_run(computed)
        doc = self._to_document(computed)
        try:
            if stored is None:
                self.add(doc)
            else:
                doc.revision = stored.revision
                self.save(doc)
        except Conflict:
            self.chunks.delete_run(header.run_id)
            raise
        if stored is not None:
            self.chunks.delete_run(stored.run_id)
        return replace(header, revision=doc.revision)

    # -- reads ---------------------------------------------------------------------------------

    def final(self, scheme_id: str, period: str, edition: int | None = None) -> Header | None:
        """Edition ``edition`` (default: the latest) of the period's final results."""
        if edition is None:
            editions = self.editions(scheme_id, period)
            if not editions:
                return None
            edition = editions[-1].edition
        doc = self.get(self._key(scheme_id, period, edition))
        return None if doc is None else _to_header(doc)

    def provisional(self, scheme_id: str, period: str) -> Header | None:
        doc = self.get(self._key(scheme_id, period, None))
        return None if doc is None else _to_header(doc)

    def editions(self, scheme_id: str, period: str) -> list[EditionSummary]:
        """The period's final editions, oldest first."""
        rows = self.all_values(
            _SUMMARY_FIELDS, scheme_id=scheme_id, period=period, kind=Kind.FINAL.value
        )
        return sorted((_summary(row) for row in rows), key=lambda e: e.edition)

    def finals(self, scheme_id: str) -> list[EditionSummary]:
        """Every final edition of the scheme, by period then edition."""
        rows = self.all_values(_SUMMARY_FIELDS, scheme_id=scheme_id, kind=Kind.FINAL.value)
        return sorted((_summary(row) for row in rows), key=lambda e: (e.period.start, e.edition))

    def history_entry(self, scheme_id: str, period: str, edition: int) -> dict[str, Any]:
        """The engine's history entry of one final edition: each subject's streak hits and
        amounts per money rule (for streaks and quarter sums), no lines."""
        doc = (
            self._query(pk=self._key(scheme_id, period, edition))
            .only("scheme_id", "scheme_version", "period", "streak_hits", "rows")
            .first()
        )
        if doc is None:
            return {}
        hits = _unpack(doc.streak_hits)
        rows = {row["subject_id"]: row for row in _unpack(doc.rows)}
        return {
            "scheme": {"id": doc.scheme_id, "version": doc.scheme_version},
            "period": doc.period,
            "sheets": [
                {
                    "subject_id": subject,
                    "streak_hits": hits.get(subject, []),
                    "money": [
                        {"rule_id": m["rule_id"], "amount": m["amount"]}
                        for m in rows.get(subject, {}).get("money", ())
                    ],
                }
                for subject in sorted(set(hits) | set(rows))
            ],
        }

    def sheet(self, header: Header, row: SheetRow) -> dict[str, Any] | None:
        return self.chunks.sheet(header.run_id, row.chunk, row.subject_id)

    def sheets(self, header: Header) -> dict[str, dict[str, Any]]:
        return self.chunks.all_sheets(header.run_id)

    def facts_of(self, header: Header) -> str:
        """The facts document the evaluation was computed from (canonical JSON)."""
        key = self._key(
            header.scheme_id,
            header.period.label,
            None if header.kind is Kind.PROVISIONAL else header.edition,
        )
        doc = self._query(pk=key).only("facts").first()
        return "" if doc is None else zlib.decompress(doc.facts).decode("utf-8")

    # -- mapping -------------------------------------------------------------------------------

    def _to_document(self, computed: Computed) -> EvaluationDocument:
        header = computed.header
        edition = None if header.kind is Kind.PROVISIONAL else header.edition
        return EvaluationDocument(
            key=self._key(header.scheme_id, header.period.label, edition),
            tenant_id=self.tenant_id,
            scheme_id=header.scheme_id,
            period=header.period.label,
            period_kind=header.period.kind,
            first_day=header.period.start.isoformat(),
            last_day=header.period.end.isoformat(),
            kind=header.kind.value,
            edition=header.edition,
            run_id=header.run_id,
            scheme_version=header.scheme_version,
            scheme_digest=header.scheme_digest,
            subject_kind=header.subject_kind,
            reason=header.reason,
            supersedes=header.supersedes,
            evaluated_at=header.evaluated_at,
            evaluated_by=header.evaluated_by,
            subjects=len(header.rows),
            incomplete=header.incomplete,
            mean_total=None if header.mean_total is None else str(header.mean_total),
            facts_digest=header.facts_digest,
            chunks=header.chunks,
            rows=_pack([row.to_dict() for row in header.rows]),
            rules=_pack(dict(header.rules)),
            streak_hits=_pack({k: list(v) for k, v in header.streak_hits.items()}),
            facts=zlib.compress(computed.facts.encode("utf-8"), 6),
        )


def _pack(value: object) -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), 6)


def _unpack(data: bytes) -> Any:
    return json.loads(zlib.decompress(data).decode("utf-8"))


def _utc(value: datetime) -> datetime:
    """Stored datetimes come back naive (UTC)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _period(kind: str, label: str, first_day: str, last_day: str) -> Period:
    return Period(kind, label, date.fromisoformat(first_day), date.fromisoformat(last_day))


def _to_header(doc: EvaluationDocument) -> Header:
    hits: Mapping[str, list[str]] = _unpack(doc.streak_hits)
    return Header(
        scheme_id=doc.scheme_id,
        scheme_version=doc.scheme_version,
        scheme_digest=doc.scheme_digest,
        subject_kind=doc.subject_kind,
        period=_period(doc.period_kind, doc.period, doc.first_day, doc.last_day),
        kind=Kind(doc.kind),
        edition=doc.edition,
        run_id=doc.run_id,
        reason=doc.reason,
        supersedes=doc.supersedes,
        evaluated_at=_utc(doc.evaluated_at),
        evaluated_by=doc.evaluated_by,
        rows=tuple(SheetRow.from_dict(row) for row in _unpack(doc.rows)),
        mean_total=None if doc.mean_total is None else Decimal(doc.mean_total),
        rules=_unpack(doc.rules),
        streak_hits={k: tuple(v) for k, v in hits.items()},
        facts_digest=doc.facts_digest,
        chunks=doc.chunks,
        revision=doc.revision,
    )


def _summary(row: Mapping[str, Any]) -> EditionSummary:
    mean_total = row.get("mean_total")
    supersedes = row.get("supersedes")
    reason = row.get("reason")
    return EditionSummary(
        scheme_id=str(row["scheme_id"]),
        period=_period(
            str(row["period_kind"]), str(row["period"]), str(row["first_day"]), str(row["last_day"])
        ),
        kind=Kind(str(row["kind"])),
        edition=int(row["edition"]),
        scheme_version=int(row["scheme_version"]),
        reason=None if reason is None else str(reason),
        supersedes=None if supersedes is None else int(supersedes),
        evaluated_at=_utc(row["evaluated_at"]),
        evaluated_by=str(row["evaluated_by"]),
        subjects=int(row["subjects"]),
        incomplete=int(row["incomplete"]),
        mean_total=None if mean_total is None else Decimal(str(mean_total)),
    )
