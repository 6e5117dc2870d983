"""Who may still act: accounts and tenants switched off since their token was issued.

Access tokens are verified locally (no Keycloak call per request) and live for minutes, so a
disabled user or an offboarded tenant would keep working until the token expires. Every
service's worker consumes identity's ``user.*`` and ``tenant.*`` events (`ROUTES`) into its
own ``account_states`` collection (`AccountStates`); the HTTP edge asks `RevocationCheck`
after verifying a token and answers 401 for a revoked account, tenant or API client. The check
caches each answer for a second or two per process, so disabling takes effect within the
event's trip through Kafka plus that interval, on every service.
"""

from shared.access.check import RevocationCheck, RevokingVerifier, StoredRevocations
from shared.access.handlers import ROUTES
from shared.access.repository import AccountStates

__all__ = ["ROUTES", "AccountStates", "RevocationCheck", "RevokingVerifier", "StoredRevocations"]
