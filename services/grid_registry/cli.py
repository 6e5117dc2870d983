"""Command line for grid_registry.

    python -m services.grid_registry.cli reencrypt [--tenant ID ...]

``reencrypt`` moves the key subjects' stored personal data to the current keys of
``GRIDGOV_FIELD_KEYS`` and ``GRIDGOV_FIELD_HMAC_KEYS``: plain values and SHA-256 digests of
before ADR 13, and values under an older key. Per tenant (every tenant holding subjects without
``--tenant``), one line each; idempotent. The worker runs the same pass at every start; run
this after putting a new key first, then drop the old key once it reports nothing left.
Exit status: 0 when nothing stale remains, 1 when subjects were left because another subject
holds the same ID number, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TextIO

from services.grid_registry import bootstrap
from services.grid_registry.use_cases.subjects import reencrypt_tenants, tenants_with_subjects


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: settings and keys from the environment, the real store."""
    _parser().parse_args(argv)  # a usage error exits 2 before anything is read
    bootstrap.command_line()
    return run(argv)


def run(
    argv: Sequence[str] | None,
    *,
    tenants: Callable[[], Iterable[str]] = tenants_with_subjects,
    out: TextIO = sys.stdout,
) -> int:
    """The command line over a connected store with installed keys; the exit status."""
    args = _parser().parse_args(argv)
    return int(args.run(args, tenants, out))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m services.grid_registry.cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(required=True, dest="command")
    p = commands.add_parser("reencrypt", help="move stored personal data to the current keys")
    p.add_argument("--tenant", action="extend", nargs="+", dest="tenants", metavar="ID")
    p.set_defaults(run=_reencrypt)
    return parser


def _reencrypt(args: argparse.Namespace, tenants: Callable[[], Iterable[str]], out: TextIO) -> int:
    results = reencrypt_tenants(args.tenants or tenants())
    for result in results:
        line = f"{result.tenant_id}: {result.rewritten} rewritten"
        if result.duplicates:
            line += f", left (ID number held by another subject): {', '.join(result.duplicates)}"
        out.write(line + "\n")
    out.write(f"{len(results)} tenant(s) checked\n")
    return 1 if any(result.duplicates for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
