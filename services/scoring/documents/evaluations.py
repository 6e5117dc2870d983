"""Evaluations (考核结果) and their score sheets.

`EvaluationDocument`: one per final edition (``<tenant>|<scheme>|<period>|<edition>``: the
insert of edition n is what locks it, once) and one provisional per scheme and period
(``...|provisional``, rewritten under its lease). The rows, rules, streak hits and facts are
zlib-compressed canonical JSON: read whole, never queried inside (FerretDB cannot index them,
and a 500-subject period is 5-10 MB of JSON that compresses tenfold).

`ScoreSheetChunkDocument`: the full sheets of one evaluation run, `SHEETS_PER_CHUNK` subjects
per document (``<tenant>|<run>|<chunk>``): a period of 500 subjects is five inserts, and one
subject's sheet is one read. An evaluation's header names its `run_id`; the sheets of a run no
header names (a lost race, a provisional run replaced) are deleted by run.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.scoring.domain.evaluations import REASON_MAX
from shared.mongo import TenantDocument


class EvaluationDocument(TenantDocument):
    meta: ClassVar[dict[str, Any]] = {
        "collection": "evaluations",
        "indexes": [
            ("tenant_id", "scheme_id", "kind"),
            ("tenant_id", "scheme_id", "period", "kind"),
        ],
    }

    key = me.StringField(primary_key=True)
    scheme_id = me.StringField(required=True, max_length=64)
    period = me.StringField(required=True, max_length=32)
    period_kind = me.StringField(required=True, max_length=16)
    first_day = me.StringField(required=True, max_length=10)
    last_day = me.StringField(required=True, max_length=10)
    kind = me.StringField(required=True, choices=("final", "provisional"))
    edition = me.IntField(required=True, min_value=0)
    run_id = me.StringField(required=True, max_length=64)
    scheme_version = me.IntField(required=True, min_value=1)
    scheme_digest = me.StringField(required=True, max_length=64)
    subject_kind = me.StringField(required=True, max_length=16)
    reason = me.StringField(max_length=REASON_MAX)
    supersedes = me.IntField(min_value=1)
    evaluated_at = me.DateTimeField(required=True)
    evaluated_by = me.StringField(required=True, max_length=64)
    subjects = me.IntField(required=True, min_value=0)
    incomplete = me.IntField(required=True, min_value=0)
    mean_total = me.StringField(max_length=40)
    facts_digest = me.StringField(required=True, max_length=64)
    chunks = me.IntField(required=True, min_value=1)
    rows = me.BinaryField(required=True)
    rules = me.BinaryField(required=True)
    streak_hits = me.BinaryField(required=True)
    facts = me.BinaryField(required=True)


class ScoreSheetChunkDocument(TenantDocument):
    publishes_events: ClassVar[bool] = False
    meta: ClassVar[dict[str, Any]] = {
        "collection": "score_sheets",
        "indexes": [("tenant_id", "run_id")],
    }

    key = me.StringField(primary_key=True)
    run_id = me.StringField(required=True, max_length=64)
    chunk = me.IntField(required=True, min_value=0)
    scheme_id = me.StringField(required=True, max_length=64)
    period = me.StringField(required=True, max_length=32)
    subjects = me.ListField(me.StringField(max_length=64), default=list)
    sheets = me.BinaryField(required=True)
