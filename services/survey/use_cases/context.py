"""`SurveyContext`: one request to survey (or one consumed message) as its use cases see it.

Built once at the edge (views: ``request_context(SurveyContext)``; the worker's handlers:
``for_message``; tests: directly). Every repository comes from here, bound to the context's
tenant and stamping the events it records with the context's producer and correlation id.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

from services.survey.repository.callbacks import CallbackRepository
from services.survey.repository.campaigns import CampaignRepository
from services.survey.repository.closed_events import ClosedEventRepository
from services.survey.repository.districts import DistrictRepository
from services.survey.repository.frames import FrameRepository
from services.survey.repository.questionnaires import QuestionnaireRepository
from services.survey.repository.rates import RatePublicationRepository, RateSettingsRepository
from services.survey.repository.responses import ResponseRepository
from services.survey.repository.samples import SampleRepository
from shared.context import RequestContext
from shared.registry.view import RegistryView


@dataclass(frozen=True)
class SurveyContext(RequestContext):
    """survey's repositories for one tenant, actor and correlation id."""

    producer: ClassVar[str] = "survey"
    # Imports answer ``?dry_run=true``: every repository comes from `repository()`.
    supports_dry_run: ClassVar[bool] = True

    @cached_property
    def registry(self) -> RegistryView:
        """The tenant's grids (in force by day), grid teams (who serves a grid on a day) as
        grid_registry's events announced them (`shared.registry`). Read only; the worker
        keeps it."""
        return self.repository(RegistryView)

    @cached_property
    def closed_events(self) -> ClosedEventRepository:
        """Intake's events as last closed or reopened (办结事项): what an event-callback
        campaign's frame is drawn from. Read only here; the worker keeps it."""
        return self.repository(ClosedEventRepository)

    @cached_property
    def callbacks(self) -> CallbackRepository:
        """12345 callbacks (回访), the latest per work order: from intake's messages and the
        provincial results file; what the hotline source of a rate counts."""
        return self.repository(CallbackRepository)

    @cached_property
    def questionnaires(self) -> QuestionnaireRepository:
        """Questionnaires (问卷): the working copy of each, and its frozen published versions
        (`published_version(questionnaire_id, version)` is what a campaign reads)."""
        return self.repository(QuestionnaireRepository)

    @cached_property
    def campaigns(self) -> CampaignRepository:
        """Campaigns (调查活动): kind, period, questionnaire version, quotas, state."""
        return self.repository(CampaignRepository)

    @cached_property
    def frames(self) -> FrameRepository:
        """Sampling frames (抽样框): households per campaign, phone and address encrypted,
        the household reference only as a keyed tag."""
        return self.repository(FrameRepository)

    @cached_property
    def samples(self) -> SampleRepository:
        """Samples (样本): drawn members, the reserve, respondent codes and one-time links."""
        return self.repository(SampleRepository)

    @cached_property
    def responses(self) -> ResponseRepository:
        """Responses (答卷) and their review; `rated_answers` is what the rates count."""
        return self.repository(ResponseRepository)

    @cached_property
    def rate_settings(self) -> RateSettingsRepository:
        """The tenant's default rate definition and minimum cell size."""
        return self.repository(RateSettingsRepository)

    @cached_property
    def publications(self) -> RatePublicationRepository:
        """Published rates: the latest edition per period and definition."""
        return self.repository(RatePublicationRepository)

    @cached_property
    def districts(self) -> DistrictRepository:
        """The tenant's district (from identity), its kept tenant rows and its copies of the
        district average; ``districts.directory`` reads across the district's tenants."""
        return self.repository(DistrictRepository)
