"""Shared building blocks of a scheme: value references, conditions, outcomes, the scope.

A rule never reads facts directly; it asks a :class:`Scope` for numbers through
:class:`ValueRef` objects, so the engine can record which inputs each line used, report a
missing fact by subject and input, and describe every value in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple, Protocol

from .formula import Formula
from .problems import Text


@dataclass(frozen=True)
class ValueRef:
    """Where a number comes from: a constant, a named input/derived value (or one level of
    a ``counts`` input), the mean of an input over all subjects of the period, or a formula."""

    constant: Decimal | None = None
    name: str | None = None
    mean_of: str | None = None
    formula: Formula | None = None
    key: str | None = None  # with ``name``: one level of a ``counts`` input

    def spec(self) -> str:
        """The reference as written in the scheme (for the rule description of a line)."""
        if self.constant is not None:
            return format(self.constant, "f")
        if self.name is not None:
            return f"{self.name}[{self.key}]" if self.key is not None else self.name
        if self.mean_of is not None:
            return f"mean_of({self.mean_of})"
        assert self.formula is not None
        return self.formula.source


@dataclass(frozen=True)
class Condition:
    """A yes/no test (a formula) with the words that explain it when it holds."""

    formula: Formula
    text: Text


class Outcome(NamedTuple):
    """What a rule gives one subject: points (a magnitude for bonus/deduction lines) and
    the arithmetic in Chinese and English."""

    points: Decimal
    zh: str
    en: str


class Scope(Protocol):
    """The values of one subject in one period, as a rule sees them."""

    def number(self, ref: ValueRef) -> Decimal:
        """The value of ``ref``; raises :class:`MissingFactError` when the subject lacks it."""
        ...

    def value(self, name: str) -> object:
        """The raw value of an input or derived value (a number, bool, dict or date list)."""
        ...

    def holds(self, condition: Condition) -> bool:
        """Whether ``condition`` holds for this subject."""
        ...

    def describe(self, ref: ValueRef, value: Decimal) -> tuple[str, str]:
        """``value`` of ``ref`` in words: (``"配备率90%"``, ``"staffing rate 90%"``)."""
        ...

    def label(self, name: str) -> Text:
        """The label of an input or derived value."""
        ...

    def unit(self, name: str) -> Text:
        """The unit of an input or derived value (empty when it has none)."""
        ...


class MissingFactError(Exception):
    """A subject lacks a fact that a rule needs and the input declares no default."""

    def __init__(self, input_id: str) -> None:
        super().__init__(input_id)
        self.input_id = input_id


class BadFactError(Exception):
    """A fact cannot be used for this subject (wrong type, formula error...)."""

    def __init__(self, input_id: str, reason: str) -> None:
        super().__init__(f"{input_id}: {reason}")
        self.input_id = input_id
        self.reason = reason
