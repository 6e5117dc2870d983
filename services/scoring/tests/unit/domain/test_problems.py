"""Problems of a document: counted in words, and answered by an API as a 422 per field."""

from __future__ import annotations

import pytest

from services.scoring.domain.problems import FactsError, Problem, SchemeError
from shared.errors import FieldProblem
from shared.http.errors import to_problem
from shared.http.problems import UnprocessableContent

from .support import run, scheme


def test_the_count_of_problems_is_in_words() -> None:
    assert str(SchemeError([Problem("id", "is required")])) == (
        "scheme is invalid (1 problem):\n  - id: is required"
    )
    two = FactsError([Problem("period", "is required"), Problem("subjects", "must be a list")])
    assert str(two).startswith("facts is invalid (2 problems):\n")


def test_an_unknown_fact_name_is_a_422_naming_the_field_and_the_closest_input() -> None:
    with pytest.raises(FactsError) as caught:
        run(scheme(), {"a": {"rate": 100, "misses": 0, "don": 10}})
    invalid = caught.value.invalid_input("facts")
    assert invalid.problems == (
        FieldProblem(
            "facts.subjects[0].facts.don", "is not an input of scheme test; did you mean done?"
        ),
    )
    problem = to_problem(invalid)
    assert isinstance(problem, UnprocessableContent)
    assert problem.status == 422
    assert [e.as_dict() for e in problem.errors] == [
        {
            "field": "facts.subjects[0].facts.don",
            "reason": "is not an input of scheme test; did you mean done?",
        }
    ]
    # a document sent as the whole body keeps its own paths
    assert caught.value.invalid_input().problems[0].field == "subjects[0].facts.don"
