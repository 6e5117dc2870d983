"""Problems found in a scheme or a facts file, and the reader that collects them.

A :class:`Reader` walks a parsed document and records every problem it meets with the
path of the offending field (``indicators[3].rule.per_point``) instead of stopping at the
first one, so a tenant sees the whole list at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from shared.errors import FieldProblem, InvalidInput

from .numbers import to_decimal


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a document: where it is and why it is wrong."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


class DocumentError(ValueError):
    """Raised with every problem of a document when it cannot be used."""

    def __init__(self, what: str, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        listing = "\n".join(f"  - {p}" for p in self.problems)
        count = len(self.problems)
        super().__init__(
            f"{what} is invalid ({count} problem{'' if count == 1 else 's'}):\n{listing}"
        )

    def invalid_input(self, field: str = "") -> InvalidInput:
        """The problems as the client's invalid input (an API answers it with a 422 naming
        each field), their paths under ``field``: the part of the request that held the
        document (``facts`` gives ``facts.subjects[0].facts.spot_check_overdu``)."""
        return InvalidInput(
            FieldProblem(".".join(p for p in (field, problem.path) if p), problem.reason)
            for problem in self.problems
        )


class SchemeError(DocumentError):
    """The scheme document has problems; ``problems`` lists all of them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("scheme", problems)


class FactsError(DocumentError):
    """The facts document has problems; ``problems`` lists all of them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("facts", problems)


@dataclass(frozen=True)
class Text:
    """A user-facing label: Chinese first, English second."""

    zh: str
    en: str


_MISSING = object()


class Reader:
    """Typed access to one mapping of a document, recording problems by path."""

    def __init__(self, data: object, path: str, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        if isinstance(data, Mapping):
            self.data: Mapping[str, object] = data
        else:
            self.data = {}
            self.fail("must be a mapping")

    # -- paths and problems -------------------------------------------------------------
    def at(self, key: str | int) -> str:
        """The path of ``key`` inside this mapping."""
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def fail(self, reason: str, key: str | None = None) -> None:
        """Record a problem at this mapping or at one of its keys."""
        self.problems.append(Problem(self.at(key) if key is not None else self.path, reason))

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str) -> object:
        return self.data.get(key)

    def only(self, allowed: Iterable[str]) -> None:
        """Record every key this mapping has that is not in ``allowed``."""
        known = set(allowed)
        for key in self.data:
            if key not in known:
                self.fail("unknown field", str(key))

    # -- scalars ------------------------------------------------------------------------
    def _get(self, key: str, required: bool) -> object:
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.fail("is required", key)
            return _MISSING
        return value

    def string(self, key: str, *, required: bool = True, choices: Iterable[str] = ()) -> str | None:
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail("must be a non-empty string", key)
            return None
        allowed = tuple(choices)
        if allowed and value not in allowed:
            self.fail(f"must be one of {', '.join(allowed)}", key)
            return None
        return value

    def identifier(self, key: str, *, required: bool = True) -> str | None:
        """A name usable in formulas: letters, digits and underscores, not starting with a digit."""
        value = self.string(key, required=required)
        if value is not None and not value.isidentifier():
            self.fail("must be an identifier (letters, digits, underscore)", key)
            return None
        return value

    def decimal(
        self,
        key: str,
        *,
        required: bool = True,
        positive: bool = False,
        non_negative: bool = False,
        default: Decimal | None = None,
    ) -> Decimal | None:
        value = self._get(key, required and default is None)
        if value is _MISSING:
            return default
        number = to_decimal(value)
        if number is None:
            self.fail("must be a decimal number", key)
            return None
        if positive and number <= 0:
            self.fail("must be a positive decimal", key)
            return None
        if non_negative and number < 0:
            self.fail("must be zero or a positive decimal", key)
            return None
        return number

    def integer(
        self, key: str, *, required: bool = True, minimum: int = 0, default: int | None = None
    ) -> int | None:
        value = self._get(key, required and default is None)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.fail("must be an integer", key)
            return None
        if isinstance(value, Decimal) and value != value.to_integral_value():
            self.fail("must be an integer", key)
            return None
        number = int(value)
        if number < minimum:
            self.fail(f"must be at least {minimum}", key)
            return None
        return number

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self._get(key, False)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.fail("must be true or false", key)
            return default
        return value

    def text(self, key: str = "name", *, required: bool = True) -> Text | None:
        """A ``{zh, en}`` label."""
        value = self._get(key, required)
        if value is _MISSING:
            return None
        sub = Reader(value, self.at(key), self.problems)
        if not isinstance(value, Mapping):
            return None
        sub.only(("zh", "en"))
        zh = sub.string("zh")
        en = sub.string("en")
        if zh is None or en is None:
            return None
        return Text(zh, en)

    # -- containers ---------------------------------------------------------------------
    def mapping(self, key: str, *, required: bool = True) -> Reader | None:
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if not isinstance(value, Mapping):
            self.fail("must be a mapping", key)
            return None
        return Reader(value, self.at(key), self.problems)

    def items(self, key: str, *, required: bool = True, non_empty: bool = True) -> list[Reader]:
        """Readers for each mapping in the list at ``key``."""
        value = self._get(key, required)
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            self.fail("must be a list", key)
            return []
        if non_empty and not value:
            self.fail("must not be empty", key)
        return [Reader(item, f"{self.at(key)}[{i}]", self.problems) for i, item in enumerate(value)]

    def decimals(self, key: str, *, required: bool = True) -> list[Decimal]:
        value = self._get(key, required)
        if value is _MISSING:
            return []
        if not isinstance(value, list) or not value:
            self.fail("must be a non-empty list of decimals", key)
            return []
        result: list[Decimal] = []
        for i, item in enumerate(value):
            number = to_decimal(item)
            if number is None or number < 0:
                self.problems.append(
                    Problem(f"{self.at(key)}[{i}]", "must be zero or a positive decimal")
                )
            else:
                result.append(number)
        return result
