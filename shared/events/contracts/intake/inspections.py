"""Inspection (督查) and rectification (整改) contracts published by event_intake on
`Topic.INTAKE_INSPECTIONS`.

Every inspection.* message carries the inspection's scoring-relevant state AFTER the change, so
a consumer rebuilds its view from any single message by upserting on `inspection_id`: kind
(`daily_patrol` 日常巡查, `spot_check` 不定期抽查, `resident_complaint` 群众投诉), grid, the
grid worker concerned, finding category and severity, whether a complaint was verified, the
rectification deadline, when and whether on time it was rectified, how often a rectification
was not accepted (整改不到位), confirmation and the overdue flag.

No free text and nothing about residents: never the description, evidence, reasons, or who
complained (that is not even stored). `inspection.overdue` is recorded by the system (actor
``system``) once per inspection, when the rectification deadline passed unmet: for a spot
check, the fact that doubles its deduction.
"""

from __future__ import annotations

from marshmallow import fields, validate

from shared.events.contracts import register
from shared.events.contracts.intake.workflow import ID, WorkflowStateV1
from shared.events.topics import Topic

INSPECTION_RECORDED = "inspection.recorded"
INSPECTION_VERIFIED = "inspection.verified"
INSPECTION_DISMISSED = "inspection.dismissed"
INSPECTION_RECTIFIED = "inspection.rectified"
INSPECTION_CONFIRMED = "inspection.confirmed"
INSPECTION_RECTIFICATION_REJECTED = "inspection.rectification_rejected"
INSPECTION_OVERDUE = "inspection.overdue"

KINDS = ("daily_patrol", "spot_check", "resident_complaint")
SEVERITIES = ("minor", "major", "serious")
STATES = ("open", "reported", "verified", "not_verified", "rectified", "confirmed")
ACTIONS = ("record", "verify", "dismiss", "rectify", "confirm", "reject_rectification")


class InspectionStateV1(WorkflowStateV1):
    """The shared shape of every inspection.* payload, version 1 (state and action:
    `workflow`)."""

    STATES = STATES
    ACTIONS = ACTIONS

    inspection_id = fields.String(required=True, validate=ID)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    grid_id = fields.String(required=True, validate=ID)
    worker_id = fields.String(required=True, allow_none=True, validate=ID)
    category = fields.String(required=True, validate=ID)
    severity = fields.String(required=True, allow_none=True, validate=validate.OneOf(SEVERITIES))
    found_on = fields.Date(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    verified = fields.Boolean(required=True, allow_none=True, truthy={True}, falsy={False})
    verified_at = fields.AwareDateTime(required=True, allow_none=True)
    rectification_deadline = fields.AwareDateTime(required=True, allow_none=True)
    rectified_at = fields.AwareDateTime(required=True, allow_none=True)
    rectified_on_time = fields.Boolean(required=True, allow_none=True, truthy={True}, falsy={False})
    rejected_rectifications = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=0)
    )
    confirmed_at = fields.AwareDateTime(required=True, allow_none=True)
    overdue = fields.Boolean(required=True, truthy={True}, falsy={False})


@register(INSPECTION_RECORDED, 1, Topic.INTAKE_INSPECTIONS)
class InspectionRecordedV1(InspectionStateV1):
    """A finding (state ``open``, deadline set) or a complaint (``reported``) was recorded."""


@register(INSPECTION_VERIFIED, 1, Topic.INTAKE_INSPECTIONS)
class InspectionVerifiedV1(InspectionStateV1):
    """The centre verified a complaint (核实); it now has a rectification deadline."""


@register(INSPECTION_DISMISSED, 1, Topic.INTAKE_INSPECTIONS)
class InspectionDismissedV1(InspectionStateV1):
    """The centre found a complaint not verified (state ``not_verified``, final)."""


@register(INSPECTION_RECTIFIED, 1, Topic.INTAKE_INSPECTIONS)
class InspectionRectifiedV1(InspectionStateV1):
    """A rectification was submitted; `rectified_on_time` is set."""


@register(INSPECTION_CONFIRMED, 1, Topic.INTAKE_INSPECTIONS)
class InspectionConfirmedV1(InspectionStateV1):
    """The centre accepted the rectification (state ``confirmed``, final)."""


@register(INSPECTION_RECTIFICATION_REJECTED, 1, Topic.INTAKE_INSPECTIONS)
class InspectionRectificationRejectedV1(InspectionStateV1):
    """The centre did not accept the rectification (整改不到位); a new one is awaited."""


@register(INSPECTION_OVERDUE, 1, Topic.INTAKE_INSPECTIONS)
class InspectionOverdueV1(InspectionStateV1):
    """The rectification deadline passed unmet (once per inspection)."""
