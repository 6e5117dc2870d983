"""Safe formulas in Decimal, on top of the ``simpleeval`` restricted evaluator.

A formula is one Python-like expression over named values: arithmetic, comparisons,
``and``/``or``/``not``, ``x if c else y`` and a few functions (:data:`FUNCTION_NAMES`).
Nothing else parses: no attributes, subscripts, lambdas or comprehensions, and never
``eval``. Number literals become exact Decimals from their source text, so
``0.1 * 3`` is ``0.3``.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal, DivisionByZero, InvalidOperation

import simpleeval

from .numbers import CONTEXT, ROUNDING_MODES

FUNCTION_NAMES = frozenset({"min", "max", "abs", "round", "floor", "ceil", "count", "longest_run"})

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression,
    ast.Expr,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.Name,
    ast.Constant,
    ast.Load,
    ast.operator,
    ast.unaryop,
    ast.boolop,
    ast.cmpop,
)


class FormulaError(ValueError):
    """A formula could not be computed (division by zero, wrong value types...)."""


class Formula:
    """A parsed, checked formula. ``problems`` is empty when it can be evaluated."""

    def __init__(self, source: str) -> None:
        self.source = source.strip()
        self.problems: list[str] = []
        self.names: frozenset[str] = frozenset()
        self.tree: ast.AST | None = None
        try:
            module = ast.parse(self.source, mode="eval")
        except SyntaxError as error:
            self.problems.append(f"is not a valid formula ({error.msg})")
            return
        names: set[str] = set()
        for node in ast.walk(module):
            if not isinstance(node, _ALLOWED_NODES):
                self.problems.append(f"uses {type(node).__name__}, which formulas do not allow")
            elif isinstance(node, ast.Call):
                if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTION_NAMES:
                    self.problems.append(
                        f"calls an unknown function (known: {', '.join(sorted(FUNCTION_NAMES))})"
                    )
                if node.keywords:
                    self.problems.append("function calls take no keyword arguments")
            elif isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Constant):
                self._exact_constant(node)
        for node in ast.walk(module):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                names.discard(node.func.id)
        self.names = frozenset(names - {"True", "False"})
        self.tree = module.body

    def _exact_constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool | str):
            return
        # ast types constants as Python literals; the evaluator reads node.value as is, so
        # an exact Decimal stored there is what the arithmetic sees.
        if isinstance(value, int):
            node.value = Decimal(value)  # type: ignore[assignment]
        elif isinstance(value, float):
            segment = ast.get_source_segment(self.source, node) or repr(value)
            node.value = Decimal(segment)  # type: ignore[assignment]
        else:
            self.problems.append("uses a literal that is neither a number nor a string")


def _rounded(value: Decimal, places: Decimal = Decimal(0)) -> Decimal:
    return value.quantize(
        Decimal(1).scaleb(-int(places)), rounding=ROUNDING_MODES["half_up"], context=CONTEXT
    )


def _count(values: object) -> Decimal:
    if isinstance(values, list | tuple | dict):
        return Decimal(len(values))
    raise FormulaError("count() needs a list")


class Evaluator:
    """Evaluates formulas; ``longest_run`` counts consecutive working days via ``run_length``."""

    def __init__(self, run_length: Callable[[Iterable[date]], int]) -> None:
        def longest_run(values: object) -> Decimal:
            if not isinstance(values, list | tuple):
                raise FormulaError("longest_run() needs a list of dates")
            return Decimal(run_length([v for v in values if isinstance(v, date)]))

        functions: dict[str, Callable[..., object]] = {
            "min": min,
            "max": max,
            "abs": abs,
            "round": _rounded,
            "floor": lambda x: Decimal(math.floor(x)),
            "ceil": lambda x: Decimal(math.ceil(x)),
            "count": _count,
            "longest_run": longest_run,
        }
        self._engine = simpleeval.SimpleEval(functions=functions, names={})

    def evaluate(self, formula: Formula, lookup: Callable[[str], object]) -> object:
        """Compute ``formula`` with names resolved through ``lookup`` (called lazily)."""
        if formula.tree is None:
            raise FormulaError(f"formula {formula.source!r} is invalid")

        def resolve(node: ast.Name) -> object:
            return lookup(node.id)

        self._engine.names = resolve
        try:
            result = self._engine.eval(formula.source, previously_parsed=formula.tree)
        except (ZeroDivisionError, DivisionByZero, InvalidOperation) as error:
            raise FormulaError(
                f"{formula.source}: division by zero or invalid operation"
            ) from error
        except TypeError as error:
            raise FormulaError(f"{formula.source}: {error}") from error
        if isinstance(result, int) and not isinstance(result, bool):
            return Decimal(result)
        return result

    def number(self, formula: Formula, lookup: Callable[[str], object]) -> Decimal:
        result = self.evaluate(formula, lookup)
        if not isinstance(result, Decimal) or isinstance(result, bool):
            raise FormulaError(f"{formula.source}: gives {result!r}, not a number")
        return result

    def condition(self, formula: Formula, lookup: Callable[[str], object]) -> bool:
        result = self.evaluate(formula, lookup)
        if isinstance(result, bool):
            return result
        if isinstance(result, Decimal):
            return result != 0
        raise FormulaError(f"{formula.source}: gives {result!r}, not true or false")
