"""The scope of one subject: its values as rules, formulas and money rules see them.

:class:`SubjectScope` resolves a name the first time a line asks for it (a given fact, the
input's declared default, a derived value or a built-in of the period) and remembers it,
records which values each line used, and describes values in words for the explanations.
What it needs from the evaluation it belongs to is :class:`EvaluationContext`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol

from .formula import Evaluator, FormulaError
from .model import BadFactError, Condition, MissingFactError, ValueRef
from .numbers import ZERO
from .problems import Text
from .rules import show
from .scheme import DerivedDef, InputDef

_MISSING = object()


class EvaluationContext(Protocol):
    """What every subject's scope shares in one evaluation: the scheme's inputs and derived
    values, the period's shared facts and built-ins, the formula evaluator, means over all
    subjects, and the words that describe each value (filled as they are first needed)."""

    inputs: dict[str, InputDef]
    derived: dict[str, DerivedDef]
    shared: dict[str, object]
    builtins: dict[str, object]
    evaluator: Evaluator
    words: dict[tuple[str, str | None], tuple[str, str, str, str]]

    def mean_of(self, name: str) -> Decimal:
        """The mean of input ``name`` over every subject that has it (or its default)."""
        ...


class SubjectScope:
    """Values of one subject, resolved lazily and remembered; records what each line used."""

    def __init__(
        self,
        context: EvaluationContext,
        subject_id: str,
        values: Mapping[str, object],
    ) -> None:
        self.context = context
        self.subject_id = subject_id
        self.values = values
        # Given facts are known values from the start; only defaults, derived values and
        # built-ins are resolved (and remembered) on first use.
        self.cache: dict[str, object] = {**context.shared, **values}
        self.used: dict[str, object] = {}
        self.defaults: set[str] = set()
        self.results: dict[str, object] = {}
        self._resolving: set[str] = set()

    def value(self, name: str) -> object:
        cache = self.cache
        if name in cache:
            value = cache[name]
            self.used[name] = value
            return value
        if name in self.results:
            return self.results[name]
        value = self._resolve(name)
        cache[name] = value
        self.used[name] = value
        return value

    def _resolve(self, name: str) -> object:
        context = self.context
        spec = context.inputs.get(name)
        if spec is not None:
            source = context.shared if spec.scope == "shared" else self.values
            value = source.get(name, _MISSING)
            if value is _MISSING:
                if not spec.has_default:
                    raise MissingFactError(name)
                self.defaults.add(name)
                return spec.default
            return value
        derived = context.derived.get(name)
        if derived is not None:
            if name in self._resolving:
                raise BadFactError(name, "depends on itself")
            self._resolving.add(name)
            try:
                return context.evaluator.number(derived.formula, self.value)
            except FormulaError as error:
                raise BadFactError(name, str(error)) from error
            finally:
                self._resolving.discard(name)
        if name in context.builtins:
            return context.builtins[name]
        raise BadFactError(name, "is not declared")

    def number(self, ref: ValueRef) -> Decimal:
        if ref.name is not None:
            value = self.value(ref.name)
            if ref.key is not None:
                if not isinstance(value, dict):
                    raise BadFactError(ref.name, "must be counts by level")
                count: Decimal = value.get(ref.key, ZERO)
                return count
            if not isinstance(value, Decimal):
                raise BadFactError(ref.name, "must be a number here")
            return value
        if ref.constant is not None:
            return ref.constant
        if ref.mean_of is not None:
            mean = self.context.mean_of(ref.mean_of)
            self.used[f"mean_of({ref.mean_of})"] = mean
            return mean
        assert ref.formula is not None
        try:
            return self.context.evaluator.number(ref.formula, self.value)
        except FormulaError as error:
            raise BadFactError(ref.formula.source, str(error)) from error

    def holds(self, condition: Condition) -> bool:
        try:
            return self.context.evaluator.condition(condition.formula, self.value)
        except FormulaError as error:
            raise BadFactError(condition.formula.source, str(error)) from error

    def label(self, name: str) -> Text:
        spec = self.context.inputs.get(name)
        if spec is not None:
            return spec.name
        derived = self.context.derived.get(name)
        if derived is not None:
            return derived.name
        return Text(name, name)

    def _words(self, name: str, key: str | None) -> tuple[str, str, str, str]:
        """Label and unit around a value, in Chinese and English (cached per run)."""
        label, unit = self.label(name), self.unit(name)
        if key is not None:
            label = Text(f"{label.zh}（{key}）", f"{label.en} ({key})")
        en_unit = unit.en if unit.en in ("%", "") else f" {unit.en}"
        return label.zh, unit.zh, f"{label.en} ", en_unit

    def unit(self, name: str) -> Text:
        spec = self.context.inputs.get(name)
        if spec is not None:
            return spec.unit
        derived = self.context.derived.get(name)
        return derived.unit if derived is not None else Text("", "")

    def describe(self, ref: ValueRef, value: Decimal) -> tuple[str, str]:
        if ref.name is not None:
            words = self.context.words.get((ref.name, ref.key))
            if words is None:
                words = self.context.words[(ref.name, ref.key)] = self._words(ref.name, ref.key)
            number = show(value)
            return f"{words[0]}{number}{words[1]}", f"{words[2]}{number}{words[3]}"
        if ref.mean_of is not None:
            label, unit = self.label(ref.mean_of), self.unit(ref.mean_of)
            return (
                f"全体平均{label.zh}{show(value)}{unit.zh}",
                f"mean {label.en} {show(value)}{unit.en}",
            )
        return show(value), show(value)
