"""Bulletins composed by hand: movement, red and black lists (ties, grades), streak notices
raised by the published history (seed 003's interview and veto)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import yaml

from services.scoring.domain.bulletins import (
    Bulletin,
    BulletinPublished,
    ListBy,
    Movement,
    Named,
    Source,
    compose,
)
from services.scoring.domain.engine import evaluate
from services.scoring.domain.evaluations import Kind, SheetRow, compute
from services.scoring.domain.facts import load_facts
from services.scoring.domain.results import Evaluation
from services.scoring.templates import DIRECTORY, load_template
from shared.events.contracts import validate_payload
from shared.periods import Period, parse_period

AT = datetime(2026, 12, 2, tzinfo=UTC)
GRADES = [Named("excellent", "优秀", "excellent"), Named("good", "良好", "good"),
          Named("poor", "较差", "poor")]  # fmt: skip


def row(
    subject: str, rank: int | None, total: str | None, grade: str | None = None, *flags: str
) -> SheetRow:
    return SheetRow(
        subject_id=subject,
        subject_name=f"名{subject}",
        assessable=rank is not None,
        total=None if total is None else Decimal(total),
        rank=rank,
        grade=grade,
        grade_zh=None,
        grade_en=None,
        flags=flags,
        money_total=Decimal(0),
        money=(),
        missing=(),
        chunk=0,
    )


def source(period: str) -> Source:
    return Source(period=period, edition=1, scheme_version=1, evaluated_at=AT)


def bulletin(
    rows: list[SheetRow],
    previous: list[SheetRow] | None = None,
    *,
    size: int = 2,
    by: ListBy = ListBy.RANK,
    streaks: list[Named] | None = None,
) -> Bulletin:
    return compose(
        scheme_id="s",
        scheme_name="方案",
        subject_kind="division",
        period_kind="month",
        period="2026-11",
        first_day="2026-11-01",
        last_day="2026-11-30",
        source=source("2026-11"),
        rows=rows,
        previous=None if previous is None else source("2026-10"),
        previous_rows=previous or [],
        streaks=streaks or [],
        grades=GRADES,
        list_by=by,
        size=size,
        published_at=AT,
        published_by="u-centre",
    )


def test_movement_since_the_previous_published_period() -> None:
    before = [row("a", 1, "95"), row("b", 2, "90"), row("c", 3, "80"), row("e", None, None)]
    now = [
        row("b", 1, "96"),
        row("a", 2, "94"),
        row("c", 3, "81"),
        row("d", 4, "70"),
        row("e", 5, "60"),  # not assessable before: new
        row("f", None, None),  # not assessable now: no movement
    ]
    made = bulletin(now, before)
    moves = {s.subject_id: (s.movement, s.change) for s in made.standings}
    assert moves == {
        "b": (Movement.UP, 1),
        "a": (Movement.DOWN, -1),
        "c": (Movement.SAME, 0),
        "d": (Movement.NEW, None),
        "e": (Movement.NEW, None),
        "f": (None, None),
    }
    first = bulletin(now)  # the first bulletin: everyone assessable is new
    assert {s.movement for s in first.standings if s.assessable} == {Movement.NEW}


def test_red_and_black_lists_by_rank_never_split_a_tie() -> None:
    rows = [
        row("a", 1, "98"),
        row("b", 2, "95"),
        row("c", 2, "95"),  # tied second: both red with size 2
        row("d", 4, "90"),
        row("e", 5, "70"),
        row("f", 5, "70"),  # tied last: both black, worst first then by id
        row("g", None, None),
    ]
    made = bulletin(rows, size=2)
    assert made.red == ("a", "b", "c")
    assert made.black == ("e", "f")
    one = bulletin(rows, size=1)
    assert (one.red, one.black) == (("a",), ("e", "f"))


def test_equal_totals_name_no_one_and_a_subject_is_never_on_both_lists() -> None:
    level = [row("a", 1, "0"), row("b", 1, "0"), row("c", 1, "0")]
    assert (bulletin(level).red, bulletin(level).black) == ((), ())
    three = [row("a", 1, "90"), row("b", 2, "80"), row("c", 3, "70")]
    made = bulletin(three, size=2)
    assert made.red == ("a", "b")
    assert made.black == ("c",)


def test_lists_by_grade_are_the_best_and_worst_levels() -> None:
    rows = [
        row("a", 1, "98", "excellent"),
        row("b", 2, "90", "good"),
        row("c", 3, "60", "poor"),
        row("d", 4, "55", "poor"),
    ]
    made = bulletin(rows, by=ListBy.GRADE)
    assert (made.red, made.black) == (("a",), ("d", "c"))


def test_notices_are_the_flags_the_history_raised() -> None:
    interview = Named("interview", "连续3个月排名后2位，视情约谈", "interview")
    veto = Named("veto", "一票否决", "veto")
    rows = [
        row("a", 1, "90"),
        row("b", 2, "80", None, "interview"),
        row("c", 3, "70", None, "veto"),
        row("d", 4, "60", None, "interview"),
    ]
    made = bulletin(rows, streaks=[interview, veto])
    assert [(n.flag.id, n.subjects) for n in made.notices] == [
        ("interview", ("b", "d")),
        ("veto", ("c",)),
    ]
    payload = BulletinPublished(made).payload()
    assert payload["notices"] == [
        {"flag": "interview", "subjects": ["b", "d"]},
        {"flag": "veto", "subjects": ["c"]},
    ]
    assert "名b" not in str(payload)
    validate_payload("bulletin.published", 1, payload)


def test_seed_003_history_raises_the_interview_at_month_3_and_the_veto_at_month_6() -> None:
    """Seed 003: the bottom two below the mean three months running are interviewed (约谈),
    six months running vetoed (一票否决). Over the worked example's three villages, repeated
    each month, B and C are the bottom two, and only C is also below the mean."""
    scheme = load_template("seed_003_township_monthly_ranking")
    example = yaml.safe_load(
        (DIRECTORY / "examples" / "seed_003_township_monthly_ranking.facts.yaml").read_text(
            encoding="utf-8"
        )
    )
    streaks = [Named(s.id, s.name.zh, s.name.en) for s in scheme.streaks]
    history: list[Evaluation] = []
    notices: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    previous: list[SheetRow] = []
    for month in range(1, 7):
        label = f"2026-{month:02d}"
        month_period = parse_period("month", label)
        assert isinstance(month_period, Period)
        facts = load_facts({**example, "period": label})
        evaluation = evaluate(scheme, facts, history)
        history.append(evaluation)
        rows = compute(
            scheme=scheme,
            scheme_digest="",
            period=month_period,
            evaluation=evaluation,
            facts=facts,
            trace={},
            kind=Kind.FINAL,
            edition=1,
            run_id=label,
            reason=None,
            evaluated_at=AT,
            evaluated_by="u",
        ).header.rows
        if month == 1:
            ranked = sorted(rows, key=lambda r: r.rank or 0)
            mean = sum(r.total or 0 for r in rows) / len(rows)
            bottom = {r.subject_id for r in ranked[-2:] if (r.total or 0) < mean}
        made = bulletin(list(rows), previous or None, streaks=streaks)
        notices[label] = [(n.flag.id, n.subjects) for n in made.notices]
        previous = list(rows)
    assert bottom == {"C"}, bottom
    assert notices["2026-01"] == notices["2026-02"] == []
    assert [(flag, set(ids)) for flag, ids in notices["2026-03"]] == [("interview", bottom)]
    assert [(flag, set(ids)) for flag, ids in notices["2026-05"]] == [("interview", bottom)]
    # the veto supersedes the interview
    assert [(flag, set(ids)) for flag, ids in notices["2026-06"]] == [("veto", bottom)]
