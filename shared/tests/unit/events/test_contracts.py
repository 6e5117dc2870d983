import json

import pytest

from shared.events.contracts import (
    EXAMPLES_DIR,
    UnknownContract,
    all_contracts,
    contract_for,
    validate_envelope,
    validate_payload,
)
from shared.events.contracts.identity import TENANT_ONBOARDED
from shared.events.contracts.registry.divisions import DIVISION_CREATED
from shared.events.envelope import Envelope, InvalidMessage
from shared.events.topics import Topic

CONTRACTS = list(all_contracts())


def test_the_skeleton_contracts_are_registered() -> None:
    assert contract_for(DIVISION_CREATED, 1).topic is Topic.REGISTRY_DIVISIONS
    assert contract_for(TENANT_ONBOARDED, 1).topic is Topic.IDENTITY_TENANTS


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: f"{c.type}.v{c.version}")
def test_every_contract_has_a_valid_example(contract: object) -> None:
    envelope = contract.load_example()  # type: ignore[attr-defined]
    assert (envelope.type, envelope.version) == (contract.type, contract.version)  # type: ignore[attr-defined]
    validate_envelope(envelope)


def test_every_example_file_belongs_to_a_contract() -> None:
    expected = {c.example_path.name for c in CONTRACTS}
    assert {p.name for p in EXAMPLES_DIR.glob("*.json")} == expected


def test_example_files_are_canonically_ordered_json() -> None:
    for contract in CONTRACTS:
        data = json.loads(contract.example_path.read_text(encoding="utf-8"))
        assert list(data) == sorted(data)


def test_unknown_contract_is_an_invalid_message() -> None:
    with pytest.raises(UnknownContract):
        contract_for("division.created", 99)
    assert issubclass(UnknownContract, InvalidMessage)


def _division_payload() -> dict[str, object]:
    example = contract_for(DIVISION_CREATED, 1).load_example()
    return dict(example.payload)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "city"}, "kind"),
        ({"name": ""}, "name"),
        ({"surprise": 1}, "surprise"),
        ({"code": 12}, "code"),
    ],
)
def test_division_created_rejects_bad_payloads(change: dict[str, object], field: str) -> None:
    payload = {**_division_payload(), **change}
    with pytest.raises(InvalidMessage, match=field):
        validate_payload(DIVISION_CREATED, 1, payload)


def test_division_created_requires_every_field() -> None:
    for name in ("division_id", "code", "name", "kind", "created_by"):
        payload = _division_payload()
        del payload[name]
        with pytest.raises(InvalidMessage, match=name):
            validate_payload(DIVISION_CREATED, 1, payload)


def test_both_division_kinds_are_accepted() -> None:
    for kind in ("village", "community"):
        assert (
            validate_payload(DIVISION_CREATED, 1, {**_division_payload(), "kind": kind})["kind"]
            == kind
        )


def test_envelope_built_in_code_validates_like_the_example() -> None:
    envelope = Envelope.new(
        type=TENANT_ONBOARDED,
        version=1,
        tenant_id="t1",
        producer="identity",
        payload={"district_id": "d", "code": "c", "name": "n", "onboarded_by": "u"},
    )
    assert validate_envelope(Envelope.parse(envelope.to_bytes()))["code"] == "c"
