"""One subject's values: resolved once, in order (fact, default, derived, built-in), recorded
as used, described in words; a missing or unusable value is an error, never a zero."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from services.scoring.domain.formula import Evaluator, Formula
from services.scoring.domain.model import BadFactError, MissingFactError, ValueRef
from services.scoring.domain.problems import Text
from services.scoring.domain.scheme import DerivedDef, InputDef
from services.scoring.domain.scope import SubjectScope
from services.scoring.domain.workdays import WorkCalendar

D = Decimal


def number_input(
    input_id: str,
    *,
    zh: str = "",
    unit: str = "",
    scope: str = "subject",
    default: object | None = None,
) -> InputDef:
    return InputDef(
        input_id,
        Text(zh or input_id, input_id),
        "number",
        Text(unit, unit),
        "platform",
        scope,
        default,
        default is not None,
    )


def derived(derived_id: str, formula: str) -> DerivedDef:
    return DerivedDef(derived_id, Text(derived_id, derived_id), Text("", ""), Formula(formula))


@dataclass
class Context:
    """An evaluation as a scope sees it, without a scheme or a period behind it."""

    inputs: dict[str, InputDef]
    derived: dict[str, DerivedDef] = field(default_factory=dict)
    shared: dict[str, object] = field(default_factory=dict)
    builtins: dict[str, object] = field(default_factory=dict)
    evaluator: Evaluator = field(default_factory=lambda: Evaluator(WorkCalendar().longest_run))
    words: dict[tuple[str, str | None], tuple[str, str, str, str]] = field(default_factory=dict)
    means: dict[str, Decimal] = field(default_factory=dict)

    def mean_of(self, name: str) -> Decimal:
        if name not in self.means:
            raise MissingFactError(name)
        return self.means[name]


def scope_of(context: Context, **values: object) -> SubjectScope:
    return SubjectScope(context, "s1", values)


def test_given_and_shared_facts_are_read_and_recorded_as_used() -> None:
    context = Context(
        {"rate": number_input("rate", unit="%"), "avg": number_input("avg", scope="shared")},
        shared={"avg": D(88)},
    )
    scope = scope_of(context, rate=D(90))
    assert scope.number(ValueRef(name="rate")) == 90
    assert scope.value("avg") == 88
    assert scope.used == {"rate": D(90), "avg": D(88)}


def test_a_missing_fact_takes_its_declared_default_or_is_an_error() -> None:
    context = Context({"done": number_input("done", default=D(10)), "rate": number_input("rate")})
    scope = scope_of(context)
    assert scope.value("done") == 10
    assert scope.defaults == {"done"}
    with pytest.raises(MissingFactError) as missing:
        scope.value("rate")
    assert missing.value.input_id == "rate"


def test_derived_values_builtins_and_undeclared_names() -> None:
    context = Context(
        {"done": number_input("done")},
        derived={"half": derived("half", "done / 2"), "loop": derived("loop", "loop + 1")},
        builtins={"workdays": D(21)},
    )
    scope = scope_of(context, done=D(7))
    assert scope.value("half") == D("3.5")
    assert scope.value("workdays") == 21
    with pytest.raises(BadFactError, match="depends on itself"):
        scope.value("loop")
    with pytest.raises(BadFactError, match="is not declared"):
        scope.value("nothing")


def test_counts_levels_numbers_and_means() -> None:
    context = Context(
        {"praise": number_input("praise"), "flag": number_input("flag")}, means={"rate": D(85)}
    )
    scope = scope_of(context, praise={"city": D(2)}, flag=True)
    assert scope.number(ValueRef(name="praise", key="city")) == 2
    assert scope.number(ValueRef(name="praise", key="county")) == 0
    with pytest.raises(BadFactError, match="must be a number here"):
        scope.number(ValueRef(name="flag"))
    assert scope.number(ValueRef(mean_of="rate")) == 85
    assert scope.used["mean_of(rate)"] == 85


def test_results_of_the_period_are_readable_but_not_recorded_as_used() -> None:
    scope = scope_of(Context({}))
    scope.results = {"rank": D(1)}
    assert scope.value("rank") == 1
    assert scope.used == {}


def test_values_are_described_with_label_and_unit() -> None:
    rate = number_input("rate", zh="完成率", unit="%")
    scope = scope_of(Context({"rate": rate}, means={"rate": D(85)}), rate=D(90))
    assert scope.describe(ValueRef(name="rate"), D(90)) == ("完成率90%", "rate 90%")
    assert scope.describe(ValueRef(mean_of="rate"), D(85)) == ("全体平均完成率85%", "mean rate 85%")
    assert scope.describe(ValueRef(constant=D(3)), D(3)) == ("3", "3")
