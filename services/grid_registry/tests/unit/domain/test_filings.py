from datetime import UTC, date, datetime

import pytest

from services.grid_registry.domain import filings as domain
from shared.errors import InvalidInput, StateConflict

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def item(**overrides):
    args = {
        "code": "management_rules",
        "title": None,
        "due_on": date(2026, 11, 10),
        "required": True,
        "existing": [],
        "actor": "u-1",
        "now": NOW,
    } | overrides
    return domain.define_item(**args)


def file(filed_on=date(2026, 11, 5), current=None, filing_id="f-1", the_item=None, now=NOW):
    return domain.file_item(
        filing_id=filing_id,
        tenant_id="t-1",
        division_id="d-1",
        item=the_item or item(),
        current=current,
        filed_on=filed_on,
        document_title="东风村网格工作管理制度",
        document_number="东风〔2026〕1号",
        reference="file-123",
        actor="u-1",
        now=now,
    )


def test_a_default_item_takes_its_chinese_title():
    assert item().title == "网格工作管理制度"
    assert item(code="assessment_rules").title == "网格员考核办法"


def test_a_custom_item_needs_a_title_and_a_free_code():
    with pytest.raises(InvalidInput) as raised:
        item(code="safety_rules")
    assert raised.value.field == "title"
    with pytest.raises(InvalidInput) as raised:
        item(existing=[item()])
    assert raised.value.field == "code"


def test_filing_on_or_before_the_due_date_is_filed_after_it_late():
    _, on_time = file(filed_on=date(2026, 11, 10))
    _, late = file(filed_on=date(2026, 11, 11))
    assert (on_time.type, on_time.status) == ("filing.recorded", domain.FilingStatus.FILED)
    assert late.status is domain.FilingStatus.FILED_LATE


def test_a_second_active_filing_is_a_conflict():
    first, _ = file()
    with pytest.raises(StateConflict):
        file(current=first)


def test_a_future_filing_date_and_missing_evidence_are_reported():
    with pytest.raises(InvalidInput) as raised:
        domain.file_item(
            filing_id="f-1",
            tenant_id="t-1",
            division_id="d-1",
            item=item(),
            current=None,
            filed_on=date(2026, 11, 30),
            document_title=" ",
            document_number=None,
            reference="",
            actor="u-1",
            now=NOW,
        )
    assert [p.field for p in raised.value.problems] == [
        "filed_on",
        "evidence.document_title",
        "evidence.reference",
    ]


def test_withdrawing_makes_the_item_missing_and_twice_is_a_conflict():
    filing, _ = file()
    withdrawn, event = domain.withdraw(filing, item=item(), reason="版本错误", actor="u-2", now=NOW)
    assert event.type == "filing.withdrawn"
    assert event.status is domain.FilingStatus.MISSING
    assert withdrawn.withdrawal.withdrawn_on == date(2026, 11, 22)
    with pytest.raises(StateConflict):
        domain.withdraw(withdrawn, item=item(), reason="again", actor="u-2", now=NOW)


def test_the_checklist_answers_as_of_a_day_with_history():
    the_item = item()
    first, _ = file(filed_on=date(2026, 11, 5))
    first, _ = domain.withdraw(
        first, item=the_item, reason="错", actor="u", now=datetime(2026, 11, 12, 2, tzinfo=UTC)
    )
    second, _ = file(filed_on=date(2026, 11, 15), filing_id="f-2")
    assessment = item(code="assessment_rules")
    filings = [first, second]

    def statuses(day):
        return {
            line.item.code: line.status.value
            for line in domain.checklist([the_item, assessment], filings, day)
        }

    assert statuses(date(2026, 11, 4)) == {
        "management_rules": "missing",
        "assessment_rules": "missing",
    }
    assert statuses(date(2026, 11, 8))["management_rules"] == "filed"
    assert statuses(date(2026, 11, 13))["management_rules"] == "missing"
    assert statuses(date(2026, 11, 20))["management_rules"] == "filed_late"
    line = domain.checklist([the_item], filings, date(2026, 11, 20))[0]
    assert [f.filing_id for f in line.history] == ["f-2", "f-1"]


def test_a_retired_item_leaves_the_checklist_and_takes_no_filings():
    retired = domain.retire_item(item(), now=NOW)
    assert domain.checklist([retired], [], date(2026, 11, 21))
    assert domain.checklist([retired], [], date(2026, 11, 22)) == []
    with pytest.raises(StateConflict):
        domain.retire_item(retired, now=NOW)
    with pytest.raises(StateConflict):
        file(the_item=retired)
