"""Appeals over the real ledger, registry read model and manual inputs on FerretDB: an
accepted appeal publishes the next edition in which only the appealed line and what follows
from it change (every sheet of both editions compared line by line), a ledger-fed fact by a
fact adjustment traced as "appeal", a manual input by its correction; a rejected appeal
changes nothing; one open appeal per line; the window and the overdue job on the Qingming
calendar of 2024 (April 4-6 off, Sunday April 7 a working day)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from services.scoring.documents.appeals import AppealDocument
from services.scoring.tests.integration.appeal_support import seed_march, task_completed
from services.scoring.use_cases import appeals, evaluations, manual_inputs
from services.scoring.use_cases.context import ScoringContext
from shared.errors import Conflict, InvalidInput, NotFound, StateConflict
from shared.events.contracts import validate_envelope
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

TENANT = "tenant-a"
PUBLISHED = datetime(2024, 4, 2, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Shanghai
FILED = datetime(2024, 4, 3, 2, 0, tzinfo=UTC)  # Wednesday
DECIDED = datetime(2024, 4, 8, 3, 0, tzinfo=UTC)


def centre(now: datetime = FILED) -> ScoringContext:
    return ScoringContext(
        tenant_id=TENANT, actor="u-centre", roles=frozenset({"center-staff"}), clock=lambda: now
    )


def worker(user: str, now: datetime = FILED, tenant: str = TENANT) -> ScoringContext:
    return ScoringContext(
        tenant_id=tenant, actor=user, roles=frozenset({"grid-worker"}), clock=lambda: now
    )


@pytest.fixture
def march(fresh_db) -> dict[str, str]:
    """March 2024 of seed 004, published on April 2 (`appeal_support.seed_march`)."""
    return seed_march(centre(PUBLISHED))


def file(ctx: ScoringContext, subject: str = "w-1", line: str = "info_subsidy", **more: Any):
    arguments = {
        "scheme_id": "shanhu",
        "period": "2024-03",
        "subject_id": subject,
        "line": line,
        "text": "有两条有效信息未计入",
        "request_id": f"req-{subject}-{line}",
    } | more
    return appeals.file_appeal(ctx, **arguments)


def sheets(edition: int) -> dict[str, dict[str, Any]]:
    header = centre().evaluations.final("shanhu", "2024-03", edition)
    assert header is not None
    return centre().evaluations.sheets(header)


def differences(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> set:
    """(subject, part) of every sheet part that differs: lines by indicator, money lines by
    rule, facts by input, and total, rank, grade, flags, money_total."""
    assert set(before) == set(after)
    found = set()
    for subject, old in before.items():
        new = after[subject]
        for key in ("total", "rank", "grade", "flags", "money_total", "assessable", "missing"):
            if old[key] != new[key]:
                found.add((subject, key))
        for part, ident in (("lines", "indicator_id"), ("money", "rule_id"), ("facts", "input_id")):
            olds = {item[ident]: item for item in old[part]}
            news = {item[ident]: item for item in new[part]}
            assert set(olds) == set(news)
            found |= {(subject, f"{part}:{k}") for k in olds if olds[k] != news[k]}
    return found


def money_of(sheet: dict[str, Any], rule: str) -> Decimal:
    return Decimal(next(m["amount"] for m in sheet["money"] if m["rule_id"] == rule))


def star_words(sheet: dict[str, Any]) -> str:
    return str(next(m["explain"]["zh"] for m in sheet["money"] if m["rule_id"] == "star_reward"))


def outbox(appeal_id: str) -> list[Envelope]:
    doc = AppealDocument.objects(tenant_id=TENANT, pk=appeal_id).get()
    return [Envelope.parse(entry.envelope) for entry in doc.outbox]


def test_an_accepted_appeal_of_a_ledger_fed_line_changes_only_that_line_in_edition_2(march):
    appeal = file(worker("w-1"))
    assert (appeal.edition, appeal.window_ends_on, appeal.due_on) == (
        1,
        date(2024, 4, 10),  # Apr 3, 7 (Sunday, worked), 8, 9, 10
        date(2024, 4, 11),  # from Apr 3: 7, 8, 9, 10, 11
    )
    # A late fact reaches the ledger after edition 1: the appeal's edition is not the place
    # to take it in (a correction of the period is).
    task_completed("w-1", "g-1", 1)
    decided = appeals.decide_appeal(
        centre(DECIDED),
        appeal_id=appeal.appeal_id,
        outcome="accepted",
        reason="核实：两条信息漏计",
        corrections=[{"input_id": "valid_info_reports", "value": 5}],
    )
    assert (decided.status.value, decided.correction_edition) == ("accepted", 2)
    [correction] = decided.decision.corrections
    assert (correction.input_id, correction.value, correction.previous) == (
        "valid_info_reports",
        "5",
        "3",
    )

    before, after = sheets(1), sheets(2)
    assert differences(before, after) == {
        ("w-1", "money:info_subsidy"),
        # March ends a quarter: the star ranking reads the quarter's pay, so its basis moves
        # (from 1030 to 1050 yuan) though w-1's rank and tier stay.
        ("w-1", "money:star_reward"),
        ("w-1", "money_total"),
        ("w-1", "facts:valid_info_reports"),
    }
    assert money_of(before["w-1"], "star_reward") == money_of(after["w-1"], "star_reward")
    # 200 - (20 - 3) x 10 = 30 before; 200 - (20 - 5) x 10 = 50 after.
    assert money_of(before["w-1"], "info_subsidy") == Decimal("30.00")
    assert money_of(after["w-1"], "info_subsidy") == Decimal("50.00")
    assert Decimal(after["w-1"]["money_total"]) - Decimal(before["w-1"]["money_total"]) == 20
    fact = next(f for f in after["w-1"]["facts"] if f["input_id"] == "valid_info_reports")
    assert fact["value"] == "5"
    first, *ledger = fact["trace"]
    assert (first["source"], first["ref"], first["note"]) == (
        "appeal",
        appeal.appeal_id,
        "核实：两条信息漏计",
    )
    assert first["attributes"]["replaced"] == "3"
    assert len(ledger) == 3
    assert {item["source"] for item in ledger} == {"ledger"}

    view = evaluations.get_evaluation(centre(), scheme_id="shanhu", period="2024-03")
    assert [(e.edition, e.supersedes) for e in view.editions] == [(1, None), (2, 1)]
    assert appeal.appeal_id in (view.editions[1].reason or "")
    # The adjustment stays: the centre's next correction keeps it (and takes the late task).
    later = evaluations.correct_period(
        centre(DECIDED), scheme_id="shanhu", period="2024-03", reason="月末复核"
    )
    row = later.row("w-1")
    assert row is not None
    assert {m.rule_id: m.amount for m in row.money}["info_subsidy"] == Decimal("50.00")

    events = outbox(appeal.appeal_id)
    assert [e.type for e in events] == ["appeal.filed", "appeal.decided"]
    for event in events:
        validate_envelope(event)
        assert "核实" not in str(event.payload)
        assert "漏计" not in str(event.payload)
    assert events[1].payload["correction_edition"] == 2


def test_an_accepted_appeal_of_a_manual_input_corrects_it_and_republishes(march):
    appeal = file(centre(), subject="w-2", text="违建系前任网格员期间发生")
    decided = appeals.decide_appeal(
        centre(DECIDED),
        appeal_id=appeal.appeal_id,
        outcome="accepted",
        reason="经核实不属实",
        corrections=[{"input_id": "unreported_violation", "value": False}],
    )
    assert decided.correction_edition == 2
    before, after = sheets(1), sheets(2)
    assert differences(before, after) == {
        ("w-2", "money:info_subsidy"),
        ("w-2", "money_total"),
        ("w-2", "facts:unreported_violation"),
        # March ends a quarter and the stars rank the quarter's pay: w-2 moves from 800 yuan
        # (rank 2, tied with w-3) to 860 (rank 1), w-1 (830) from 1 to 2, w-3 from 2 to 3.
        # Every rank stays in the first tier: the words change, no amount does.
        ("w-1", "money:star_reward"),
        ("w-2", "money:star_reward"),
        ("w-3", "money:star_reward"),
    }
    for worker_id in ("w-1", "w-2", "w-3"):
        assert money_of(after[worker_id], "star_reward") == Decimal("300.00")
    assert "（860）排名第1名" in star_words(after["w-2"])
    assert "（800）排名第2名" in star_words(before["w-3"])
    assert "（800）排名第3名" in star_words(after["w-3"])
    # Cancelled before; 200 - (20 - 6) x 10 = 60 once the violation is struck out.
    assert money_of(before["w-2"], "info_subsidy") == Decimal("0.00")
    assert money_of(after["w-2"], "info_subsidy") == Decimal("60.00")
    corrected = manual_inputs.get_manual_input(centre(), manual_input_id=march["w-2"])
    assert [r.value for r in corrected.revisions] == [True, False]
    assert appeal.appeal_id in (corrected.current.reason or "")
    # Deciding it again is a conflict; nothing more is published.
    with pytest.raises(StateConflict):
        appeals.decide_appeal(
            centre(DECIDED), appeal_id=appeal.appeal_id, outcome="accepted", reason="再次"
        )
    assert [e.edition for e in centre().evaluations.editions("shanhu", "2024-03")] == [1, 2]


def test_a_rejected_appeal_changes_nothing(march):
    appeal = file(worker("w-2"), subject="w-2")
    decided = appeals.decide_appeal(
        centre(DECIDED), appeal_id=appeal.appeal_id, outcome="rejected", reason="证据不足"
    )
    assert (decided.status.value, decided.correction_edition) == ("rejected", None)
    assert [e.edition for e in centre().evaluations.editions("shanhu", "2024-03")] == [1]
    kept = manual_inputs.get_manual_input(centre(), manual_input_id=march["w-2"])
    assert [r.value for r in kept.revisions] == [True]
    assert [e.type for e in outbox(appeal.appeal_id)] == ["appeal.filed", "appeal.decided"]
    # The line may be appealed again once this one is decided.
    again = file(worker("w-2"), subject="w-2", request_id="req-2")
    assert again.appeal_id != appeal.appeal_id


def test_a_correction_not_behind_the_line_or_of_the_wrong_type_is_named(march):
    appeal = file(worker("w-1"))
    with pytest.raises(InvalidInput) as refused:
        appeals.decide_appeal(
            centre(DECIDED),
            appeal_id=appeal.appeal_id,
            outcome="accepted",
            reason="x",
            corrections=[{"input_id": "dispatched_tasks_completed", "value": 4}],
        )
    assert refused.value.field == "corrections.0.input_id"
    with pytest.raises(InvalidInput) as refused:
        appeals.decide_appeal(
            centre(DECIDED),
            appeal_id=appeal.appeal_id,
            outcome="accepted",
            reason="x",
            corrections=[{"input_id": "unreported_violation", "value": "maybe"}],
        )
    assert refused.value.field == "corrections.0.value"
    assert appeals.get_appeal(centre(), appeal_id=appeal.appeal_id).status.value == "open"


def test_one_open_appeal_per_line_and_a_retry_answers_the_first(march):
    first = file(worker("w-1"))
    assert file(worker("w-1")) == first  # the same request id
    with pytest.raises(Conflict) as refused:
        file(centre(), request_id="another")
    assert first.appeal_id in str(refused.value)
    other_line = file(worker("w-1"), line="task_reward", request_id="req-task")
    assert other_line.appeal_id != first.appeal_id


def test_the_window_closes_after_five_working_days(march):
    last_day = datetime(2024, 4, 10, 15, 0, tzinfo=UTC)  # 23:00 on April 10 in Shanghai
    assert file(worker("w-1", now=last_day)).window_ends_on == date(2024, 4, 10)
    day_after = datetime(2024, 4, 10, 16, 30, tzinfo=UTC)  # 00:30 on April 11
    with pytest.raises(InvalidInput) as refused:
        file(worker("w-1", now=day_after), line="task_reward")
    assert refused.value.field == "period"
    # A tenant with a longer window takes it.
    appeals.update_settings(centre(), window_days=8, review_days=3)
    late = file(worker("w-1", now=day_after), line="task_reward")
    assert late.due_on == date(2024, 4, 16)  # Apr 11: 12, 15, 16


def test_a_subject_files_and_sees_only_his_own(march):
    mine = file(worker("w-1"))
    with pytest.raises(NotFound):
        file(worker("w-2"), subject="w-1", request_id="x")  # another's sheet
    with pytest.raises(NotFound):
        appeals.get_appeal(worker("w-2"), appeal_id=mine.appeal_id)
    with pytest.raises(NotFound):
        appeals.get_appeal(worker("w-1", tenant="tenant-b"), appeal_id=mine.appeal_id)
    theirs = file(centre(), subject="w-2", request_id="for-w2")
    own = appeals.list_appeals(worker("w-1"), offset=0, limit=10)
    assert [a.appeal_id for a in own.items] == [mine.appeal_id]
    every = appeals.list_appeals(centre(), offset=0, limit=10)
    assert {a.appeal_id for a in every.items} == {mine.appeal_id, theirs.appeal_id}


def test_overdue_appeals_are_listed_and_marked_once(march):
    appeal = file(worker("w-1"))  # due April 11
    on_due_day = datetime(2024, 4, 11, 10, 0, tzinfo=UTC)
    after = datetime(2024, 4, 11, 16, 30, tzinfo=UTC)  # 00:30 on April 12 in Shanghai
    job = appeals.OverdueJob()
    assert job(on_due_day) == 0
    listed = appeals.list_appeals(centre(after), offset=0, limit=10, overdue=True)
    assert [a.appeal_id for a in listed.items] == [appeal.appeal_id]
    assert appeals.list_appeals(centre(on_due_day), offset=0, limit=10, overdue=True).total == 0
    assert job(after) == 1
    assert job(after) == 0
    events = outbox(appeal.appeal_id)
    assert [e.type for e in events] == ["appeal.filed", "appeal.overdue"]
    # Overdue, it can still be decided; then it is no longer listed as overdue.
    appeals.decide_appeal(centre(after), appeal_id=appeal.appeal_id, outcome="rejected", reason="x")
    assert appeals.list_appeals(centre(after), offset=0, limit=10, overdue=True).total == 0
