"""Drift detection: every kind of difference between the directory and Keycloak (fake)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.identity.domain import users as domain
from services.identity.domain.reconcile import DriftKind, Repair, Snapshot, compare
from services.identity.tests.fakes import InMemoryIdentityProvider

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
TENANT = "t-a"


class World:
    """A fake Keycloak with the tenant's organization and a matching directory."""

    def __init__(self) -> None:
        self.provider = InMemoryIdentityProvider()
        self.org_id = self.provider.ensure_organization(alias=TENANT, name="甲镇", attributes={})
        self.directory: dict[str, domain.User] = {}

    def person(self, username: str, roles: tuple[str, ...] = ("grid-worker",)) -> str:
        user_id = self.provider.create_user(
            username=username,
            email=None,
            display_name="张伟",
            tenant_id=TENANT,
            district_id=None,
            roles=frozenset(roles),
            temporary_password="Temporary-123",
        )
        self.provider.add_to_organization(self.org_id, user_id)
        profile = domain.Profile(display_name="张伟", email=None, phone=None)
        self.directory[user_id], _ = domain.invite(
            user_id=user_id,
            tenant_id=TENANT,
            username=username,
            login=username,
            profile=profile,
            roles=roles,
            actor="admin",
            now=NOW,
        )
        return user_id

    def snapshot(self, *, organization: bool = True, offboarded: bool = False) -> Snapshot:
        return Snapshot(
            tenant_id=TENANT,
            directory=list(self.directory.values()),
            provider=self.provider.users_of_tenant(TENANT),
            organization_members=(
                self.provider.organization_member_ids(self.org_id) if organization else None
            ),
            offboarded=offboarded,
        )

    def offboard(self) -> None:
        """What offboarding leaves: every account disabled, the directory untouched."""
        self.provider.set_organization_enabled(self.org_id, False)
        for stored in self.provider.users_of_tenant(TENANT):
            self.provider.update_user(stored.id, enabled=False)


def kinds(world: World) -> list[tuple[DriftKind, Repair]]:
    return [(finding.kind, finding.repair) for finding in compare(world.snapshot())]


def test_matching_sides_have_no_drift():
    world = World()
    world.person("zhang.wei")
    world.person("li.na", ("grid-leader", "grid-worker"))
    assert compare(world.snapshot()) == []


def test_a_directory_entry_without_an_account_is_disabled_in_the_directory():
    world = World()
    user_id = world.person("zhang.wei")
    del world.provider.users[user_id]
    world.provider.organizations[world.org_id].members.discard(user_id)

    assert kinds(world) == [(DriftKind.MISSING_IN_PROVIDER, Repair.DISABLE_IN_DIRECTORY)]
    world.directory[user_id] = domain.disable(world.directory[user_id], actor="x", now=NOW)[0]
    assert kinds(world) == []


def test_an_account_missing_from_the_directory_is_adopted():
    world = World()
    user_id = world.person("zhang.wei")
    del world.directory[user_id]

    [finding] = compare(world.snapshot())
    assert (finding.kind, finding.repair, finding.user_id) == (
        DriftKind.ONLY_IN_PROVIDER,
        Repair.ADOPT_INTO_DIRECTORY,
        user_id,
    )


def test_an_adopted_account_loses_non_tenant_roles():
    world = World()
    user_id = world.person("zhang.wei", ("grid-worker", "platform-admin"))
    del world.directory[user_id]

    findings = compare(world.snapshot())
    assert [(f.kind, f.roles) for f in findings] == [
        (DriftKind.ONLY_IN_PROVIDER, ()),
        (DriftKind.ROLES_DIFFER, ("grid-worker",)),
    ]


def test_roles_follow_the_directory():
    world = World()
    user_id = world.person("zhang.wei", ("grid-worker",))
    world.provider.set_realm_roles(user_id, frozenset({"grid-worker", "tenant-admin"}))

    [finding] = compare(world.snapshot())
    assert (finding.kind, finding.repair, finding.roles) == (
        DriftKind.ROLES_DIFFER,
        Repair.SET_PROVIDER_ROLES,
        ("grid-worker",),
    )
    assert "tenant-admin" in finding.detail


def test_the_enabled_flag_follows_the_directory():
    world = World()
    user_id = world.person("zhang.wei")
    world.provider.update_user(user_id, enabled=False)

    [finding] = compare(world.snapshot())
    assert (finding.kind, finding.repair, finding.enabled) == (
        DriftKind.ENABLED_DIFFERS,
        Repair.SET_PROVIDER_ENABLED,
        True,
    )


def test_a_missing_organization_membership_is_added():
    world = World()
    user_id = world.person("zhang.wei")
    world.provider.organizations[world.org_id].members.discard(user_id)

    assert kinds(world) == [(DriftKind.MEMBERSHIP_MISSING, Repair.ADD_TO_ORGANIZATION)]


def test_a_missing_organization_needs_a_person():
    world = World()
    world.person("zhang.wei")

    findings = compare(world.snapshot(organization=False))
    assert [(f.kind, f.repair) for f in findings] == [
        (DriftKind.ORGANIZATION_MISSING, Repair.MANUAL)
    ]


def test_another_tenants_accounts_are_not_compared():
    world = World()
    world.person("zhang.wei")
    world.provider.create_user(
        username="other",
        email=None,
        display_name="别人",
        tenant_id="t-b",
        district_id=None,
        roles=frozenset({"grid-worker"}),
        temporary_password="Temporary-123",
    )
    assert compare(world.snapshot()) == []


def test_several_drifts_are_reported_in_a_stable_order():
    world = World()
    a = world.person("a.user")
    b = world.person("b.user")
    world.provider.update_user(b, enabled=False)
    world.provider.set_realm_roles(a, frozenset({"inspector"}))
    first = compare(world.snapshot())
    assert [f.kind for f in first] == [DriftKind.ROLES_DIFFER, DriftKind.ENABLED_DIFFERS]
    assert compare(world.snapshot()) == first


def test_an_offboarded_tenant_with_every_login_disabled_is_consistent():
    world = World()
    world.person("zhang.wei")
    world.person("li.na", ("grid-leader",))
    world.offboard()

    assert [f.kind for f in compare(world.snapshot())] == [DriftKind.ENABLED_DIFFERS] * 2
    assert compare(world.snapshot(offboarded=True)) == []


def test_an_offboarded_tenant_never_gets_a_login_enabled_only_disabled():
    world = World()
    kept_off = world.person("zhang.wei")
    enabled_again = world.person("li.na")
    world.offboard()
    world.provider.update_user(enabled_again, enabled=True)

    [finding] = compare(world.snapshot(offboarded=True))
    assert (finding.kind, finding.repair, finding.user_id, finding.enabled) == (
        DriftKind.ENABLED_DIFFERS,
        Repair.SET_PROVIDER_ENABLED,
        enabled_again,
        False,
    )
    assert "offboarded" in finding.detail
    assert kept_off != finding.user_id


def test_an_offboarded_tenant_skips_the_directory_comparison():
    world = World()
    gone = world.person("zhang.wei")
    only_in_keycloak = world.person("li.na", ("grid-worker", "platform-admin"))
    world.offboard()
    del world.provider.users[gone]
    del world.directory[only_in_keycloak]
    world.provider.organizations[world.org_id].members.clear()

    assert compare(world.snapshot(offboarded=True)) == []
