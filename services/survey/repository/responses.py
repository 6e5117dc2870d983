"""The response repository: received answers, their review, and the approved answers the
rates count.

Ids are keyed derivations of what made the response unique (the link, the interview's client
request, the results file's row), so the first insert claims it and a second one, racing or
retried, fails on the `_id` (FerretDB's updates are not atomic, its inserts are): a link
answers once. Being keyed (HMAC), an id cannot be recomputed from a link or a code by anyone
reading the store without the keys.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from services.survey.documents.responses import ResponseDocument
from services.survey.domain.rates import RatedAnswer, Source
from services.survey.domain.responses import (
    Channel,
    Flag,
    Response,
    Review,
    answers_json,
)
from shared.crypto import field_crypto
from shared.events.domain import DomainEvent
from shared.mongo import Page, TenantRepository

RESPONSE_HOUSEHOLD_PURPOSE = "survey.response_household"
RESPONSE_ID_PURPOSE = "survey.response_id"
_RATED_FIELDS = ("grid_id", "division_id", "worker_id", "credit")


class ResponseRepository(TenantRepository[ResponseDocument]):
    document = ResponseDocument

    # -- keys --------------------------------------------------------------------------------

    def _derived(self, *parts: str) -> str:
        tag = field_crypto().hasher.tag(
            "\x1f".join(parts), tenant_id=self.tenant_id, purpose=RESPONSE_ID_PURPOSE
        )
        return "r" + tag.partition(":")[2]

    def web_response_id(self, link_hash: str) -> str:
        """The id of the one response a link may record."""
        return self._derived("web", link_hash)

    def interview_response_id(self, campaign_id: str, actor: str, request_id: str) -> str:
        """The id of an interview entered with the client's ``request_id`` by ``actor``."""
        return self._derived("phone", campaign_id, actor, request_id)

    def file_response_id(self, campaign_id: str, code: str) -> str:
        """The id of the results file's answer for respondent ``code`` (one per code)."""
        return self._derived("file", campaign_id, code)

    def response_key(self, household_key: str) -> str:
        """The response's tag of a frame household key: a second tag under a purpose of its
        own, so the response cannot be joined to the frame entry without the keys."""
        return field_crypto().hasher.tag(
            household_key, tenant_id=self.tenant_id, purpose=RESPONSE_HOUSEHOLD_PURPOSE
        )

    # -- reads -------------------------------------------------------------------------------

    def find(self, response_id: str) -> Response | None:
        doc = self.get(response_id)
        return None if doc is None else _to_domain(doc)

    def answered_before(self, period: str, source: Source, household_key: str) -> bool:
        """True when the household has a response in ``period`` for ``source`` already."""
        found = self._query(period=period, source=source.value, household_key=household_key)
        return found.only("response_id").first() is not None

    def list_responses(
        self,
        campaign_id: str,
        *,
        offset: int,
        limit: int,
        review: str | None = None,
        flagged: bool | None = None,
    ) -> Page[Response]:
        """One page of the campaign's responses in id order (ids are keyed hashes: the order
        says nothing about when or from whom an answer came)."""
        filters: dict[str, Any] = {"campaign_id": campaign_id}
        if review is not None:
            filters["review"] = review
        if flagged is not None:
            filters["flagged"] = flagged
        page = self.list(offset=offset, limit=limit, order_by=("id",), **filters)
        return page.map(_to_domain)

    def clean_ids(self, campaign_id: str) -> list[str]:
        """The ids of the campaign's received, unflagged responses."""
        rows = self.all_values(
            ("review",), campaign_id=campaign_id, review=Review.RECEIVED.value, flagged=False
        )
        return sorted(str(row["_id"]) for row in rows)

    def summary(self, campaign_id: str) -> dict[str, int]:
        """The campaign's responses by review state, and how many are flagged."""
        counts = {review.value: 0 for review in Review}
        counts["flagged"] = 0
        for row in self.all_values(("review", "flagged"), campaign_id=campaign_id):
            counts[row["review"]] = counts.get(row["review"], 0) + 1
            counts["flagged"] += bool(row["flagged"])
        return counts

    # -- writes ------------------------------------------------------------------------------

    def add_response(self, response: Response) -> Response:
        """Insert a new response; `Conflict` when its id is taken (the link, interview or
        row was recorded before)."""
        self.add(_to_document(response))
        return replace(response, revision=1)

    def save_response(self, response: Response, events: Sequence[DomainEvent]) -> Response:
        """Write back a response read at ``response.revision`` with its events;
        `ConcurrentUpdate` when it moved on meanwhile."""
        doc = _to_document(response)
        doc.revision = response.revision
        self.save(doc, events)
        return replace(response, revision=response.revision + 1)

    # -- the rates' read -----------------------------------------------------------------------

    def rated_answers(self, period_label: str, source: Source) -> list[RatedAnswer]:
        """Every approved answer of ``period_label`` for ``source`` that carries a credit, as
        the rates count it: one equality on (review, period, source) and four scalar fields
        per answer, read from PostgreSQL in one statement (50,000 answers in well under a
        second), without decoding a document."""
        rows = self.all_values(
            _RATED_FIELDS,
            review=Review.APPROVED.value,
            period=period_label,
            source=source.value,
        )
        # A questionnaire has a handful of credits: parse each once, not 50,000 times.
        credits: dict[str, Decimal] = {}
        found: list[RatedAnswer] = []
        for row in rows:
            text = row["credit"]
            if text is None:
                continue
            credit = credits.get(text)
            if credit is None:
                credit = credits[text] = Decimal(text)
            found.append(
                RatedAnswer(
                    source=source,
                    grid_id=row["grid_id"],
                    division_id=row["division_id"],
                    worker_id=row["worker_id"],
                    credit=credit,
                )
            )
        return found


def _to_document(response: Response) -> ResponseDocument:
    return ResponseDocument(
        response_id=response.response_id,
        tenant_id=response.tenant_id,
        campaign_id=response.campaign_id,
        period_kind=response.period_kind,
        period=response.period,
        source=response.source.value,
        grid_id=response.grid_id,
        division_id=response.division_id,
        worker_id=response.worker_id,
        channel=response.channel.value,
        questionnaire_id=response.questionnaire_id,
        questionnaire_version=response.questionnaire_version,
        answers=answers_json(response.answers),
        satisfaction_option=response.satisfaction_option,
        credit=None if response.credit is None else str(response.credit),
        duration_seconds=response.duration_seconds,
        flags=sorted(flag.value for flag in response.flags),
        flagged=response.flagged,
        received_on=response.received_on.isoformat(),
        household_key=response.household_key,
        review=response.review.value,
        review_reason=response.review_reason,
        reviewed_by=response.reviewed_by,
        reviewed_at=response.reviewed_at,
    )


def _to_domain(doc: ResponseDocument) -> Response:
    return Response(
        response_id=doc.response_id,
        tenant_id=doc.tenant_id,
        campaign_id=doc.campaign_id,
        period_kind=doc.period_kind,
        period=doc.period,
        source=Source(doc.source),
        grid_id=doc.grid_id,
        division_id=doc.division_id,
        worker_id=doc.worker_id,
        channel=Channel(doc.channel),
        questionnaire_id=doc.questionnaire_id,
        questionnaire_version=doc.questionnaire_version,
        answers=json.loads(doc.answers),
        satisfaction_option=doc.satisfaction_option,
        credit=None if doc.credit is None else Decimal(doc.credit),
        duration_seconds=doc.duration_seconds,
        flags=frozenset(Flag(flag) for flag in doc.flags),
        received_on=date.fromisoformat(doc.received_on),
        household_key=doc.household_key,
        review=Review(doc.review),
        review_reason=doc.review_reason,
        reviewed_by=doc.reviewed_by,
        reviewed_at=doc.reviewed_at,
        revision=doc.revision,
    )
