"""GPS upload and track schemas (轨迹点上传 / 轨迹查询)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from services.patrol_tracking.domain.intake import CLIENT_ID_MAX, MAX_HEARTBEATS
from services.patrol_tracking.domain.points import Network, Provider
from services.patrol_tracking.domain.settings import IngestRules
from shared.http import BaseSchema

# The phone's own ids travel into keys and document ids: plain characters only.
_CLIENT_ID = validate.Regexp(
    rf"^[A-Za-z0-9._:\-]{{1,{CLIENT_ID_MAX}}}$",
    error=f"1 to {CLIENT_ID_MAX} letters, digits or . _ : -",
)
MAX_POINTS = IngestRules().max_batch  # the request's ceiling; a tenant may allow fewer
MAX_SIMPLIFY_M = 1000.0


def _float(low: float, high: float, description: str, *, required: bool = True) -> fields.Float:
    optional: dict[str, Any] = {} if required else {"allow_none": True, "load_default": None}
    return fields.Float(
        required=required,
        allow_nan=False,
        validate=validate.Range(min=low, max=high),
        metadata={"description": description},
        **optional,
    )


def _battery() -> fields.Integer:
    return fields.Integer(
        allow_none=True,
        load_default=None,
        strict=True,
        validate=validate.Range(min=0, max=100),
        metadata={"description": "电量 / battery, percent"},
    )


class PointInSchema(BaseSchema):
    point_id = fields.String(
        required=True,
        validate=_CLIENT_ID,
        metadata={"description": "点号 / the phone's own id of the fix (a resend repeats it)"},
    )
    at = fields.AwareDateTime(
        required=True, metadata={"description": "定位时间 / device time, ISO 8601 with offset"}
    )
    lat = _float(-90, 90, "纬度 / WGS84 latitude")
    lon = _float(-180, 180, "经度 / WGS84 longitude")
    accuracy_m = _float(0, 10_000, "精度 / horizontal accuracy, metres")
    provider = fields.String(
        required=True,
        validate=validate.OneOf([provider.value for provider in Provider]),
        metadata={"description": "定位来源 / gps, network or fused"},
    )
    speed_mps = _float(0, 150, "速度 / speed, m/s", required=False)
    bearing_deg = _float(0, 360, "方向 / bearing, degrees from north", required=False)
    battery_pct = _battery()


class PointBatchSchema(BaseSchema):
    fast_load = True  # the platform's hottest request: compiled (shared/fastload.py)

    points = fields.List(
        fields.Nested(PointInSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_POINTS),
        metadata={"description": f"1 to {MAX_POINTS} fixes; one bad fix refuses the upload"},
    )


class HeartbeatInSchema(BaseSchema):
    heartbeat_id = fields.String(
        required=True, validate=_CLIENT_ID, metadata={"description": "心跳号 / the phone's id"}
    )
    at = fields.AwareDateTime(
        required=True, metadata={"description": "时间 / device time, ISO 8601 with offset"}
    )
    app_alive = fields.Boolean(required=True, metadata={"description": "应用在运行 / app alive"})
    gps_permission = fields.Boolean(
        required=True, metadata={"description": "定位权限 / location permission granted"}
    )
    battery_saver = fields.Boolean(
        required=True, metadata={"description": "省电模式 / battery saver on"}
    )
    network = fields.String(
        required=True,
        validate=validate.OneOf([network.value for network in Network]),
        metadata={"description": "网络 / wifi, cellular or none"},
    )
    battery_pct = _battery()


class HeartbeatBatchSchema(BaseSchema):
    fast_load = True

    heartbeats = fields.List(
        fields.Nested(HeartbeatInSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_HEARTBEATS),
        metadata={"description": f"1 to {MAX_HEARTBEATS} heartbeats"},
    )


class AcceptedSchema(BaseSchema):
    batch_id = fields.String(
        required=True,
        metadata={"description": "批次号 / the same for a resent batch (uuid5 of its ids)"},
    )
    accepted = fields.Integer(required=True, metadata={"description": "entries accepted"})


class TrackQuerySchema(BaseSchema):
    day = fields.Date(metadata={"description": "日期 / Asia/Shanghai day (default: today)"})
    simplify = fields.Float(
        load_default=0.0,
        allow_nan=False,
        validate=validate.Range(min=0, max=MAX_SIMPLIFY_M),
        metadata={"description": "抽稀 / simplification tolerance in metres; 0: raw fixes"},
    )


class GeometrySchema(BaseSchema):
    type = fields.String(required=True, metadata={"description": "LineString; Point (one fix)"})
    coordinates = fields.Raw(required=True, metadata={"description": "[lon, lat] positions"})


class SessionPropertiesSchema(BaseSchema):
    session = fields.Integer(required=True, metadata={"description": "时段序号 / from 0"})
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    points = fields.Integer(required=True, metadata={"description": "raw fixes drawn"})


class SessionFeatureSchema(BaseSchema):
    type = fields.String(required=True)
    geometry = fields.Nested(GeometrySchema, required=True)
    properties = fields.Nested(SessionPropertiesSchema, required=True)


class TrackSchema(BaseSchema):
    """A GeoJSON FeatureCollection, one Feature per session, with foreign members naming
    the worker, the day, the tolerance and the raw fixes' count."""

    type = fields.String(required=True)
    worker_id = fields.String(required=True)
    day = fields.Date(required=True)
    simplify_m = fields.Float(required=True)
    points = fields.Integer(required=True, metadata={"description": "raw fixes of the day"})
    features = fields.List(fields.Nested(SessionFeatureSchema), required=True)
