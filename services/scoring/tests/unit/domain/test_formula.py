"""The safe formula evaluator: exact decimals, nothing outside the whitelist."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.scoring.domain.formula import Evaluator, Formula, FormulaError
from services.scoring.domain.workdays import WorkCalendar

D = Decimal

EVAL = Evaluator(WorkCalendar().longest_run)


def compute(source: str, **names: object) -> object:
    formula = Formula(source)
    assert formula.problems == []
    return EVAL.evaluate(formula, names.__getitem__)


def test_literals_are_exact_decimals() -> None:
    assert compute("0.1 * 3") == D("0.3")
    assert compute("a / 4 * 4", a=D(1)) == 1
    assert compute("round(2.675, 2)") == D("2.68")  # half up, not float's 2.67


def test_functions_and_conditionals() -> None:
    assert compute("min(10, x * 2) if x > 0 else 0", x=D(7)) == 10
    assert compute("floor(weeks) * 2", weeks=D(13) + D(1) / 7) == 26
    assert compute("count(days)", days=[1, 2, 3]) == 3


@pytest.mark.parametrize(
    "source",
    ["__import__('os')", "x.real", "[i for i in x]", "lambda: 1", "open('f')", "x[0]", "a = 1"],
)
def test_unsafe_or_unknown_constructs_do_not_parse(source: str) -> None:
    assert Formula(source).problems


def test_division_by_zero_is_a_formula_error() -> None:
    with pytest.raises(FormulaError):
        compute("1 / x", x=D(0))


def test_names_are_collected_without_functions() -> None:
    assert Formula("max(a, b) + c").names == frozenset({"a", "b", "c"})
