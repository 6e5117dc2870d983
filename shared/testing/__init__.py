"""Test helpers shared by every service: the pytest plugin and the demo-token fixtures.

The plugin is loaded for every pytest run through ``addopts = "-p shared.testing.pytest_plugin"``
in ``pyproject.toml``; nothing here is imported by production code.
"""

from shared.testing.pytest_plugin import (
    DEMO_USERS,
    LOOPBACK_HOSTS,
    DemoTokens,
    DemoUser,
    KeycloakUnavailableError,
    fetch_demo_tokens,
    keycloak_base_url,
    token_endpoint,
)

__all__ = [
    "DEMO_USERS",
    "LOOPBACK_HOSTS",
    "DemoTokens",
    "DemoUser",
    "KeycloakUnavailableError",
    "fetch_demo_tokens",
    "keycloak_base_url",
    "token_endpoint",
]
