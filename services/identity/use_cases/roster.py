"""Bulk roster import (网格员花名册): one workbook of people, each row created, updated or left.

Rows are judged first, all of them, before anything is written: a row with a bad cell, a
username or phone used twice in the workbook, or a phone of another person is rejected and
changes nothing. A username is the tenant's own (another tenant's `x` is no concern here:
each created person logs in as ``<username>@<tenant>``, stated beside their password). Good
rows then land one by one, Keycloak first and the directory second (as in `users`), so a re-run
of the same workbook finds every row unchanged and makes no Keycloak write at all. A dry run
stops after judging: it reads the directory and looks the tenant's accounts up in Keycloak,
and writes nothing anywhere.

A row lands whole or not at all as far as the directory and its events go; if Keycloak fails
half-way through a row, the row is reported rejected and the next run (or the reconciler)
finishes it, because every Keycloak write here is idempotent. When Keycloak becomes
unavailable the import stops there: the rows not reached are rejected with a "retry" reason,
and the passwords of the rows that did land are still answered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from services.identity.domain import users as domain
from services.identity.domain.ports import IdentityProvider, ProviderUnavailable, ProviderUser
from services.identity.use_cases.context import IdentityContext
from services.identity.use_cases.users import (
    find_account,
    provision_account,
    push_profile,
    require_organization,
)
from shared.errors import Conflict, InvalidInput, StateConflict
from shared.workbooks import (
    Column,
    ImportReport,
    Row,
    RowOutcome,
    RowProblem,
    RowReport,
    choice,
    many,
    read_sheet,
    text,
)

NAME = "姓名"
USERNAME = "用户名"
PHONE = "手机号"
EMAIL = "邮箱"
ROLES = "角色"

COLUMNS = (
    Column("display_name", NAME, text(domain.DISPLAY_NAME_MAX), aliases=("display_name",)),
    Column("username", USERNAME, text(64), aliases=("账号", "username")),
    Column("phone", PHONE, text(20), aliases=("手机", "联系电话", "phone")),
    Column("email", EMAIL, text(domain.EMAIL_MAX), required=False, aliases=("email",)),
    Column("roles", ROLES, many(choice(domain.ROLE_LABELS)), aliases=("roles",)),
)
_HEADERS = {"display_name": NAME, "username": USERNAME, "phone": PHONE, "email": EMAIL}
_RETRY = "身份服务暂不可用，请稍后重新导入 / identity provider unavailable: import again later"


@dataclass(frozen=True, slots=True)
class IssuedPassword:
    """The one-time temporary password of a person the import created, and their login name."""

    row: int
    username: str
    login: str
    user_id: str
    temporary_password: str


@dataclass(frozen=True, slots=True)
class RosterResult:
    report: ImportReport
    passwords: tuple[IssuedPassword, ...]


@dataclass(frozen=True, slots=True)
class _Plan:
    """A judged good row: what it would do, and with which values."""

    number: int
    outcome: RowOutcome
    username: str
    profile: domain.Profile
    roles: tuple[str, ...]
    current: domain.User | None = None
    account: ProviderUser | None = None


def import_roster(
    ctx: IdentityContext, *, provider: IdentityProvider, data: bytes, dry_run: bool
) -> RosterResult:
    """Import a roster workbook; per-row outcomes and, unless a dry run, new passwords."""
    rows = read_sheet(data, COLUMNS)
    judged = _judge(ctx, rows, provider=provider)
    reports: dict[int, RowReport] = {}
    plans: list[_Plan] = []
    for number, outcome in judged.items():
        if isinstance(outcome, _Plan):
            plans.append(outcome)
            reports[number] = RowReport(number, outcome.outcome, outcome.username)
        else:
            reports[number] = outcome
    passwords: list[IssuedPassword] = []
    if not dry_run:
        _Writer(ctx, provider).land(plans, reports, passwords)
    report = ImportReport(dry_run=dry_run, rows=tuple(reports[n] for n in sorted(reports)))
    return RosterResult(report=report, passwords=tuple(passwords))


# -- judging ----------------------------------------------------------------------------------


def _judge(
    ctx: IdentityContext, rows: Sequence[Row], *, provider: IdentityProvider
) -> dict[int, _Plan | RowReport]:
    problems: dict[int, list[RowProblem]] = {row.number: list(row.problems) for row in rows}
    cleaned: dict[int, tuple[str, domain.Profile, tuple[str, ...]]] = {}
    for row in rows:
        found = _clean(row)
        if isinstance(found, list):
            problems[row.number].extend(found)
        else:
            cleaned[row.number] = found
    _mark_duplicates(rows, problems)
    directory = ctx.users.all_users()
    by_username = {user.username: user for user in directory}
    by_phone: dict[str, list[domain.User]] = defaultdict(list)
    for user in directory:
        if user.phone:
            by_phone[user.phone].append(user)
    judged: dict[int, _Plan | RowReport] = {}
    for row in rows:
        number = row.number
        if problems[number] or number not in cleaned:
            judged[number] = _rejected(row, problems[number])
            continue
        username, profile, roles = cleaned[number]
        current = by_username.get(username)
        phone_owners = [u for u in by_phone.get(profile.phone or "", []) if u is not current]
        if phone_owners:
            judged[number] = _rejected(
                row, [RowProblem(PHONE, "已被本单位其他人员使用 / used by another person")]
            )
            continue
        if current is not None:
            same = (current.display_name, current.email, current.phone, current.roles) == (
                profile.display_name,
                profile.email,
                profile.phone,
                roles,
            )
            outcome = RowOutcome.UNCHANGED if same else RowOutcome.UPDATED
            judged[number] = _Plan(number, outcome, username, profile, roles, current=current)
            continue
        try:
            account = find_account(provider, tenant_id=ctx.tenant_id, username=username)
        except ProviderUnavailable:
            judged[number] = _rejected(row, [RowProblem(None, _RETRY)])
            continue
        judged[number] = _Plan(
            number, RowOutcome.CREATED, username, profile, roles, account=account
        )
    return judged


def _clean(row: Row) -> tuple[str, domain.Profile, tuple[str, ...]] | list[RowProblem]:
    values = row.values
    if not {"display_name", "username", "phone", "roles"} <= values.keys():
        return []  # a required cell is blank: read_sheet already reported it
    try:
        username, profile, roles = domain.validate_new_user(
            username=values["username"],
            display_name=values["display_name"],
            email=values.get("email"),
            phone=values["phone"],
            roles=values["roles"],
            phone_required=True,
        )
    except InvalidInput as exc:
        return [
            RowProblem(_HEADERS.get(problem.field, ROLES), problem.reason)
            for problem in exc.problems
        ]
    return username, profile, roles


def _mark_duplicates(rows: Sequence[Row], problems: dict[int, list[RowProblem]]) -> None:
    for key, header in (("username", USERNAME), ("phone", PHONE)):
        seen: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            value = row.values.get(key)
            if value:
                seen[domain.normalize_username(value) if key == "username" else value].append(
                    row.number
                )
        for numbers in seen.values():
            if len(numbers) > 1:
                listed = "、".join(str(n) for n in numbers)
                for number in numbers:
                    problems[number].append(
                        RowProblem(
                            header, f"工作簿中重复（第 {listed} 行） / repeated in rows {listed}"
                        )
                    )


def _rejected(row: Row, problems: Sequence[RowProblem]) -> RowReport:
    username = row.values.get("username")
    key = domain.normalize_username(username) if isinstance(username, str) else None
    return RowReport(row.number, RowOutcome.REJECTED, key, tuple(problems))


# -- landing ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Writer:
    """Lands judged rows: Keycloak first, then the directory with the row's events."""

    ctx: IdentityContext
    provider: IdentityProvider

    def land(
        self,
        plans: Sequence[_Plan],
        reports: dict[int, RowReport],
        passwords: list[IssuedPassword],
    ) -> None:
        org_id: str | None = None
        unavailable = False
        for plan in plans:
            if plan.outcome is RowOutcome.UNCHANGED:
                continue
            if unavailable:
                reports[plan.number] = _failed(plan, _RETRY)
                continue
            try:
                if plan.outcome is RowOutcome.CREATED:
                    if org_id is None:
                        org_id = require_organization(self.provider, self.ctx.tenant_id)
                    passwords.append(self.create(plan, org_id))
                else:
                    self.update(plan)
            except ProviderUnavailable:
                unavailable = True
                reports[plan.number] = _failed(plan, _RETRY)
            except (StateConflict, Conflict) as exc:
                # A concurrent invitation of the same person (the directory's unique username,
                # or Keycloak's login name: StateConflict covers ProviderConflict).
                reports[plan.number] = _failed(plan, str(exc))

    def create(self, plan: _Plan, org_id: str) -> IssuedPassword:
        account = provision_account(
            provider=self.provider,
            tenant_id=self.ctx.tenant_id,
            org_id=org_id,
            username=plan.username,
            profile=plan.profile,
            roles=plan.roles,
            existing=plan.account,
        )
        user, event = domain.invite(
            user_id=account.user_id,
            tenant_id=self.ctx.tenant_id,
            username=plan.username,
            login=account.login,
            profile=plan.profile,
            roles=plan.roles,
            actor=self.ctx.actor,
            now=self.ctx.now(),
        )
        self.ctx.users.add_user(user, [event])
        return IssuedPassword(
            plan.number, plan.username, account.login, account.user_id, account.temporary_password
        )

    def update(self, plan: _Plan) -> None:
        current = plan.current
        assert current is not None  # an UPDATED plan always carries the directory entry
        actor, now = self.ctx.actor, self.ctx.now()
        profiled, updated = domain.update_profile(current, plan.profile, actor=actor, now=now)
        changed, roles_changed = domain.change_roles(profiled, plan.roles, actor=actor, now=now)
        push_profile(self.provider, current, changed)
        if roles_changed is not None:
            self.provider.set_realm_roles(current.user_id, frozenset(changed.roles))
        events = [event for event in (updated, roles_changed) if event is not None]
        self.ctx.users.save_user(replace(changed, last_synced_at=now), events)


def _failed(plan: _Plan, reason: str) -> RowReport:
    return RowReport(plan.number, RowOutcome.REJECTED, plan.username, (RowProblem(None, reason),))
