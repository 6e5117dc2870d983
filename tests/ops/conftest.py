"""Shared fixtures for the deployment-file tests: the repository, its service list, .env.example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

_ENV_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=(\S*)")


def parse_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a dotenv file; comments, blank lines and trailing `# ...` dropped."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ENV_LINE.match(line.strip())
        if match:
            values[match.group(1)] = match.group(2)
    return values


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def env_example() -> dict[str, str]:
    return parse_env_file(REPO / ".env.example")


@pytest.fixture(scope="session")
def service_names() -> list[str]:
    """The services as the source tree defines them: one package per folder under services/."""
    names = sorted(
        child.name
        for child in (REPO / "services").iterdir()
        if child.is_dir() and (child / "__init__.py").is_file()
    )
    assert names, "no service packages found under services/"
    return names
