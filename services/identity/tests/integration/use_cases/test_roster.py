"""Roster import on the real FerretDB with the in-memory identity provider."""

from __future__ import annotations

import pytest

from services.identity.documents.users import UserDocument
from services.identity.repository.users import UserRepository
from services.identity.tests.fakes import InMemoryIdentityProvider
from services.identity.tests.integration.support import add_account
from services.identity.use_cases import roster
from services.identity.use_cases import users as use_cases
from services.identity.use_cases.context import IdentityContext
from shared.errors import InvalidInput
from shared.events.envelope import Envelope
from shared.workbooks import write_sheet

pytestmark = pytest.mark.integration

TENANT = "t-a"
WRITES = {
    "create_user",
    "update_user",
    "set_realm_roles",
    "add_to_organization",
    "reset_password",
}


def workbook(*rows: dict[str, object]) -> bytes:
    return write_sheet(roster.COLUMNS, rows)


def person(username: str, phone: str, name: str = "张伟", roles: str = "专职网格员", **more):
    return {"username": username, "phone": phone, "display_name": name, "roles": roles, **more}


@pytest.fixture
def provider() -> InMemoryIdentityProvider:
    fake = InMemoryIdentityProvider()
    fake.ensure_organization(alias=TENANT, name="甲镇", attributes={})
    return fake


def admin() -> IdentityContext:
    return IdentityContext(tenant_id=TENANT, actor="admin-1", correlation_id="req-9")


def run(provider, data: bytes, *, dry_run: bool = False) -> roster.RosterResult:
    return roster.import_roster(admin(), provider=provider, data=data, dry_run=dry_run)


def outcomes(result: roster.RosterResult) -> list[tuple[int, str, str | None]]:
    return [(row.number, row.outcome.value, row.key) for row in result.report.rows]


def all_events() -> list[str]:
    return [
        Envelope.parse(entry.envelope).type
        for doc in UserDocument.objects(tenant_id=TENANT).order_by("username")
        for entry in doc.outbox
    ]


def test_a_new_roster_creates_everyone_with_passwords_and_events(fresh_db, provider):
    data = workbook(
        person("zhang.wei", "13800138000", email="zw@example.cn"),
        person("li.na", 13900139000, name="李娜", roles="网格长、网格员"),
    )

    result = run(provider, data)

    assert outcomes(result) == [(2, "created", "zhang.wei"), (3, "created", "li.na")]
    assert [(p.username, p.login) for p in result.passwords] == [
        ("zhang.wei", "zhang.wei@t-a"),
        ("li.na", "li.na@t-a"),
    ]
    li = UserRepository(TENANT).find_by_username("li.na")
    assert li.roles == ("grid-leader", "grid-worker")
    assert li.phone == "13900139000"
    for issued in result.passwords:
        assert provider.users[issued.user_id].password == issued.temporary_password
    assert all_events() == ["user.invited", "user.invited"]


def test_a_rerun_changes_nothing_and_calls_no_keycloak_write(fresh_db, provider):
    data = workbook(person("zhang.wei", "13800138000"), person("li.na", "13900139000"))
    run(provider, data)
    provider.calls.clear()

    result = run(provider, data)

    assert [row.outcome.value for row in result.report.rows] == ["unchanged", "unchanged"]
    assert result.passwords == ()
    assert not WRITES & set(provider.calls)
    assert all_events() == ["user.invited", "user.invited"]


def test_changed_rows_are_updated_in_keycloak_and_the_directory(fresh_db, provider):
    run(provider, workbook(person("zhang.wei", "13800138000")))

    result = run(
        provider, workbook(person("zhang.wei", "13800138001", name="张伟伟", roles="网格长"))
    )

    assert outcomes(result) == [(2, "updated", "zhang.wei")]
    user = UserRepository(TENANT).find_by_username("zhang.wei")
    assert (user.display_name, user.phone, user.roles) == (
        "张伟伟",
        "13800138001",
        ("grid-leader",),
    )
    account = provider.users[user.user_id].user
    assert (account.display_name, account.roles) == ("张伟伟", {"grid-leader"})
    assert all_events() == ["user.invited", "user.updated", "user.roles_changed"]


def test_bad_rows_are_rejected_per_column_and_good_rows_land(fresh_db, provider):
    data = workbook(
        person("zhang.wei", "12345"),
        person("li.na", "13900139000", roles="村长"),
        person("ok.person", "13700137000"),
        person("x", "13600136000", email="nope"),
    )

    result = run(provider, data)

    rows = {row.number: row for row in result.report.rows}
    assert [p.column for p in rows[2].problems] == ["手机号"]
    assert [p.column for p in rows[3].problems] == ["角色"]
    assert rows[4].outcome.value == "created"
    assert sorted(p.column for p in rows[5].problems) == ["用户名", "邮箱"]
    assert result.report.as_dict()["summary"] == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 3,
    }
    assert [u.username for u in UserRepository(TENANT).all_users()] == ["ok.person"]


def test_duplicates_inside_the_workbook_reject_both_rows(fresh_db, provider):
    data = workbook(
        person("zhang.wei", "13800138000"),
        person("Zhang.Wei", "13900139000"),
        person("li.na", "13700137000"),
        person("wang.fang", "13700137000"),
        person("ok.person", "13600136000"),
    )

    result = run(provider, data)

    assert [row.outcome.value for row in result.report.rows] == [
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "created",
    ]
    assert result.report.rows[0].problems[0].column == "用户名"
    assert result.report.rows[2].problems[0].column == "手机号"


def test_a_phone_of_another_person_is_rejected(fresh_db, provider):
    run(provider, workbook(person("zhang.wei", "13800138000")))
    result = run(provider, workbook(person("li.na", "13800138000")))
    assert result.report.rows[0].outcome.value == "rejected"
    assert result.report.rows[0].problems[0].column == "手机号"


def test_a_username_another_tenant_has_is_created_under_this_tenants_login(fresh_db, provider):
    foreign = add_account(provider, "zhang.wei", tenant_id="t-secret", email="zw@example.cn")

    data = workbook(person("zhang.wei", "13800138000", email="zw@example.cn"))

    dry = run(provider, data, dry_run=True)
    result = run(provider, data)

    assert outcomes(dry) == outcomes(result) == [(2, "created", "zhang.wei")]
    [issued] = result.passwords
    assert (issued.username, issued.login) == ("zhang.wei", "zhang.wei@t-a")
    assert issued.user_id != foreign
    assert provider.users[issued.user_id].user.tenant_id == TENANT
    assert provider.users[foreign].password == "Other-Password-12"
    assert "t-secret" not in str(result.report.as_dict())


def test_the_tenants_own_leftover_account_is_adopted(fresh_db, provider):
    leftover = add_account(provider, "zhang.wei", tenant_id=TENANT)
    result = run(provider, workbook(person("zhang.wei", "13800138000")))
    assert outcomes(result) == [(2, "created", "zhang.wei")]
    assert (result.passwords[0].user_id, result.passwords[0].login) == (leftover, "zhang.wei")
    assert provider.users[leftover].password == result.passwords[0].temporary_password


def test_a_dry_run_answers_the_same_report_and_writes_nothing(fresh_db, provider):
    use_cases.invite_user(
        admin(),
        provider=provider,
        username="zhang.wei",
        display_name="张伟",
        email=None,
        phone="13800138000",
        roles=["grid-worker"],
    )
    data = workbook(
        person("zhang.wei", "13800138000", roles="网格长"),
        person("li.na", "13900139000"),
        person("bad", "1"),
    )
    provider.calls.clear()

    dry = run(provider, data, dry_run=True)

    assert not WRITES & set(provider.calls)
    assert dry.passwords == ()
    assert all_events() == ["user.invited"]
    assert UserDocument.objects(tenant_id=TENANT).count() == 1
    wet = run(provider, data)
    assert dry.report.as_dict() == {**wet.report.as_dict(), "dry_run": True}


def test_keycloak_going_down_mid_import_keeps_the_passwords_of_landed_rows(fresh_db, provider):
    data = workbook(
        person("a.user", "13800138000"),
        person("b.user", "13800138001"),
        person("c.user", "13800138002"),
    )
    # Judging looks each row up twice (login name, then bare name), then find_organization,
    # the first row's 2 calls and the second's account, then down.
    provider.fail_after = 10

    result = run(provider, data)

    assert [row.outcome.value for row in result.report.rows] == ["created", "rejected", "rejected"]
    assert [p.username for p in result.passwords] == ["a.user"]
    provider.unavailable, provider.fail_after = False, None
    again = run(provider, data)
    assert [row.outcome.value for row in again.report.rows] == ["unchanged", "created", "created"]


def test_a_file_that_is_not_a_workbook_is_422_on_file(fresh_db, provider):
    with pytest.raises(InvalidInput) as exc:
        run(provider, b"name,phone\n")
    assert exc.value.field == "file"
