"""Instants as the platform passes them around: always timezone-aware.

Domain functions take `now` from their caller (a use case reads the clock once per request)
and refuse a naive datetime: a naive instant is a bug in the caller, never the client's input.
Reading needs no fix-up: `shared.mongo.connect` asks pymongo for aware datetimes (UTC); an
instant to store and also answer at once is cut to the store's precision by `to_millisecond`.
"""

from __future__ import annotations

from datetime import datetime


def require_aware(moment: datetime, name: str = "now") -> datetime:
    """`moment` itself; `ValueError` when it carries no timezone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment


def to_millisecond(moment: datetime) -> datetime:
    """``moment`` cut to whole milliseconds, its timezone kept.

    The store keeps milliseconds (a BSON date): a value answered at once equals the same
    value read back later only when it was cut before it was stored.
    """
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
