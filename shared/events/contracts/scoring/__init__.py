"""Contracts published by the scoring service, one module per aggregate.

Importing a module registers its contracts; add a line here for each new module. Results carry
ids, codes and exact decimals as text only: never a name, an explanation or a manual input's
evidence (those stay behind the score-sheet API, where roles decide who reads them).
"""

from shared.events.contracts.scoring import appeals, bulletins, evaluations, ledger, schemes

__all__ = ["appeals", "bulletins", "evaluations", "ledger", "schemes"]
