from typing import Any

import pytest

from shared.mongo.guard import (
    CROSS_TENANT_COMMENT_PREFIX,
    TenantGuardListener,
    cross_tenant_comment,
    filter_has_tenant,
    install_tenant_guard,
)

COLLECTIONS = frozenset({"parcels"})


@pytest.fixture
def guard() -> TenantGuardListener:
    return TenantGuardListener(collections=lambda: COLLECTIONS, leases_active=lambda: False)


def run(guard: TenantGuardListener, name: str, command: dict[str, Any]) -> int:
    guard.check(name, {name: "parcels", **command}, "db")
    return len(guard.take_violations())


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("find", {"filter": {}}),
        ("find", {"filter": {"code": "x"}}),
        ("find", {"filter": {"tenant_id": {"$in": ["a", "b"]}}}),
        ("find", {"filter": {"tenant_id": {"$ne": "a"}}}),
        ("find", {"filter": {"$or": [{"tenant_id": "a"}, {"code": "x"}]}}),
        ("count", {"query": {}}),
        ("distinct", {"key": "code", "query": {"code": "x"}}),
        ("findAndModify", {"query": {"_id": 1}}),
        ("update", {"updates": [{"q": {"tenant_id": "a"}}, {"q": {"_id": 1}}]}),
        ("delete", {"deletes": [{"q": {}}]}),
        ("aggregate", {"pipeline": [{"$group": {"_id": "$tenant_id"}}]}),
        ("aggregate", {"pipeline": [{"$sort": {"x": 1}}, {"$match": {"tenant_id": "a"}}]}),
        ("find", {"filter": {}, "comment": "just a comment"}),
    ],
)
def test_untenanted_commands_are_violations(
    guard: TenantGuardListener, name: str, command: dict[str, Any]
) -> None:
    assert run(guard, name, command) == 1


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("find", {"filter": {"tenant_id": "a", "code": "x"}}),
        ("find", {"filter": {"tenant_id": {"$eq": "a"}}}),
        ("find", {"filter": {"$and": [{"code": "x"}, {"tenant_id": "a"}]}}),
        ("count", {"query": {"tenant_id": "a"}}),
        ("findAndModify", {"query": {"tenant_id": "a", "_id": 1}}),
        ("update", {"updates": [{"q": {"tenant_id": "a", "_id": 1}}]}),
        ("delete", {"deletes": [{"q": {"tenant_id": "a"}}]}),
        ("aggregate", {"pipeline": [{"$match": {"tenant_id": "a"}}, {"$group": {"_id": 1}}]}),
        ("insert", {"documents": [{"code": "x"}]}),
        ("find", {"filter": {}, "comment": cross_tenant_comment("outbox-relay")}),
    ],
)
def test_tenanted_or_tagged_commands_pass(
    guard: TenantGuardListener, name: str, command: dict[str, Any]
) -> None:
    assert run(guard, name, command) == 0


def test_other_collections_are_not_guarded(guard: TenantGuardListener) -> None:
    guard.check("find", {"find": "platform_settings", "filter": {}}, "db")
    assert guard.take_violations() == []


def test_assert_clean_reports_then_resets(guard: TenantGuardListener) -> None:
    guard.check("find", {"find": "parcels", "filter": {}}, "db")
    with pytest.raises(AssertionError, match=r"find db\.parcels"):
        guard.assert_clean()
    guard.assert_clean()


def test_filter_has_tenant_requires_a_single_string_tenant() -> None:
    assert filter_has_tenant({"tenant_id": "a"})
    assert not filter_has_tenant({"tenant_id": ""})
    assert not filter_has_tenant({"tenant_id": None})
    assert not filter_has_tenant(None)


def test_escape_hatch_is_tagged_and_validated() -> None:
    assert cross_tenant_comment("outbox-relay") == CROSS_TENANT_COMMENT_PREFIX + "outbox-relay"
    for bad in ("", "has space", "x;y"):
        with pytest.raises(ValueError, match="reason"):
            cross_tenant_comment(bad)


def test_install_is_idempotent() -> None:
    assert install_tenant_guard() is install_tenant_guard()
