"""事项设置 (intake settings): categories and deadlines, calendar, duplicate rule."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.event_intake.domain.settings import IntakeSettings
from services.event_intake.schemas.settings import SettingsChangeSchema, SettingsSchema
from services.event_intake.use_cases import settings as use_cases
from services.event_intake.views import CENTRE, READERS, context
from shared.auth import require_roles
from shared.http import Blueprint

blp = Blueprint("settings", __name__, description="事项分类、时限与工作日历 (intake settings)")


@blp.route("/settings")
class Settings(MethodView):
    @blp.response(200, SettingsSchema)
    @require_roles(*READERS)
    def get(self) -> IntakeSettings:
        """The tenant's categories with their deadlines, calendar overrides and duplicate rule
        (the defaults until the centre changes them)."""
        return use_cases.current(context())

    @blp.arguments(SettingsChangeSchema)
    @blp.response(200, SettingsSchema)
    @blp.alt_response(409, description="another change landed first: read and retry")
    @require_roles(*CENTRE)
    def patch(self, body: dict[str, Any]) -> IntakeSettings:
        """Replace the parts sent; publishes `intake_settings.changed`."""
        return use_cases.change(context(), **body)
