"""The local stack makes grid_registry's field keys once, into the clone's git-ignored state,
readable by its owner only, and hands them to grid_registry alone (ADR 13)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from services.grid_registry.settings import RegistrySettings

SCRIPT = """
set -eo pipefail  # no -u: the ports service_env also exports are not needed here
ROOT="$1"; INFRA="$2"
source "$ROOT/deploy/local/lib.sh"
source "$ROOT/deploy/local/components/services.sh"
GUNICORN_WORKERS=1 GUNICORN_THREADS=1
for svc in grid_registry identity; do
  ( service_env "$svc"; echo "$svc FIELD_KEYS=${GRIDGOV_FIELD_KEYS:-}" \
    "HMAC_KEYS=${GRIDGOV_FIELD_HMAC_KEYS:-}" )
done
"""


def service_env(repo: Path, infra: Path, **environ: str) -> dict[str, dict[str, str]]:
    """What service_env exports for grid_registry and identity: {service: {name: value}}."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GRIDGOV_FIELD_")}
    done = subprocess.run(
        ["bash", "-c", SCRIPT, "bash", str(repo), str(infra)],
        env={**clean, **environ},
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    exported = {}
    for line in done.stdout.splitlines():
        service, *pairs = line.split(" ")
        exported[service] = dict(pair.split("=", 1) for pair in pairs)
    return exported


def test_keys_are_made_once_kept_private_and_given_to_grid_registry_only(repo, tmp_path):
    first = service_env(repo, tmp_path)
    keys = tmp_path / "secrets" / "field-keys.env"

    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.parent.stat().st_mode) == 0o700
    registry = first["grid_registry"]
    settings = RegistrySettings.from_env(
        {
            "GRIDGOV_FIELD_KEYS": registry["FIELD_KEYS"],
            "GRIDGOV_FIELD_HMAC_KEYS": registry["HMAC_KEYS"],
        },
        service="grid_registry",
    )
    crypto = settings.field_crypto()
    assert crypto.cipher.keyring.ids == ("local-1",)
    assert crypto.hasher.keyring.ids == ("local-mac-1",)
    assert first["identity"] == {"FIELD_KEYS": "", "HMAC_KEYS": ""}
    # A second start keeps them: the data stored under them stays readable.
    assert service_env(repo, tmp_path) == first


def test_keys_of_the_operator_win_over_the_generated_ones(repo, tmp_path):
    exported = service_env(
        repo, tmp_path, GRIDGOV_FIELD_KEYS="mine:x", GRIDGOV_FIELD_HMAC_KEYS="mac:y"
    )
    assert exported["grid_registry"] == {"FIELD_KEYS": "mine:x", "HMAC_KEYS": "mac:y"}


def test_the_keys_live_where_git_never_looks(repo):
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".infra/secrets/field-keys.env"],
        cwd=repo,
        check=False,
    )
    assert ignored.returncode == 0
