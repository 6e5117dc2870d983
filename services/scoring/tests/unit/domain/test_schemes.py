"""Schemes as a tenant's resource: the text kept as written with the resource's id and
version in it, the canonical JSON the engine reads, and the draft/published lifecycle."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.scoring.domain import schemes
from services.scoring.domain.engine import evaluate
from services.scoring.domain.scheme import load_scheme
from services.scoring.domain.schemes import Status
from services.scoring.templates import DIRECTORY, names, text
from shared.errors import InvalidInput, StateConflict

NOW = datetime(2026, 11, 2, 1, 20, tzinfo=UTC)
SEED_004 = "seed_004_shanhu_street_full_time_worker"


def draft(source: str = "", scheme_id: str = "s1"):
    return schemes.new_scheme(
        tenant_id="t1",
        scheme_id=scheme_id,
        text=source or text(SEED_004),
        origin="document",
        actor="u1",
        now=NOW,
    )


@pytest.mark.parametrize("name", names())
def test_every_template_stamped_evaluates_its_example_exactly_as_written(name: str) -> None:
    prepared = schemes.prepare(text(name), scheme_id="my-scheme", version=3)
    assert prepared.format == "yaml"
    # comments and layout survive: only the id and version lines changed
    assert prepared.text.count("\n") == text(name).count("\n")
    assert prepared.text.count("#") == text(name).count("#")
    example = (DIRECTORY / "examples" / f"{name}.facts.yaml").read_text(encoding="utf-8")
    from_text, from_json = load_scheme(prepared.text), load_scheme(prepared.document or "")
    assert (from_json.id, from_json.version) == ("my-scheme", 3)
    assert evaluate(from_text, example).to_json() == evaluate(from_json, example).to_json()


def test_the_canonical_json_is_sorted_compact_and_exact() -> None:
    source = 'format: x\nid: a\nversion: 1\nz: 0.10\na: [1, 2.50, 2024-03-08, "t"]\n'
    prepared = schemes.prepare(source, scheme_id="a", version=1)
    assert prepared.document == (
        '{"a":[1,2.50,"2024-03-08","t"],"format":"x","id":"a","version":1,"z":0.10}'
    )
    assert json.loads(prepared.document, parse_float=Decimal)["z"] == Decimal("0.10")


def test_missing_id_and_version_lines_are_added_and_comments_kept() -> None:
    source = "# my scheme\nformat: gridgov.scheme/v1   # the format\nname: {zh: 甲, en: A}\n"
    prepared = schemes.prepare(source, scheme_id="abc", version=2)
    assert prepared.text == (
        "# my scheme\nid: abc\nversion: 2\nformat: gridgov.scheme/v1   # the format\n"
        "name: {zh: 甲, en: A}\n"
    )
    renamed = schemes.prepare("id: old  # keep\nversion: 7\n", scheme_id="new", version=1)
    assert renamed.text == "id: new  # keep\nversion: 1\n"


def test_an_id_that_reads_as_another_type_is_quoted() -> None:
    quoted = schemes.prepare("version: 1\nid: x\n", scheme_id="123", version=1)
    assert quoted.text == 'version: 1\nid: "123"\n'
    assert schemes.prepare("id: x\n", scheme_id="no", version=1).text == 'version: 1\nid: "no"\n'


def test_a_flow_mapping_is_rewritten_as_json() -> None:
    prepared = schemes.prepare("# mine\n{format: x, id: a}", scheme_id="b", version=1)
    # no top-level line to rewrite: the document is written as JSON (which is YAML too)
    assert prepared.format == "json"
    assert prepared.document == '{"format":"x","id":"b","version":1}'
    assert json.loads(prepared.text) == {"format": "x", "id": "b", "version": 1}


def test_json_text_keeps_its_key_order_and_exact_numbers() -> None:
    prepared = schemes.prepare('{"id": "a", "b": 1.50, "a": NaN}', scheme_id="a", version=4)
    assert prepared.format == "json"
    assert prepared.text == '{\n  "id": "a",\n  "b": 1.50,\n  "a": "NaN",\n  "version": 4\n}'


def test_a_text_that_does_not_parse_is_kept_and_its_problem_reported() -> None:
    broken = draft("a: [1\n")
    assert (broken.document, broken.text, broken.digest) == (None, "a: [1\n", None)
    [problem] = broken.problems()
    assert problem.path == ""
    assert "cannot be parsed" in problem.reason


def test_the_scheme_id_comes_from_the_request_or_the_document() -> None:
    assert schemes.choose_scheme_id(None, text(SEED_004)) == load_scheme(text(SEED_004)).id
    assert schemes.choose_scheme_id("mine", text(SEED_004)) == "mine"
    for bad in ("Upper", "-dash", "a" * 65, "sp ace", "end-"):
        with pytest.raises(InvalidInput) as error:
            schemes.choose_scheme_id(bad, "")
        assert error.value.field == "id"
    with pytest.raises(InvalidInput) as missing:
        schemes.choose_scheme_id(None, "format: x\n")
    assert missing.value.field == "id"


def test_a_draft_is_edited_published_once_and_then_immutable() -> None:
    first = draft()
    assert (first.status, first.version, first.name_zh) == (
        Status.DRAFT,
        1,
        load_scheme(text(SEED_004)).name.zh,
    )
    edited = schemes.edit_draft(first, text=text(SEED_004), actor="u2", now=NOW)
    assert (edited.updated_by, edited.created_by) == ("u2", "u1")
    published, event = schemes.publish(edited, actor="u3", now=NOW)
    assert (published.status, published.published_by) == (Status.PUBLISHED, "u3")
    assert event.payload() == {
        "scheme_id": "s1",
        "version": 1,
        "subject_kind": "worker",
        "period_kind": "month",
        "digest": published.digest,
        "published_by": "u3",
        "published_at": NOW.isoformat(),
    }
    with pytest.raises(StateConflict):
        schemes.edit_draft(published, text=text(SEED_004), actor="u2", now=NOW)
    with pytest.raises(StateConflict):
        schemes.publish(published, actor="u3", now=NOW)
    second = schemes.next_version(published, actor="u4", now=NOW)
    assert (second.version, second.status, second.origin) == (2, Status.DRAFT, "version:1")
    assert second.published_at is None
    assert load_scheme(second.document or "").version == 2
    with pytest.raises(StateConflict):
        schemes.next_version(second, actor="u4", now=NOW)


def test_an_invalid_draft_is_refused_with_every_problem_under_text() -> None:
    broken = text(SEED_004).replace("period: month", "period: fortnight", 1)
    broken = broken.replace("per_failing_day: 25", "per_failing_day: lots", 1)
    with pytest.raises(InvalidInput) as error:
        schemes.publish(draft(broken), actor="u1", now=NOW)
    fields = [p.field for p in error.value.problems]
    assert "text.period" in fields
    assert any(f.startswith("text.money[0]") for f in fields)


def test_times_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone"):
        schemes.new_scheme(
            tenant_id="t",
            scheme_id="s",
            text="",
            origin="document",
            actor="u",
            now=datetime(2026, 1, 1),  # noqa: DTZ001 - the point of the test
        )
