"""Satisfaction rates: hand-counted cells, Wilson intervals, weighted combinations, the
definition's code, suppression that no subtraction gets around, explanations, the district
average."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest

from services.survey.domain import rates
from services.survey.domain.rates import (
    DEFAULT_DEFINITION,
    RatedAnswer,
    RateDefinition,
    Scope,
    Source,
    SourceTally,
    TenantRate,
)
from shared.errors import InvalidInput

D = Decimal
SURVEY_ONLY = DEFAULT_DEFINITION
MIXED = RateDefinition(weights={Source.SURVEY: D("0.7"), Source.HOTLINE: D("0.3")})


def answers(
    grid: str,
    credits: dict[str, int],
    *,
    source: Source = Source.SURVEY,
    division: str | None = "d1",
    worker: str | None = None,
) -> list[RatedAnswer]:
    """``credits``: how many answers counted each credit (``{"1": 7, "0.5": 2, "0": 1}``)."""
    worker = worker if worker is not None else f"w-{grid}"
    return [
        RatedAnswer(source, grid, division, worker, D(credit))
        for credit, count in credits.items()
        for _ in range(count)
    ]


def table(found: list[RatedAnswer], definition: RateDefinition = SURVEY_ONLY, minimum: int = 5):
    return rates.compute_rates(found, definition, tenant_id="t1", minimum=minimum)


# -- one cell -----------------------------------------------------------------------------------


def test_seven_satisfied_two_basic_at_half_one_unsatisfied_is_0_8():
    result = table(answers("g1", {"1": 7, "0.5": 2, "0": 1}))
    row = result.row(Scope.GRID, "g1")
    assert row is not None
    assert (row.n, row.satisfied, row.rate, row.suppressed) == (10, D("8.0"), D("0.8000"), False)
    # Wilson 95% for 8 of 10, as in any table: 0.4902 .. 0.9433.
    assert (row.interval.low, row.interval.high) == (D("0.4902"), D("0.9433"))
    assert row.division_id == "d1"
    tenant = result.row(Scope.TENANT, "t1")
    assert tenant.rate == D("0.8000")
    assert tenant.n == 10


def test_the_basic_credit_changes_the_rate_as_the_questionnaire_says():
    full = table(answers("g1", {"1": 9, "0": 1}))  # 基本满意 counted as 1 upstream
    none = table(answers("g1", {"1": 7, "0": 3}))  # ... and as 0
    assert full.row(Scope.GRID, "g1").rate == D("0.9000")
    assert none.row(Scope.GRID, "g1").rate == D("0.7000")


def test_rates_round_half_up_to_four_places():
    assert rates.cell_rate(3, D(2)) == D("0.6667")
    assert rates.cell_rate(8, D("0.5")) == D("0.0625")
    assert rates.cell_rate(16, D("0.5")) == D("0.0313")  # 0.03125 -> up


def test_wilson_stays_inside_zero_and_one():
    everyone = rates.wilson(20, D(20)).rounded()
    nobody = rates.wilson(20, D(0)).rounded()
    assert everyone.high == D("1.0000")
    assert D("0.8") < everyone.low < D(1)
    assert nobody.low == D("0.0000")
    assert D(0) < nobody.high < D("0.2")


# -- definitions --------------------------------------------------------------------------------


def test_a_definition_has_one_canonical_code():
    definition = rates.definition_of("hotline:0.30, survey:0.7", "0.50", SURVEY_ONLY)
    assert definition.code == "survey:0.7,hotline:0.3;basic:0.5"
    assert rates.parse_code(definition.code) == definition
    # The basic credit only matters with 12345 callbacks: no part of a survey-only code.
    assert rates.definition_of("survey", "1", SURVEY_ONLY).code == "survey:1"
    assert rates.definition_of(None, None, MIXED) == MIXED


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("survey:0.7,hotline:0.2", "add up to 1"),
        ("survey:0.7,survey:0.3", "twice"),
        ("phone:1", "unknown source"),
        ("survey:0,hotline:1", "above 0"),
        ("survey:0.33333,hotline:0.66667", "4 decimals"),
        ("", "at least one"),
    ],
)
def test_bad_sources_are_a_422_naming_sources(text, reason):
    with pytest.raises(InvalidInput) as caught:
        rates.parse_sources(text)
    assert caught.value.field == "sources"
    assert reason in caught.value.reason


def test_the_basic_credit_is_one_half_or_zero_and_codes_must_be_canonical():
    with pytest.raises(InvalidInput) as caught:
        rates.parse_basic_credit("0.7")
    assert caught.value.field == "basic_credit"
    with pytest.raises(InvalidInput) as caught:
        rates.parse_code("hotline:0.3,survey:0.7;basic:0.5")
    assert caught.value.field == "definition"
    assert "survey:0.7,hotline:0.3;basic:0.5" in caught.value.reason
    with pytest.raises(InvalidInput):
        rates.check_minimum(4)
    assert rates.check_minimum(8) == 8


# -- combining sources --------------------------------------------------------------------------


def test_sources_combine_by_weight_and_renormalise_when_one_is_missing():
    found = [
        *answers("g1", {"1": 8, "0": 2}),  # survey 0.8
        *answers("g1", {"1": 3, "0": 2}, source=Source.HOTLINE),  # hotline 0.6
        *answers("g2", {"1": 9, "0": 1}),  # survey only: 0.9
        *answers("g3", {"1": 6}, source=Source.WORKER_RATING),  # not in the definition
    ]
    result = table(found, MIXED)
    g1 = result.row(Scope.GRID, "g1")
    assert g1.rate == D("0.7400")  # 0.7 * 0.8 + 0.3 * 0.6
    assert (g1.n, g1.satisfied, g1.renormalised) == (15, D(11), False)
    assert [(f.source, f.n, f.rate, f.effective_weight) for f in g1.sources] == [
        (Source.SURVEY, 10, D("0.8000"), D("0.7000")),
        (Source.HOTLINE, 5, D("0.6000"), D("0.3000")),
    ]
    g2 = result.row(Scope.GRID, "g2")
    assert (g2.rate, g2.renormalised) == (D("0.9000"), True)
    assert g2.sources[0].effective_weight == D("1.0000")
    assert result.row(Scope.GRID, "g3") is None
    # The tenant: survey 17/20 = 0.85, hotline 3/5 = 0.6 -> 0.7 * 0.85 + 0.3 * 0.6 = 0.775.
    assert result.row(Scope.TENANT, "t1").rate == D("0.7750")
    # One source: the combined interval is that source's Wilson interval.
    assert g2.interval == g2.sources[0].interval


# -- suppression --------------------------------------------------------------------------------


def four_grids(small: int = 3) -> list[RatedAnswer]:
    return [
        *answers("g1", {"1": small}),
        *answers("g2", {"1": 8, "0": 2}),
        *answers("g3", {"1": 10, "0.5": 2}),
        *answers("g4", {"1": 14, "0": 1}),
    ]


def test_a_grid_with_three_answers_shows_no_rate_and_no_subtraction_reveals_it():
    result = table(four_grids())
    g1 = result.row(Scope.GRID, "g1")
    assert (g1.n, g1.satisfied, g1.rate, g1.interval, g1.suppressed) == (
        None,
        None,
        None,
        None,
        True,
    )
    # The tenant and the division are shown, so one more grid is hidden with it (the smallest):
    # tenant - g3 - g4 gives only g1 + g2 together, 13 answers.
    g2 = result.row(Scope.GRID, "g2")
    assert g2.suppressed
    assert g2.rate is None
    assert not result.row(Scope.GRID, "g3").suppressed
    assert not result.row(Scope.GRID, "g4").suppressed
    tenant = result.row(Scope.TENANT, "t1")
    division = result.row(Scope.DIVISION, "d1")
    assert (tenant.n, division.n) == (40, 40)
    # Each grid's worker is that grid: hidden with it.
    assert result.row(Scope.WORKER, "w-g1").suppressed
    assert result.row(Scope.WORKER, "w-g2").suppressed
    assert not result.row(Scope.WORKER, "w-g3").suppressed
    visible = sum(row.n for row in result.of_scope(Scope.GRID) if not row.suppressed)
    assert tenant.n - visible == 13


def test_a_hidden_source_hides_the_row_but_not_the_other_sources_cells():
    found = [*four_grids(small=6), *answers("g1", {"1": 2}, source=Source.HOTLINE)]
    found += answers("g2", {"1": 6}, source=Source.HOTLINE)
    found += answers("g3", {"1": 6}, source=Source.HOTLINE)
    result = table(found, MIXED)
    g1 = result.row(Scope.GRID, "g1")
    assert g1.suppressed
    assert g1.rate is None
    survey, hotline = g1.sources
    assert (survey.n, survey.rate, survey.suppressed) == (6, D("1.0000"), False)
    assert (hotline.n, hotline.rate, hotline.suppressed) == (None, None, True)
    # The hotline's complement: another grid's hotline cell, so that row is hidden too.
    hidden_hotline = [
        row.subject_id for row in result.of_scope(Scope.GRID) if row.sources[1].suppressed
    ]
    assert len(hidden_hotline) == 2


def test_a_tenant_below_the_minimum_hides_everything():
    result = table(answers("g1", {"1": 2}) + answers("g2", {"1": 2}))
    assert all(row.suppressed for row in result.rows)


def test_answers_without_a_worker_are_not_revealed_by_the_workers_rows():
    found = [
        *answers("g1", {"1": 10}),
        *answers("g2", {"1": 10}),
        *answers("g3", {"0": 2}, worker=""),  # no worker that day
        *answers("g3", {"1": 10}, worker="w-x"),
    ]
    for answer in found:
        assert answer.worker_id is not None
    cleaned = [
        RatedAnswer(a.source, a.grid_id, a.division_id, a.worker_id or None, a.credit)
        for a in found
    ]
    result = table(cleaned)
    tenant = result.row(Scope.TENANT, "t1")
    shown = [row for row in result.of_scope(Scope.WORKER) if not row.suppressed]
    # tenant - visible workers must not be exactly the two worker-less answers.
    assert tenant.suppressed or tenant.n - sum(row.n for row in shown) >= 5


def _span_reveals(target: list[int], visible: list[list[int]]) -> bool:
    """Whether ``target`` is a rational combination of ``visible`` (exact elimination)."""
    rows = [[Fraction(v) for v in row] for row in visible]
    width = len(target)
    basis: list[list[Fraction]] = []
    pivots: list[int] = []

    def reduce(vector: list[Fraction]) -> list[Fraction]:
        vector = vector[:]
        for row, pivot in zip(basis, pivots, strict=True):
            if vector[pivot]:
                factor = vector[pivot] / row[pivot]
                vector = [a - factor * b for a, b in zip(vector, row, strict=True)]
        return vector

    for row in rows:
        reduced = reduce(row)
        pivot = next((i for i in range(width) if reduced[i]), None)
        if pivot is not None:
            basis.append(reduced)
            pivots.append(pivot)
    return not any(reduce([Fraction(v) for v in target]))


@pytest.mark.parametrize("seed", range(60))
def test_no_hidden_cell_is_a_combination_of_shown_cells(seed):
    """Random small tenants (divisions, grids, workers serving one or two grids, answers
    without a worker): every hidden cell below the minimum is outside the span of the shown
    cells, so no sum or difference of published figures gives it."""
    rng = random.Random(seed)
    grids = [f"g{i}" for i in range(rng.randint(2, 6))]
    division_of = {grid: f"d{rng.randint(1, 2)}" for grid in grids}
    workers = [f"w{i}" for i in range(rng.randint(1, len(grids)))]
    found: list[RatedAnswer] = []
    for grid in grids:
        for _ in range(rng.choice([1, 2, 3, 4, 6, 8, 12])):
            worker = rng.choice([*workers, None]) if rng.random() < 0.5 else workers[0]
            found.append(RatedAnswer(Source.SURVEY, grid, division_of[grid], worker, D(1)))
    result = table(found)
    atoms = sorted({(a.grid_id, a.division_id, a.worker_id) for a in found}, key=str)
    size = {
        atom: sum(1 for a in found if (a.grid_id, a.division_id, a.worker_id) == atom)
        for atom in atoms
    }

    def vector(row) -> list[int]:
        return [size[atom] if _in(row.scope, row.subject_id, atom) else 0 for atom in atoms]

    shown = [vector(row) for row in result.rows if not row.suppressed]
    for row in result.rows:
        if row.suppressed and sum(vector(row)) < 5:
            assert not _span_reveals(vector(row), shown), (seed, row.scope, row.subject_id)


def _in(scope: Scope, subject: str, atom: tuple[str, str | None, str | None]) -> bool:
    grid, division, worker = atom
    return {
        Scope.TENANT: True,
        Scope.GRID: grid == subject,
        Scope.DIVISION: division == subject,
        Scope.WORKER: worker == subject,
    }[scope]


# -- explanations -------------------------------------------------------------------------------


def test_explain_counts_answers_per_credit_and_hides_suppressed_cells():
    found = four_grids()
    result = table(found)
    explanation = rates.explain(result, found, Scope.GRID, "g3")
    assert not explanation.suppressed
    (line,) = explanation.lines
    assert (line.source, line.n, line.satisfied, line.rate) == (
        Source.SURVEY,
        12,
        D("11.0"),
        D("0.9167"),
    )
    assert [(c.credit, c.count) for c in line.counts] == [(D(1), 10), (D("0.5"), 2)]
    hidden = rates.explain(result, found, Scope.GRID, "g1")
    assert hidden.suppressed
    assert hidden.lines == ()
    assert rates.explain(result, found, Scope.GRID, "nowhere").row is None


# -- the district average -----------------------------------------------------------------------


def tenant_rate(tenant: str, n: int | None, satisfied: str | None, *, suppressed=False):
    rate = None if n is None or satisfied is None else rates.cell_rate(n, D(satisfied))
    return TenantRate(
        tenant_id=tenant,
        rate=rate,
        n=n,
        suppressed=suppressed,
        sources=(SourceTally(Source.SURVEY, n, None if satisfied is None else D(satisfied)),),
        edition=1,
    )


def test_the_district_average_is_the_plain_mean_with_the_pooled_rate_beside_it():
    found = rates.district_average(
        SURVEY_ONLY,
        [
            tenant_rate("b", 100, "90"),  # 0.9
            tenant_rate("a", 20, "14"),  # 0.7
            tenant_rate("c", None, None, suppressed=True),
        ],
    )
    assert found.average == D("0.8000")  # (0.9 + 0.7) / 2
    assert found.tenants_counted == 2
    assert found.pooled_rate == D("0.8667")  # 104 / 120
    assert found.pooled_n == 120
    assert [rate.tenant_id for rate in found.tenants] == ["a", "b", "c"]
    nobody = rates.district_average(SURVEY_ONLY, [tenant_rate("c", None, None, suppressed=True)])
    assert (nobody.average, nobody.tenants_counted, nobody.pooled_rate) == (None, 0, None)
