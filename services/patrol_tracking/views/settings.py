"""巡查规则 (patrol settings): track cleaning, uploads, rules per grid type, leave limit."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.patrol_tracking.domain.settings import PatrolSettings
from services.patrol_tracking.schemas.settings import (
    PatrolSettingsReplaceSchema,
    PatrolSettingsSchema,
)
from services.patrol_tracking.use_cases import settings as use_cases
from services.patrol_tracking.views import CENTRE, READERS, context
from shared.auth import require_roles
from shared.http import Blueprint

blp = Blueprint("settings", __name__, description="巡查规则与设置 (patrol settings)")


@blp.route("/settings")
class Settings(MethodView):
    @blp.response(200, PatrolSettingsSchema)
    @require_roles(*READERS)
    def get(self) -> PatrolSettings:
        """The tenant's effective patrol settings (seed 001's preset until the centre saves
        its own; revision 0)."""
        return use_cases.current(context())

    @blp.arguments(PatrolSettingsReplaceSchema)
    @blp.response(200, PatrolSettingsSchema)
    @blp.alt_response(409, description="another change landed first: read and retry")
    @require_roles(*CENTRE)
    def put(self, body: dict[str, Any]) -> PatrolSettings:
        """Replace the settings: the preset (default: the current one) with the parts sent;
        publishes `patrol_settings.changed`."""
        return use_cases.replace_settings(context(), **body)
