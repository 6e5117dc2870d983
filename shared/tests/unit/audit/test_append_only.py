"""The audit trail is append-only: no way to update or delete a record, and reads are one
tenant's."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from shared.audit import AuditLog
from shared.audit import repository as audit_repository
from shared.mongo import TenantRepository

ROOT = Path(__file__).resolve().parents[4]
WRITES = ("save", "add", "update", "delete", "remove", "insert", "replace", "modify", "drop")


def test_the_reader_exposes_no_write() -> None:
    public = {name for name in dir(AuditLog) if not name.startswith("_")}
    assert public == {"find", "get", "tenant_id"}
    assert not isinstance(AuditLog("t-1"), TenantRepository)  # no inherited save or add


def test_the_module_writes_only_by_inserting() -> None:
    module = ast.parse(Path(audit_repository.__file__).read_text(encoding="utf-8"))
    called = {
        node.func.attr
        for node in ast.walk(module)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    writes = {name for name in called if any(word in name for word in WRITES)}
    assert writes == {"insert_many"}


def test_no_code_outside_the_audit_package_touches_the_stored_records() -> None:
    touching = sorted(
        str(path.relative_to(ROOT))
        for path in [*ROOT.glob("shared/**/*.py"), *ROOT.glob("services/**/*.py")]
        if "tests" not in path.parts
        and path.parent.name != "audit"
        and ("AuditRecordDocument" in (text := path.read_text(encoding="utf-8")) or "_Rows" in text)
    )
    # The worker keeps the collection's indexes; nothing else names the document.
    assert touching == ["shared/runtime.py"]


def test_reads_are_bound_to_one_tenant() -> None:
    assert AuditLog("t-1").tenant_id == "t-1"
    with pytest.raises(ValueError, match="non-empty tenant_id"):
        AuditLog("")
