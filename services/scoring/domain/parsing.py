"""Parsing helpers shared by every part of a scheme: values, formulas and conditions.

Names used by a value or a formula are remembered with their path and checked once all
inputs and derived values are known, so a misspelt input is reported where it is used.
"""

from __future__ import annotations

from collections.abc import Iterable

from .formula import Formula
from .model import Condition, ValueRef
from .numbers import to_decimal
from .problems import Problem, Reader, Text

_VALUE_FORMS = "must be a number, an input name, {input, key}, {mean_of} or {formula}"


class ParseContext:
    """Collects problems and the names that must exist once the whole scheme is read."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        # (path, name, names allowed beyond the inputs, derived values and built-ins)
        self.references: list[tuple[str, str, frozenset[str]]] = []

    def refer(self, path: str, name: str, extra: Iterable[str] = ()) -> None:
        self.references.append((path, name, frozenset(extra)))

    def formula(
        self, r: Reader, key: str, *, required: bool = True, extra: Iterable[str] = ()
    ) -> Formula | None:
        source = r.string(key, required=required)
        if source is None:
            return None
        return self.formula_text(source, r.at(key), extra)

    def formula_text(self, source: str, path: str, extra: Iterable[str] = ()) -> Formula | None:
        formula = Formula(source)
        for reason in formula.problems:
            self.problems.append(Problem(path, reason))
        if formula.problems:
            return None
        for name in sorted(formula.names):
            self.refer(path, name, extra)
        return formula

    def value(
        self,
        r: Reader,
        key: str,
        *,
        required: bool = True,
        positive: bool = False,
        extra: Iterable[str] = (),
    ) -> ValueRef | None:
        """A number: a literal, an input or derived name, ``{input: counts_input, key: level}``,
        ``{mean_of: input}`` or ``{formula: "..."}``; ``extra`` names may be used besides the
        inputs, derived values and built-ins (a money rule's: the results and earlier rules)."""
        raw = r.raw(key)
        if raw is None:
            if required:
                r.fail("is required", key)
            return None
        if isinstance(raw, dict):
            return self._value_mapping(Reader(raw, r.at(key), self.problems), extra)
        if isinstance(raw, str) and to_decimal(raw) is None:
            if not raw.isidentifier():
                r.fail(_VALUE_FORMS, key)
                return None
            self.refer(r.at(key), raw, extra)
            return ValueRef(name=raw)
        number = to_decimal(raw)
        if number is None:
            r.fail(_VALUE_FORMS, key)
        elif positive and number <= 0:
            r.fail("must be a positive decimal", key)
        elif number < 0:
            r.fail("must be zero or a positive decimal", key)
        else:
            return ValueRef(constant=number)
        return None

    def _value_mapping(self, sub: Reader, extra: Iterable[str] = ()) -> ValueRef | None:
        sub.only(("mean_of", "formula", "input", "key"))
        keys = set(sub.data)
        if keys == {"input", "key"}:
            name, level = sub.identifier("input"), sub.string("key")
            if name is not None:
                self.refer(sub.at("input"), name)
            return ValueRef(name=name, key=level) if name and level else None
        if keys == {"mean_of"}:
            name = sub.identifier("mean_of")
            if name is not None:
                self.refer(sub.at("mean_of"), name)
            return ValueRef(mean_of=name) if name else None
        if keys == {"formula"}:
            formula = self.formula(sub, "formula", extra=extra)
            return ValueRef(formula=formula) if formula is not None else None
        sub.fail("must be one of {input, key}, {mean_of}, {formula}")
        return None

    def condition(
        self, r: Reader, key: str, *, required: bool = True, extra: Iterable[str] = ()
    ) -> Condition | None:
        """A yes/no test: ``{when: formula, zh: ..., en: ...}`` or a bare formula string."""
        raw = r.raw(key)
        if raw is None:
            if required:
                r.fail("is required", key)
            return None
        if isinstance(raw, str):
            formula = self.formula_text(raw, r.at(key), extra)
            return Condition(formula, Text(raw, raw)) if formula is not None else None
        sub = r.mapping(key)
        if sub is None:
            return None
        sub.only(("when", "zh", "en"))
        formula = self.formula(sub, "when", extra=extra)
        zh = sub.string("zh")
        en = sub.string("en")
        if formula is None or zh is None or en is None:
            return None
        return Condition(formula, Text(zh, en))
