"""scoring settings, read once at start (see shared.settings and shared.runtime)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.runtime import ServiceSettings
from shared.settings import setting


@dataclass(frozen=True, kw_only=True)
class ScoringSettings(ServiceSettings):
    """scoring's own settings (``GRIDGOV_<NAME>``)."""

    # How often the worker re-evaluates the current period of the schemes whose tenant's
    # ledger changed: provisional scores follow a fact within this plus one evaluation.
    provisional_scan_seconds: float = setting(
        default=2.0, minimum=0.5, maximum=3600, doc="seconds between two provisional passes"
    )
    # Appeals (申诉): the largest evidence file taken, and how often the worker marks undecided
    # appeals past their review deadline overdue (`appeal.overdue`).
    appeal_evidence_max_bytes: int = setting(
        default=10 * 1_048_576, minimum=1024, maximum=64 * 1_048_576, doc="bytes per evidence file"
    )
    appeal_overdue_scan_seconds: float = setting(
        default=300.0, minimum=1, maximum=86400, doc="seconds between two overdue passes"
    )


def load() -> ScoringSettings:
    return ScoringSettings.from_env(service="scoring")
