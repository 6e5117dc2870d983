"""Helpers for the campaign, frame, sample, response and resident-page tests: a tenant with
four grids, a published questionnaire, a campaign whose frame of households is imported and
whose sample is drawn, all through the use cases.

```python
fieldwork = open_campaign("tenant-a", per_grid=50, quota=10)
fieldwork.tokens   # the drawn members' link tokens, by code
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.survey.domain.campaigns import Campaign
from services.survey.use_cases import campaigns, frames, questionnaires, samples
from services.survey.use_cases.context import SurveyContext
from shared.context import Clock
from shared.registry.testing import seed_registry, square
from shared.testing.workbooks import xlsx

GRIDS = (
    ("g-1", "div-1", "G01"),
    ("g-2", "div-1", "G02"),
    ("g-3", "div-2", "G03"),
    ("g-4", "div-2", "G04"),
)
FRAME_HEADER = ("户编号", "网格编码", "联系电话", "地址")
QUESTIONS: list[dict[str, Any]] = [
    {"key": "sat", "kind": "single", "label": "您对本网格的服务满意吗？"},
    {
        "key": "topics",
        "kind": "multiple",
        "label": "您最关心哪些方面？",
        "required": False,
        "options": [
            {"key": "safety", "label": "社会治安"},
            {"key": "clean", "label": "环境卫生"},
            {"key": "help", "label": "为民服务"},
        ],
    },
    {"key": "score", "kind": "rating", "label": "请为网格员打分", "scale_max": 5},
    {"key": "advice", "kind": "text", "label": "您的意见和建议", "required": False},
]
SATISFACTION = {"question_key": "sat", "preset": "three_level", "basic_credit": "0.5"}
COMPLETE = {"sat": "satisfied", "topics": ["safety"], "score": 5, "advice": "继续保持"}


def context(tenant_id: str = "tenant-a", actor: str = "u-centre", clock: Clock | None = None):
    values: dict[str, Any] = {
        "tenant_id": tenant_id,
        "actor": actor,
        "roles": frozenset({"center-staff"}),
    }
    if clock is not None:
        values["clock"] = clock
    return SurveyContext(**values)


def seed_grids(tenant_id: str = "tenant-a") -> None:
    """Four grids in two divisions, each with a full-time worker ``w-<n>``."""
    seed_registry(
        tenant_id,
        grids=[
            (grid_id, division, code, square(120.0 + n * 0.02, 31.7), date(2025, 1, 1))
            for n, (grid_id, division, code) in enumerate(GRIDS)
        ],
        teams={
            grid_id: [(f"w-{n + 1}", "full_time_worker", date(2025, 1, 1), None)]
            for n, (grid_id, _, _) in enumerate(GRIDS)
        },
    )


def publish_questionnaire(ctx: SurveyContext) -> str:
    made = questionnaires.create_questionnaire(
        ctx, name="群众满意度问卷", questions=QUESTIONS, satisfaction=SATISFACTION
    )
    questionnaires.publish_questionnaire(ctx, questionnaire_id=made.questionnaire_id)
    return made.questionnaire_id


def frame_rows(per_grid: int, *, prefix: str = "H") -> list[tuple[str, str, str, str]]:
    """``per_grid`` households in each grid: refs H0001..., phones 1380000xxxx."""
    rows = []
    number = 0
    for _, _, code in GRIDS:
        for _ in range(per_grid):
            number += 1
            rows.append(
                (f"{prefix}{number:04d}", code, f"1380000{number:04d}", f"幸福路{number}号")
            )
    return rows


def frame_file(per_grid: int) -> bytes:
    return xlsx(FRAME_HEADER, *frame_rows(per_grid))


@dataclass
class Fieldwork:
    ctx: SurveyContext
    campaign: Campaign
    questionnaire_id: str
    tokens: dict[str, str] = field(default_factory=dict)  # code -> link token


def new_campaign(
    ctx: SurveyContext, questionnaire_id: str, *, quota: int, **changes: Any
) -> Campaign:
    values: dict[str, Any] = {
        "name": "2026年第四季度群众满意度调查",
        "kind": "third_party_survey",
        "period_kind": "quarter",
        "period": "2026-Q4",
        "questionnaire_id": questionnaire_id,
        "questionnaire_version": 1,
        "default_quota": quota,
        "seed": 20261001,
    }
    values.update(changes)
    return campaigns.create_campaign(ctx, **values)


def drawn_campaign(
    tenant_id: str = "tenant-a",
    *,
    per_grid: int = 50,
    quota: int = 10,
    opened: bool = True,
    clock: Clock | None = None,
    **changes: Any,
) -> Fieldwork:
    """Grids, questionnaire, campaign, frame imported, sample drawn (and opened)."""
    ctx = context(tenant_id, clock=clock)
    seed_grids(tenant_id)
    questionnaire_id = publish_questionnaire(ctx)
    campaign = new_campaign(ctx, questionnaire_id, quota=quota, **changes)
    report = frames.import_frame(
        ctx, campaign_id=campaign.campaign_id, data=frame_file(per_grid), filename="frame.xlsx"
    )
    assert all(row.outcome.value == "created" for row in report.rows), report.as_dict()
    samples.draw_sample(ctx, campaign_id=campaign.campaign_id)
    if opened:
        campaign = campaigns.open_campaign(ctx, campaign_id=campaign.campaign_id)
    else:
        campaign = campaigns.get_campaign(ctx, campaign_id=campaign.campaign_id).campaign
    fieldwork = Fieldwork(ctx=ctx, campaign=campaign, questionnaire_id=questionnaire_id)
    fieldwork.tokens = pending_tokens(ctx, campaign.campaign_id)
    return fieldwork


def pending_tokens(ctx: SurveyContext, campaign_id: str) -> dict[str, str]:
    """code -> token of every pending member."""
    return {
        member.code: member.token
        for member in ctx.samples.pending_links(campaign_id)
        if member.token is not None
    }


def answers(**changes: Any) -> Mapping[str, Any]:
    return {**COMPLETE, **changes}
