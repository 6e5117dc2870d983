"""A disabled account or an offboarded tenant is refused by every service within seconds,
although its access token stays valid for minutes (verified locally, no Keycloak call per
request): identity's events reach each service's revocations (shared.access)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from deploy.local.seed.identity import TENANTS
from shared.testing.keycloak_login import PasswordTokens
from tests.conftest import Api, service_url, wait_until
from tests.tenants import onboard_tenant

pytestmark = pytest.mark.e2e

# One authenticated read per service that has routes; the role may answer 403, never 401.
PROBES = {"identity": "/me", "grid_registry": "/divisions", "scoring": "/ledger"}
WITHIN_SECONDS = 5.0


def statuses(token: str) -> dict[str, int]:
    return {service: Api(service, token).get(path).status_code for service, path in PROBES.items()}


def refused_everywhere(token: str, because: str) -> bool:
    """Every service answers 401 naming ``because``. Each gunicorn worker caches revocations for
    a moment, so one refusal does not prove the next request (maybe another worker) is refused:
    the whole condition is what is polled, never a single answer read after it."""
    for service, path in PROBES.items():
        answer = Api(service, token).get(path)
        if answer.status_code != 401:
            return False
        assert answer.headers["Content-Type"].startswith("application/problem+json")
        if because not in answer.json()["detail"]:
            return False
    return True


@pytest.fixture
def own_tenant(keycloak_tokens: Mapping[str, str], test_logins: PasswordTokens, test_district: str):
    """A tenant for this module alone: its worker gets disabled and the tenant offboarded."""
    like = next(tenant for tenant in TENANTS if tenant.code == "demo-town-a")
    return onboard_tenant(
        service_url("identity"),
        keycloak_tokens["platform.admin"],
        like=like,
        district_id=test_district,
        tokens=test_logins,
    )


def test_a_disabled_user_is_refused_everywhere_within_seconds(
    own_tenant, test_logins: PasswordTokens, api: Callable[[str, str | None], Api]
) -> None:
    worker_token = test_logins[own_tenant.worker]
    before = statuses(worker_token)
    assert 401 not in before.values(), before
    me = api("identity", own_tenant.worker).get("/me").json()

    disabled = api("identity", own_tenant.admin).post(f"/users/{me['subject']}/disable")
    assert disabled.status_code == 200, disabled.text

    assert wait_until(lambda: refused_everywhere(worker_token, "disabled"), timeout=WITHIN_SECONDS)
    # The admin of the same tenant is not affected.
    assert api("grid_registry", own_tenant.admin).get("/divisions").status_code == 200

    enabled = api("identity", own_tenant.admin).post(f"/users/{me['subject']}/enable")
    assert enabled.status_code == 200, enabled.text
    assert wait_until(
        lambda: Api("grid_registry", worker_token).get("/divisions").status_code == 200,
        timeout=WITHIN_SECONDS,
    )


def test_an_offboarded_tenant_is_refused_everywhere_within_seconds(
    own_tenant, test_logins: PasswordTokens, api: Callable[[str, str | None], Api]
) -> None:
    admin_token = test_logins[own_tenant.admin]
    assert api("grid_registry", own_tenant.admin).get("/divisions").status_code == 200

    offboarded = api("identity", "platform.admin").post(
        f"/tenants/{own_tenant.code}/offboard", json={"reason": "e2e: revocation test"}
    )
    assert offboarded.status_code == 200, offboarded.text

    assert wait_until(lambda: refused_everywhere(admin_token, "offboarded"), timeout=WITHIN_SECONDS)
