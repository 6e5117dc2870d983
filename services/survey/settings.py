"""survey settings, read once at start (see shared.settings and shared.runtime)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.runtime import ServiceSettings


@dataclass(frozen=True, kw_only=True)
class SurveySettings(ServiceSettings):
    """No survey-specific settings yet; the class is where they will go."""


def load() -> SurveySettings:
    return SurveySettings.from_env(service="survey")
