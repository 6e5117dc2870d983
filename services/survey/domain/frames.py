"""Sampling frames (抽样框): the households a campaign may ask, per grid.

The registry holds no residents, so the centre imports the frame: an Excel or CSV list with
户编号 (the household's reference in the centre's own list), 网格编码 (the grid in force),
联系电话 (a mobile or a landline with its area code) and, optionally, 地址. The same file
imported again changes nothing; a household seen before (same 户编号) is updated, never
duplicated.

What is kept, and how (ADR 13): the phone number and the address encrypted, each bound to its
entry and field; the household reference only as a keyed tag (`household_key`), which finds
the same household again (re-imports, duplicate answers) without storing who it is; the
entry's content as a keyed `fingerprint`, so an unchanged row is recognised without
decrypting anything. No API answers a phone number, address or household reference after the
import: the frame reads back as counts per grid.

An event-callback campaign's frame is the events closed in its period instead: one entry per
event, keyed by the event id, with no phone (the centre calls the reporter through intake).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from shared.workbooks import CellError, Column, RowProblem, text

HOUSEHOLD_REF_MAX = 64
GRID_CODE_MAX = 32
ADDRESS_MAX = 200
HEADERS = {
    "household_ref": "户编号",
    "grid_code": "网格编码",
    "phone": "联系电话",
    "address": "地址",
}

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area code (3 digits for Beijing 010 and the 02x cities, else 4) then 7-8 digits.
_LANDLINE = re.compile(r"^(0(?:10|2\d|[3-9]\d{2}))(\d{7,8})$")
_SEPARATORS = re.compile(r"[\s\-()（）]")
PHONE_REASON = "应为 11 位手机号或带区号的固定电话 / must be a mobile or a landline with area code"


def normalize_phone(raw: str) -> str | None:
    """The canonical form of a phone number (``13812345678``, ``0512-68001234``), or None
    when it is neither a mainland mobile nor a landline with its area code."""
    digits = _SEPARATORS.sub("", raw.strip())
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    if _MOBILE.match(digits):
        return digits
    landline = _LANDLINE.match(digits)
    if landline:
        return f"{landline.group(1)}-{landline.group(2)}"
    return None


def phone() -> Any:
    """A workbook cell parser for `normalize_phone` (numbers typed as numbers included)."""
    read = text(32)

    def parse(value: Any) -> str:
        found = normalize_phone(read(value))
        if found is None:
            raise CellError(PHONE_REASON)
        return found

    return parse


COLUMNS = (
    Column(
        "household_ref",
        HEADERS["household_ref"],
        text(HOUSEHOLD_REF_MAX),
        aliases=("住户编号", "户号"),
    ),
    Column("grid_code", HEADERS["grid_code"], text(GRID_CODE_MAX), aliases=("网格代码",)),
    Column("phone", HEADERS["phone"], phone(), aliases=("电话", "手机", "手机号")),
    Column("address", HEADERS["address"], text(ADDRESS_MAX), required=False, aliases=("住址",)),
)

NO_SUCH_GRID = RowProblem(
    HEADERS["grid_code"], "没有这个在用的网格 / no grid with this code in force"
)
DUPLICATED = RowProblem(
    HEADERS["household_ref"], "文件内重复 / duplicated in this file (all copies rejected)"
)
FROZEN_NEW = RowProblem(
    HEADERS["household_ref"],
    "已抽样，不能再新增住户 / the sample is drawn: no household can be added",
)
FROZEN_GRID = RowProblem(
    HEADERS["grid_code"],
    "已抽样，不能更改住户的网格 / the sample is drawn: a household keeps its grid",
)


@dataclass(frozen=True, slots=True)
class FrameEntry:
    """One household (or closed event) of a campaign's frame. ``phone`` and ``address`` are
    plain here and encrypted by the repository; ``household_key`` and ``fingerprint`` are
    keyed tags. ``revision`` 0 means not stored yet."""

    entry_id: str
    tenant_id: str
    campaign_id: str
    grid_id: str
    division_id: str | None
    household_key: str
    fingerprint: str
    created_at: datetime
    updated_at: datetime
    phone: str | None = None
    address: str | None = None
    event_id: str | None = None
    revision: int = 0


@dataclass(frozen=True, slots=True)
class Placement:
    """What a row says about its household once its grid code is resolved."""

    grid_id: str
    division_id: str | None
    phone: str | None
    address: str | None
    fingerprint: str


def place(
    existing: FrameEntry | None,
    placement: Placement,
    *,
    entry_id: str,
    tenant_id: str,
    campaign_id: str,
    household_key: str,
    sample_drawn: bool,
    now: datetime,
) -> tuple[FrameEntry | None, tuple[RowProblem, ...]]:
    """The entry after a row: a new one, the existing one updated, or None when nothing
    changes. Once the sample is drawn, a household can be corrected (phone, address) but not
    added or moved to another grid: the draw was made over the frame as it stood."""
    if existing is None:
        if sample_drawn:
            return None, (FROZEN_NEW,)
        entry = FrameEntry(
            entry_id=entry_id,
            tenant_id=tenant_id,
            campaign_id=campaign_id,
            grid_id=placement.grid_id,
            division_id=placement.division_id,
            household_key=household_key,
            fingerprint=placement.fingerprint,
            created_at=now,
            updated_at=now,
            phone=placement.phone,
            address=placement.address,
        )
        return entry, ()
    if existing.fingerprint == placement.fingerprint and existing.household_key == household_key:
        return None, ()
    if sample_drawn and existing.grid_id != placement.grid_id:
        return None, (FROZEN_GRID,)
    updated = replace(
        existing,
        grid_id=placement.grid_id,
        division_id=placement.division_id,
        phone=placement.phone,
        address=placement.address,
        fingerprint=placement.fingerprint,
        household_key=household_key,
        updated_at=now,
    )
    return updated, ()


@dataclass(frozen=True, slots=True)
class GridFrame:
    """A grid's share of the frame (what `GET /campaigns/<id>/frame` shows)."""

    grid_id: str
    entries: int


def event_entry(
    *,
    entry_id: str,
    tenant_id: str,
    campaign_id: str,
    event_id: str,
    grid_id: str,
    division_id: str | None,
    event_key: str,
    fingerprint: str,
    now: datetime,
) -> FrameEntry:
    """An event-callback frame's entry: one closed event, no contact data."""
    return FrameEntry(
        entry_id=entry_id,
        tenant_id=tenant_id,
        campaign_id=campaign_id,
        grid_id=grid_id,
        division_id=division_id,
        household_key=event_key,
        fingerprint=fingerprint,
        created_at=now,
        updated_at=now,
        event_id=event_id,
    )
