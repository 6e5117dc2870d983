"""Command line for identity.

    python -m services.identity.cli reconcile [--tenant ID ...] [--repair] [--json]

``reconcile`` compares the user directory with Keycloak, per tenant (every onboarded tenant
without ``--tenant``), and with ``--repair`` removes the drift found. Exit status: 0 when no
drift remains (none was found, or all of it was repaired), 1 when drift remains (not asked to
repair, a repair failed, or a finding needs a person), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TextIO

from services.identity import bootstrap
from services.identity.domain.ports import IdentityProvider
from services.identity.use_cases.context import PlatformContext
from services.identity.use_cases.reconcile import (
    RECONCILER,
    TenantReconciliation,
    onboarded_tenants,
    reconcile_tenant,
)

Tenants = Callable[[PlatformContext], Iterable[str]]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: settings from the environment, the real directory and Keycloak."""
    return run(argv, provider=bootstrap.command_line())


def run(
    argv: Sequence[str] | None,
    *,
    provider: IdentityProvider,
    tenants: Tenants = onboarded_tenants,
    out: TextIO = sys.stdout,
) -> int:
    """The command line over a connected directory and ``provider``; the exit status."""
    args = _parser().parse_args(argv)
    # No request and no person behind a command-line run: the reconciler acts.
    ctx = PlatformContext(actor=RECONCILER)
    return int(args.run(args, ctx, provider, tenants, out))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m services.identity.cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(required=True, dest="command")

    p = commands.add_parser("reconcile", help="compare the user directory with Keycloak")
    p.add_argument("--tenant", action="extend", nargs="+", dest="tenants", metavar="ID")
    p.add_argument("--repair", action="store_true", help="repair the drift found")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(run=_reconcile)
    return parser


def _reconcile(
    args: argparse.Namespace,
    ctx: PlatformContext,
    provider: IdentityProvider,
    tenants: Tenants,
    out: TextIO,
) -> int:
    tenant_ids = args.tenants or list(tenants(ctx))
    results = [
        reconcile_tenant(ctx.for_tenant(tenant_id), provider=provider, repair=args.repair)
        for tenant_id in tenant_ids
    ]
    if args.json:
        json.dump([r.as_dict() for r in results], out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        render_table(results, out)
    return 0 if all(result.clean for result in results) else 1


def render_table(results: Sequence[TenantReconciliation], out: TextIO) -> None:
    """The findings as an aligned text table, one line per finding."""
    header = ("tenant", "kind", "username", "user_id", "action", "detail")
    lines = [
        (
            result.tenant_id,
            outcome.finding.kind.value,
            outcome.finding.username or "-",
            outcome.finding.user_id or "-",
            outcome.action,
            outcome.finding.detail,
        )
        for result in results
        for outcome in result.outcomes
    ]
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header) - 1)]
    for row in [header, *lines]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        out.write("  ".join([*cells, row[-1]]).rstrip() + "\n")
    for result in results:
        if result.note is not None:
            out.write(f"{result.tenant_id}: {result.note}\n")
    drifted = sum(1 for result in results if result.outcomes)
    out.write(f"{len(results)} tenant(s) checked, {drifted} with drift\n")


if __name__ == "__main__":
    sys.exit(main())
