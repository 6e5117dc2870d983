"""Loading the seed templates and building facts for their worked examples."""

from __future__ import annotations

from typing import Any

from services.scoring.domain.engine import evaluate
from services.scoring.domain.results import Evaluation
from services.scoring.domain.scheme import Scheme
from services.scoring.templates import load_template


def template(name: str) -> Scheme:
    return load_template(name)


def run(
    scheme: Scheme,
    period: str,
    subjects: dict[str, dict[str, Any]],
    shared: dict[str, Any] | None = None,
    *,
    history: list[Evaluation] | None = None,
    calendar: dict[str, Any] | None = None,
) -> Evaluation:
    facts = {
        "period": period,
        "shared": shared or {},
        "subjects": [{"id": sid, "facts": values} for sid, values in subjects.items()],
    }
    if calendar is not None:
        facts["calendar"] = calendar  # the tenant's own decisions for the period
    return evaluate(scheme, facts, history or [])
