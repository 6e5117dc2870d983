"""Contracts published by the survey service, one module per aggregate.

Importing a module registers its contracts; add a line here for each new module. No contract
carries answer text, a respondent's phone number, address or household: ids, codes, counts,
rates and instants only.
"""

from shared.events.contracts.survey import callbacks, campaigns, questionnaires, rates, responses

__all__ = ["callbacks", "campaigns", "questionnaires", "rates", "responses"]
