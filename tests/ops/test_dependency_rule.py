"""Domain code runs without any framework: proved by importing it, not only by reading imports.

import-linter checks the import statements (pyproject.toml's contracts), but importing a module
also runs the `__init__` of every package on its path, which static analysis does not follow:
`shared.auth.principal` once loaded Flask, werkzeug, PyJWT and requests through
`shared/auth/__init__.py`. Each domain package (and each domain module of the platform) is
imported here, with all its modules, in a fresh interpreter, and nothing web, storage or Kafka
may have been loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The platform's domain modules: rules every service shares (the registry read model's).
SHARED_DOMAINS = ("shared.registry.model", "shared.tenancy.model")
DOMAINS = sorted(
    [
        *(
            f"services.{path.parent.name}.domain"
            for path in ROOT.glob("services/*/domain")
            if path.is_dir()
        ),
        *SHARED_DOMAINS,
    ]
)
FRAMEWORKS = (
    "flask",
    "flask_smorest",
    "werkzeug",
    "marshmallow",
    "mongoengine",
    "pymongo",
    "psycopg",
    "kafka",
    "jwt",
    "requests",
    "prometheus_client",
    "gunicorn",
)
PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for info in pkgutil.walk_packages(getattr(package, "__path__", []), sys.argv[1] + "."):
    importlib.import_module(info.name)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_there_are_domains_to_check() -> None:
    assert {
        "services.grid_registry.domain",
        "services.identity.domain",
        "shared.registry.model",
    } <= set(DOMAINS)


@pytest.mark.parametrize("domain", DOMAINS)
def test_a_domain_package_loads_no_framework(domain: str) -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", PROBE, domain],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    modules = set(json.loads(loaded.stdout))
    assert modules.isdisjoint(FRAMEWORKS), sorted(modules & set(FRAMEWORKS))
