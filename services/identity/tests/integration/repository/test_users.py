"""The user directory on the real FerretDB: login names, including entries written before them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.identity.documents.users import UserDocument
from services.identity.domain import users as domain
from services.identity.repository.users import UserRepository
from services.identity.use_cases.context import IdentityContext

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
PROFILE = domain.Profile(display_name="张伟", email=None, phone="13800138000")


def test_the_login_name_is_stored_beside_the_username(fresh_db):
    user, event = domain.invite(
        user_id="kc-1",
        tenant_id="t-a",
        username="zhang.wei",
        login="zhang.wei@t-a",
        profile=PROFILE,
        roles=("grid-worker",),
        actor="admin-1",
        now=NOW,
    )
    IdentityContext(tenant_id="t-a", actor="admin-1").users.add_user(user, [event])

    found = UserRepository("t-a").find_by_username("zhang.wei")

    assert found is not None
    assert (found.username, found.login) == ("zhang.wei", "zhang.wei@t-a")


def test_an_entry_from_before_login_names_logs_in_under_its_username(fresh_db):
    """Such an entry's account was created (or adopted) under the username itself."""
    UserDocument._get_collection().insert_one(
        {
            "_id": "kc-2",
            "tenant_id": "t-a",
            "username": "admin.a",
            "display_name": "甲镇管理员",
            "roles": ["tenant-admin"],
            "enabled": True,
            "invited_at": NOW,
            "invited_by": "platform-1",
            "updated_at": NOW,
            "updated_by": "platform-1",
            "revision": 1,
        }
    )

    found = UserRepository("t-a").find_user("kc-2")

    assert found is not None
    assert (found.username, found.login) == ("admin.a", "admin.a")
