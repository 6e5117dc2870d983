"""One event path: domains record events, repositories put them in the outbox, the consumer
runner checks them once. Service code never builds an envelope or outbox entry by hand, and
never validates a contract itself (the producer's check is in `PendingEvent.of`, the
consumer's in `ConsumerRunner`)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Names that mean "building or checking an event by hand" when service code uses them.
HAND_BUILT = {"PendingEvent", "validate_envelope", "validate_payload"}


def _service_sources() -> list[Path]:
    return sorted(path for path in ROOT.glob("services/*/**/*.py") if "tests" not in path.parts)


def _hand_built(path: Path) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Name) and node.id in HAND_BUILT:
            found.append(f"{node.id} (line {node.lineno})")
        elif isinstance(node, ast.alias) and node.name.split(".")[-1] in HAND_BUILT:
            found.append(f"import {node.name} (line {node.lineno})")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "new"
            and isinstance(node.value, ast.Name)
            and node.value.id == "Envelope"
        ):
            found.append(f"Envelope.new (line {node.lineno})")
    return found


def test_service_code_records_domain_events_only() -> None:
    sources = _service_sources()
    assert len(sources) > 50
    offenders = {
        str(path.relative_to(ROOT)): found for path in sources if (found := _hand_built(path))
    }
    assert offenders == {}


def test_the_check_sees_a_hand_built_event(tmp_path: Path) -> None:
    sample = tmp_path / "use_case.py"
    sample.write_text(
        "from shared.mongo import PendingEvent\n"
        "def f(e):\n    return PendingEvent.record(type=e.type)\n",
        encoding="utf-8",
    )
    assert _hand_built(sample) == ["import PendingEvent (line 1)", "PendingEvent (line 3)"]
