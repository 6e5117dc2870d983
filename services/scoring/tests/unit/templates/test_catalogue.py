"""Every template is valid, names its seed and states its readings."""

from __future__ import annotations

import pytest

from services.scoring.domain.engine import evaluate
from services.scoring.domain.scheme import validate
from services.scoring.templates import DIRECTORY, load_template, names, text


def test_one_template_per_seed_document() -> None:
    assert [name[:8] for name in names()] == [f"seed_00{i}" for i in range(5)]


@pytest.mark.parametrize("name", names())
def test_template_is_valid_and_states_its_readings(name: str) -> None:
    assert validate(text(name)) == []
    scheme = load_template(name)
    assert scheme.version == 1
    assert "READING" in text(name)
    for indicator in scheme.indicators:
        assert indicator.name.zh
        assert indicator.name.en


@pytest.mark.parametrize("name", names())
def test_example_facts_are_complete(name: str) -> None:
    example = DIRECTORY / "examples" / f"{name}.facts.yaml"
    result = evaluate(load_template(name), example.read_text(encoding="utf-8"))
    assert result.sheets
    assert all(sheet.assessable for sheet in result.sheets)
    assert all(gap.resolution == "default" for gap in result.missing)


@pytest.mark.parametrize("name", names())
def test_every_platform_input_says_which_metric_feeds_it(name: str) -> None:
    """A tenant's scheme gets its facts from the ledger without code: a platform input
    without ``from`` would never get a value (only manual inputs are entered by the centre)."""
    scheme = load_template(name)

    assert [i.id for i in scheme.inputs if i.source == "platform" and i.mapping is None] == []
    assert all(i.mapping is None for i in scheme.inputs if i.source == "manual")
