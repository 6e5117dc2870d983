"""Excel import and export: sheet definitions and the row -> use case mapping.

Every import answers one `ImportReport` whether or not it is a dry run: a dry run goes through
the same planning (domain rules, lookups) and only skips the writes. Rows are independent and
each lands whole or not at all: one row is one document write carrying its own outbox event, so
a failure in row 40 leaves rows 1-39 imported and row 40 untouched ("nothing half-imported").
Duplicate keys inside one workbook reject every row carrying the key: which one was meant is
the user's call, not ours.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from services.grid_registry.domain import base_info as base_info_domain
from services.grid_registry.domain import divisions as divisions_domain
from services.grid_registry.domain import grids as grids_domain
from services.grid_registry.domain import teams as teams_domain
from services.grid_registry.repository.base_info import (
    GridDirectory,
    GridRef,
    SnapshotRepository,
    SubCategoryRepository,
)
from services.grid_registry.repository.divisions import DivisionRepository
from services.grid_registry.repository.grids import GridRepository, GridSetVersionRepository
from services.grid_registry.repository.teams import TeamRepository
from services.grid_registry.use_cases import base_info as base_info_use_cases
from services.grid_registry.use_cases import divisions as divisions_use_cases
from services.grid_registry.use_cases import grids as grids_use_cases
from services.grid_registry.use_cases import teams as teams_use_cases
from shared.errors import InvalidInput, StateConflict
from shared.mongo import Conflict, NotFound
from shared.workbooks import (
    CellError,
    Column,
    ImportReport,
    Parser,
    Row,
    RowOutcome,
    RowProblem,
    RowReport,
    choice,
    day,
    integer,
    read_sheet,
    text,
    write_sheet,
)

Clock = Callable[[], datetime]
_EXPORT_PAGE = 500


def _utc_now() -> datetime:
    return datetime.now(UTC)


# -- shared helpers ----------------------------------------------------------------------------


def _problems(exc: InvalidInput, headers: Mapping[str, str]) -> tuple[RowProblem, ...]:
    """Domain problems named by field -> problems named by the column the user typed in.

    A nested path (``boundary.coordinates[0][3]``) lands on its root field's column and keeps
    the path in the reason, so the user still sees which ring or position to fix."""
    return tuple(_column_problem(p.field, p.reason, headers) for p in exc.problems)


def _column_problem(field: str, reason: str, headers: Mapping[str, str]) -> RowProblem:
    root = re.split(r"[.\[]", field, maxsplit=1)[0]
    if field == root or root not in headers:
        return RowProblem(headers.get(field), reason)
    return RowProblem(headers[root], f"{field}: {reason}")


def _rejected(row: Row, problems: Iterable[RowProblem], key: str | None = None) -> RowReport:
    return RowReport(number=row.number, outcome=RowOutcome.REJECTED, key=key, problems=(*problems,))


def _duplicates(keys: Mapping[int, Hashable]) -> set[int]:
    """Row numbers whose key appears on more than one row."""
    counts = Counter(keys.values())
    return {number for number, key in keys.items() if counts[key] > 1}


def _duplicate_problem(header: str) -> RowProblem:
    return RowProblem(header, "工作簿内重复 / duplicated in this workbook (all copies rejected)")


@dataclass(frozen=True)
class Export:
    """An export ready to download: the workbook bytes and the file name's stem."""

    name: str
    data: bytes


# -- divisions (村/社区) ----------------------------------------------------------------------

KIND_LABELS = {"村": "village", "社区": "community"}
KIND_NAMES = {value: label for label, value in KIND_LABELS.items()}
DIVISION_COLUMNS = (
    Column("code", "村社区编码", text(32), aliases=("编码",)),
    Column("name", "村社区名称", text(divisions_domain.NAME_MAX), aliases=("名称",)),
    Column("kind", "类型", choice(KIND_LABELS)),
)
_DIVISION_HEADERS = {column.key: column.header for column in DIVISION_COLUMNS}


def import_divisions(
    *,
    repo: DivisionRepository,
    actor: str,
    data: bytes,
    dry_run: bool,
    correlation_id: str | None = None,
    clock: Clock = _utc_now,
) -> ImportReport:
    """Create new codes, update changed names/kinds, leave the rest: one report per row."""
    rows = read_sheet(data, DIVISION_COLUMNS)
    duplicated = _duplicates({row.number: row.values["code"] for row in rows if row.ok})
    existing = repo.divisions_by_code({row.values["code"] for row in rows if row.ok})
    reports: list[RowReport] = []
    for row in rows:
        if not row.ok:
            reports.append(_rejected(row, row.problems, row.values.get("code")))
        elif row.number in duplicated:
            reports.append(_rejected(row, [_duplicate_problem("村社区编码")], row.values["code"]))
        else:
            reports.append(
                _division_row(
                    row,
                    existing.get(row.values["code"]),
                    repo=repo,
                    actor=actor,
                    dry_run=dry_run,
                    correlation_id=correlation_id,
                    now=clock(),
                )
            )
    return ImportReport(dry_run=dry_run, rows=tuple(reports))


def _division_row(
    row: Row,
    current: divisions_domain.Division | None,
    *,
    repo: DivisionRepository,
    actor: str,
    dry_run: bool,
    correlation_id: str | None,
    now: datetime,
) -> RowReport:
    code, name, kind = row.values["code"], row.values["name"], row.values["kind"]
    try:
        if current is None:
            # The domain check runs in dry runs too, so both answer the same report.
            divisions_domain.register_division(
                division_id="dry-run",
                tenant_id=repo.tenant_id,
                code=code,
                name=name,
                kind=kind,
                actor=actor,
                now=now,
            )
            if not dry_run:
                divisions_use_cases.create_division(
                    repo=repo,
                    actor=actor,
                    code=code,
                    name=name,
                    kind=kind,
                    correlation_id=correlation_id,
                    clock=lambda: now,
                )
            return RowReport(number=row.number, outcome=RowOutcome.CREATED, key=code)
        _, event = divisions_domain.update_division(
            current, name=name, kind=kind, actor=actor, now=now
        )
        if event is None:
            return RowReport(number=row.number, outcome=RowOutcome.UNCHANGED, key=code)
        if not dry_run:
            divisions_use_cases.update_division(
                repo=repo,
                actor=actor,
                division_id=current.division_id,
                name=name,
                kind=kind,
                correlation_id=correlation_id,
                clock=lambda: now,
            )
        return RowReport(number=row.number, outcome=RowOutcome.UPDATED, key=code)
    except InvalidInput as exc:
        return _rejected(row, _problems(exc, _DIVISION_HEADERS), code)
    except (Conflict, NotFound) as exc:
        # Another writer created or removed this code between our read and our write.
        return _rejected(
            row, [RowProblem("村社区编码", f"并发修改 / changed meanwhile: {exc}")], code
        )


def _all_divisions(repo: DivisionRepository) -> list[divisions_domain.Division]:
    found: list[divisions_domain.Division] = []
    while True:
        page = repo.list_divisions(offset=len(found), limit=_EXPORT_PAGE)
        found.extend(page.items)
        if not page.items or len(found) >= page.total:
            return found


def export_divisions(*, repo: DivisionRepository) -> Export:
    """Every division of the tenant in the import layout (re-importing it changes nothing)."""
    rows = [
        {"code": d.code, "name": d.name, "kind": KIND_NAMES[d.kind.value]}
        for d in _all_divisions(repo)
    ]
    return Export(name="divisions", data=write_sheet(DIVISION_COLUMNS, rows, title="村社区"))


# -- base information (基础信息采集) ---------------------------------------------------------

CATEGORY_CHOICES = {
    label: category.value for category, label in base_info_domain.CATEGORY_LABELS.items()
}
BASE_INFO_COLUMNS = (
    Column("grid_code", "网格编码", text(32)),
    Column("category", "类别", choice(CATEGORY_CHOICES)),
    Column("sub_category", "子类", text(base_info_domain.LABEL_MAX)),
    Column("expected", "应采集数", integer()),
    Column("collected", "已采集数", integer()),
    Column("verified", "已核实数", integer()),
    Column("as_of", "统计日期", day()),
)
_BASE_INFO_HEADERS = {column.key: column.header for column in BASE_INFO_COLUMNS}


@dataclass(frozen=True)
class _FiguresRow:
    row: Row
    grid: GridRef
    sub: base_info_domain.SubCategory
    as_of: date

    @property
    def key(self) -> tuple[str, base_info_domain.Category, str, date]:
        return (self.grid.grid_id, self.sub.category, self.sub.code, self.as_of)


def import_base_info(
    *,
    repo: SnapshotRepository,
    subs: SubCategoryRepository,
    grids: GridDirectory,
    actor: str,
    data: bytes,
    dry_run: bool,
    correlation_id: str | None = None,
    clock: Clock = _utc_now,
) -> ImportReport:
    """Record figures row by row: a new date is created, a recorded date with other figures
    is updated (replaced), the same figures are unchanged."""
    rows = read_sheet(data, BASE_INFO_COLUMNS)
    catalogue = base_info_use_cases.sub_categories(repo=subs)
    known = grids.by_codes({row.values["grid_code"] for row in rows if "grid_code" in row.values})
    reports: dict[int, RowReport] = {}
    resolved: list[_FiguresRow] = []
    for row in rows:
        key = row.values.get("grid_code")
        if not row.ok:
            reports[row.number] = _rejected(row, row.problems, key)
            continue
        grid = known.get(row.values["grid_code"])
        if grid is None:
            problem = RowProblem("网格编码", "没有这个网格 / no such grid in the tenant")
            reports[row.number] = _rejected(row, [problem], key)
            continue
        try:
            sub = base_info_domain.resolve_sub_category(
                base_info_domain.Category(row.values["category"]),
                row.values["sub_category"],
                catalogue,
            )
        except InvalidInput as exc:
            reports[row.number] = _rejected(row, _problems(exc, _BASE_INFO_HEADERS), key)
            continue
        resolved.append(_FiguresRow(row=row, grid=grid, sub=sub, as_of=row.values["as_of"]))
    duplicated = _duplicates({item.row.number: item.key for item in resolved})
    previous = repo.snapshots_on(
        grid_ids={item.grid.grid_id for item in resolved},
        dates={item.as_of for item in resolved},
    )
    for item in resolved:
        if item.row.number in duplicated:
            reports[item.row.number] = _rejected(
                item.row, [_duplicate_problem("网格编码")], item.grid.code
            )
            continue
        reports[item.row.number] = _figures_row(
            item,
            previous.get(item.key),
            repo=repo,
            actor=actor,
            dry_run=dry_run,
            correlation_id=correlation_id,
            now=clock(),
        )
    return ImportReport(dry_run=dry_run, rows=tuple(reports[row.number] for row in rows))


_OUTCOMES = {
    "created": RowOutcome.CREATED,
    "replaced": RowOutcome.UPDATED,
    "unchanged": RowOutcome.UNCHANGED,
}


def _figures_row(
    item: _FiguresRow,
    previous: base_info_domain.Snapshot | None,
    *,
    repo: SnapshotRepository,
    actor: str,
    dry_run: bool,
    correlation_id: str | None,
    now: datetime,
) -> RowReport:
    values = item.row.values
    try:
        recorded, event = base_info_use_cases.plan_figures(
            tenant_id=repo.tenant_id,
            grid=item.grid,
            sub_category=item.sub,
            as_of=item.as_of,
            expected=values["expected"],
            collected=values["collected"],
            verified=values["verified"],
            previous=previous,
            actor=actor,
            now=now,
        )
        if not dry_run:
            base_info_use_cases.store(
                repo=repo, recorded=recorded, event=event, correlation_id=correlation_id
            )
    except InvalidInput as exc:
        return _rejected(item.row, _problems(exc, _BASE_INFO_HEADERS), item.grid.code)
    except Conflict as exc:
        problem = RowProblem("统计日期", f"并发修改 / changed meanwhile: {exc}")
        return _rejected(item.row, [problem], item.grid.code)
    return RowReport(
        number=item.row.number, outcome=_OUTCOMES[recorded.outcome], key=item.grid.code
    )


def export_base_info(
    *,
    repo: SnapshotRepository,
    subs: SubCategoryRepository,
    grids: GridDirectory,
    as_of: date | None = None,
    clock: Clock = _utc_now,
) -> Export:
    """The latest figures on or before ``as_of`` (default today), each with its own date, in
    the import layout: re-importing the file changes nothing."""
    day_ = as_of or base_info_domain.tenant_today(clock())
    snapshots = base_info_use_cases.latest_snapshots(repo=repo, as_of=day_)
    codes = grids.by_ids({s.grid_id for s in snapshots})
    labels = {
        (sub.category, sub.code): sub.label for sub in base_info_use_cases.sub_categories(repo=subs)
    }
    rows: list[dict[str, Any]] = [
        {
            "grid_code": codes[s.grid_id].code if s.grid_id in codes else s.grid_id,
            "category": base_info_domain.CATEGORY_LABELS[s.category],
            "sub_category": labels.get((s.category, s.sub_category), s.sub_category),
            "expected": s.figures.expected,
            "collected": s.figures.collected,
            "verified": s.figures.verified,
            "as_of": s.as_of,
        }
        for s in snapshots
    ]
    return Export(name="base-info", data=write_sheet(BASE_INFO_COLUMNS, rows, title="基础信息"))


# -- grids (网格) -----------------------------------------------------------------------------
#
# Rows apply in sheet order, and every row is checked against the tenant's active grids as
# the rows before it left them (`_Territory`), in a dry run as in a real one: when two rows of
# one workbook overlap each other, the first lands and the later one is rejected naming the
# first, so the dry run answers exactly what the real import will do. A grid that gives area
# to a neighbour must therefore come before the neighbour's growing row.

GRID_TYPE_LABELS = {
    "社区网格": grids_domain.GridType.COMMUNITY.value,
    "农村网格": grids_domain.GridType.VILLAGE.value,
    "企业网格": grids_domain.GridType.ENTERPRISE.value,
    "专属网格": grids_domain.GridType.SPECIAL.value,
}
GRID_TYPE_NAMES = {value: label for label, value in GRID_TYPE_LABELS.items()}
# Excel keeps at most 32,767 characters in a cell: longer boundaries belong in the JSON API.
CELL_MAX = 32_767


def _geojson() -> Parser:
    """GeoJSON typed into a cell -> the parsed object (the domain then checks the polygon)."""
    as_text = text(CELL_MAX)

    def parse(value: Any) -> Any:
        try:
            return json.loads(as_text(value))
        except ValueError:
            raise CellError("不是有效的 JSON / not valid JSON") from None

    return parse


GRID_COLUMNS = (
    Column("code", "网格编码", text(32)),
    Column("name", "网格名称", text(grids_domain.NAME_MAX)),
    Column("division_code", "村社区编码", text(32)),
    Column("type", "网格类型", choice(GRID_TYPE_LABELS)),
    Column("boundary", "边界GeoJSON", _geojson(), aliases=("边界", "GeoJSON")),
)
_GRID_HEADERS = {
    **{column.key: column.header for column in GRID_COLUMNS},
    "division_id": "村社区编码",
}


class _Territory:
    """The tenant's active grids as the rows so far left them, to check overlaps in memory
    (a bounding-box filter first, so each row costs the grids near it, not all of them)."""

    def __init__(self, grids: Iterable[grids_domain.Grid]) -> None:
        self._grids: dict[str, tuple[grids_domain.Grid, tuple[float, ...]]] = {}
        for grid in grids:
            self.put(grid)

    def put(self, grid: grids_domain.Grid) -> None:
        if grid.is_active:
            self._grids[grid.grid_id] = (grid, tuple(grid.shape().bounds))

    def check(self, shape: grids_domain.Shape, exclude: str | None = None) -> None:
        """`InvalidInput` on ``boundary`` when ``shape`` overlaps an active grid (the domain's
        rule and message, as the use case would raise them)."""
        min_x, min_y, max_x, max_y = shape.geometry.bounds
        near = [
            grid
            for grid_id, (grid, (x0, y0, x1, y1)) in self._grids.items()
            if grid_id != exclude and x0 <= max_x and min_x <= x1 and y0 <= max_y and min_y <= y1
        ]
        grids_domain.check_no_overlap(shape, near, "boundary")


def _all_grids(repo: GridRepository) -> list[grids_domain.Grid]:
    """Every grid of the tenant, retired ones included (codes are never reused)."""
    found: list[grids_domain.Grid] = []
    while True:
        page = repo.list_grids(offset=len(found), limit=_EXPORT_PAGE)
        found.extend(page.items)
        if not page.items or len(found) >= page.total:
            return found


def import_grids(
    *,
    repo: GridRepository,
    divisions: DivisionRepository,
    versions: GridSetVersionRepository,
    actor: str,
    data: bytes,
    dry_run: bool,
    correlation_id: str | None = None,
    clock: Clock = _utc_now,
) -> ImportReport:
    """Create new codes, rename/retype and re-draw existing grids, leave identical ones."""
    rows = read_sheet(data, GRID_COLUMNS)
    # A copy with a bad cell still makes its code ambiguous: every row carrying it counts.
    duplicated = _duplicates(
        {row.number: row.values["code"] for row in rows if "code" in row.values}
    )
    known = divisions.divisions_by_code(
        {row.values["division_code"] for row in rows if "division_code" in row.values}
    )
    existing = {grid.code: grid for grid in _all_grids(repo)}
    writer = _GridWriter(
        repo=repo,
        divisions=divisions,
        versions=versions,
        territory=_Territory(existing.values()),
        actor=actor,
        dry_run=dry_run,
        correlation_id=correlation_id,
    )
    reports: list[RowReport] = []
    for row in rows:
        code = row.values.get("code")
        problems = list(row.problems)
        if row.number in duplicated:
            problems.append(_duplicate_problem("网格编码"))
        if problems:
            reports.append(_rejected(row, problems, code))
            continue
        reports.append(
            _grid_row(
                row,
                existing.get(row.values["code"]),
                known.get(row.values["division_code"]),
                writer,
                clock(),
            )
        )
    return ImportReport(dry_run=dry_run, rows=tuple(reports))


@dataclass(frozen=True)
class _GridWriter:
    """What every grid row needs to plan and (unless a dry run) write."""

    repo: GridRepository
    divisions: DivisionRepository
    versions: GridSetVersionRepository
    territory: _Territory
    actor: str
    dry_run: bool
    correlation_id: str | None


def _grid_row(
    row: Row,
    current: grids_domain.Grid | None,
    division: divisions_domain.Division | None,
    writer: _GridWriter,
    now: datetime,
) -> RowReport:
    code = row.values["code"]
    problems: list[RowProblem] = []
    if division is None:
        problems.append(RowProblem("村社区编码", "没有这个村社区 / no such division in the tenant"))
    elif current is not None and current.division_id != division.division_id:
        owner = writer.divisions.find_division(current.division_id)
        problems.append(
            RowProblem(
                "村社区编码",
                f"网格属于 {owner.code if owner else current.division_id}，导入不能改村社区 "
                "/ the grid belongs to another division; import does not move grids",
            )
        )
    try:
        shape = grids_domain.validate_shape(row.values["boundary"])
    except InvalidInput as exc:
        problems.extend(_problems(exc, _GRID_HEADERS))
    if problems:
        return _rejected(row, problems, code)
    assert division is not None  # narrowed by the problems check above
    try:
        if current is None:
            outcome = _create_grid(row, division, shape, writer, now)
        else:
            outcome = _change_grid(row, current, shape, writer, now)
    except InvalidInput as exc:
        return _rejected(row, _problems(exc, _GRID_HEADERS), code)
    except StateConflict as exc:
        return _rejected(row, [RowProblem("网格编码", f"已撤销 / {exc}")], code)
    except (Conflict, NotFound) as exc:
        # Another writer created, changed or retired this grid between our read and our write.
        problem = RowProblem("网格编码", f"并发修改 / changed meanwhile: {exc}")
        return _rejected(row, [problem], code)
    return RowReport(number=row.number, outcome=outcome, key=code)


def _create_grid(
    row: Row,
    division: divisions_domain.Division,
    shape: grids_domain.Shape,
    writer: _GridWriter,
    now: datetime,
) -> RowOutcome:
    values = row.values
    # The domain and the overlap check run in dry runs too: both answer the same report.
    planned, _ = grids_domain.create_grid(
        grid_id=f"dry-run-{row.number}",
        tenant_id=writer.repo.tenant_id,
        division_id=division.division_id,
        code=values["code"],
        name=values["name"],
        type=values["type"],
        shape=shape,
        actor=writer.actor,
        now=now,
    )
    writer.territory.check(shape)
    if not writer.dry_run:
        planned = grids_use_cases.create_grid(
            repo=writer.repo,
            divisions=writer.divisions,
            versions=writer.versions,
            actor=writer.actor,
            division_id=division.division_id,
            code=values["code"],
            name=values["name"],
            type=values["type"],
            boundary=values["boundary"],
            correlation_id=writer.correlation_id,
            clock=lambda: now,
        )
    writer.territory.put(planned)
    return RowOutcome.CREATED


def _change_grid(
    row: Row,
    current: grids_domain.Grid,
    shape: grids_domain.Shape,
    writer: _GridWriter,
    now: datetime,
) -> RowOutcome:
    name, type_ = row.values["name"], row.values["type"]
    renamed = name != current.name or type_ != current.type.value
    # Topological equality: the same polygon typed from another vertex is no change.
    redrawn = not shape.geometry.equals(current.shape())
    if not renamed and not redrawn:
        return RowOutcome.UNCHANGED
    planned = current
    if renamed:
        planned, _ = grids_domain.update_grid(
            planned, name=name, type=type_, actor=writer.actor, now=now
        )
    if redrawn:
        planned, _ = grids_domain.change_boundary(planned, shape=shape, actor=writer.actor, now=now)
        writer.territory.check(shape, exclude=current.grid_id)
    if not writer.dry_run:
        # Both were checked above, so only a concurrent writer can come between the two writes.
        if redrawn:
            planned = grids_use_cases.change_boundary(
                repo=writer.repo,
                versions=writer.versions,
                actor=writer.actor,
                grid_id=current.grid_id,
                boundary=row.values["boundary"],
                correlation_id=writer.correlation_id,
                clock=lambda: now,
            )
        if renamed:
            planned = grids_use_cases.update_grid(
                repo=writer.repo,
                versions=writer.versions,
                actor=writer.actor,
                grid_id=current.grid_id,
                name=name,
                type=type_,
                correlation_id=writer.correlation_id,
                clock=lambda: now,
            )
    writer.territory.put(planned)
    return RowOutcome.UPDATED


def export_grids(*, repo: GridRepository, divisions: DivisionRepository) -> Export:
    """Every active grid in the import layout (re-importing it changes nothing)."""
    codes = {d.division_id: d.code for d in _all_divisions(divisions)}
    rows = [
        {
            "code": grid.code,
            "name": grid.name,
            "division_code": codes.get(grid.division_id, grid.division_id),
            "type": GRID_TYPE_NAMES[grid.type.value],
            "boundary": json.dumps(grid.boundary, separators=(",", ":")),
        }
        for grid in repo.active_grids()
    ]
    return Export(name="grids", data=write_sheet(GRID_COLUMNS, rows, title="网格"))


# -- grid teams (网格队伍) --------------------------------------------------------------------
#
# A row names one membership by (grid, role, user id or else name, start date). Blank 手机号
# and 终止日期 are part of the statement (no phone, open-ended), as the export writes them; a
# blank 用户ID only means "match by name" and never clears a stored one. Like grids, rows apply
# in sheet order against the teams as the rows before them left them, in dry runs too, so two
# rows claiming one single seat for overlapping dates: the first lands, the second is rejected.

ROLE_CHOICES = {
    label.split(" / ")[0]: role.value for role, label in teams_domain.ROLE_LABELS.items()
}
ROLE_NAMES = {value: label for label, value in ROLE_CHOICES.items()}
TEAM_COLUMNS = (
    Column("grid_code", "网格编码", text(32)),
    Column("role", "角色", choice(ROLE_CHOICES)),
    Column("person_name", "姓名", text(teams_domain.NAME_MAX)),
    Column("user_id", "用户ID", text(teams_domain.USER_ID_MAX), required=False),
    Column("phone", "手机号", text(20), required=False, aliases=("电话",)),
    Column("starts_on", "起始日期", day()),
    Column("ends_on", "终止日期", day(), required=False),
)
_TEAM_HEADERS = {column.key: column.header for column in TEAM_COLUMNS}
_ROLE_ORDER = {role: index for index, role in enumerate(teams_domain.TeamRole)}


def _membership_key(grid_id: str, values: Mapping[str, Any]) -> Hashable:
    who = ("user", values["user_id"]) if values.get("user_id") else ("name", values["person_name"])
    return (grid_id, values["role"], who, values["starts_on"])


def _matching(
    team: teams_domain.GridTeam, values: Mapping[str, Any]
) -> teams_domain.Membership | None:
    user_id = values.get("user_id")
    for member in team.memberships:
        if member.role.value != values["role"] or member.starts_on != values["starts_on"]:
            continue
        if (
            (member.user_id == user_id)
            if user_id
            else (member.person_name == values["person_name"])
        ):
            return member
    return None


def import_teams(
    *,
    teams: TeamRepository,
    grids: GridRepository,
    actor: str,
    data: bytes,
    dry_run: bool,
    correlation_id: str | None = None,
    clock: Clock = _utc_now,
) -> ImportReport:
    """Assign new memberships, correct end dates/phones/names of known ones, leave the rest."""
    rows = read_sheet(data, TEAM_COLUMNS)
    by_code = {grid.code: grid for grid in _all_grids(grids)}
    reports: dict[int, RowReport] = {}
    resolved: list[tuple[Row, grids_domain.Grid]] = []
    for row in rows:
        key = row.values.get("grid_code")
        if not row.ok:
            reports[row.number] = _rejected(row, row.problems, key)
            continue
        grid = by_code.get(row.values["grid_code"])
        if grid is None:
            problem = RowProblem("网格编码", "没有这个网格 / no such grid in the tenant")
            reports[row.number] = _rejected(row, [problem], key)
            continue
        resolved.append((row, grid))
    duplicated = _duplicates(
        {row.number: _membership_key(grid.grid_id, row.values) for row, grid in resolved}
    )
    stored = teams.teams_of(grid.grid_id for _, grid in resolved)
    writer = _TeamWriter(
        teams=teams,
        grids=grids,
        rosters={
            grid.grid_id: stored.get(grid.grid_id)
            or teams_domain.new_team(grid=grid, tenant_id=teams.tenant_id)
            for _, grid in resolved
        },
        actor=actor,
        dry_run=dry_run,
        correlation_id=correlation_id,
    )
    for row, grid in resolved:
        if row.number in duplicated:
            reports[row.number] = _rejected(row, [_duplicate_problem("姓名")], grid.code)
        else:
            reports[row.number] = _membership_row(row, grid, writer, clock())
    return ImportReport(dry_run=dry_run, rows=tuple(reports[row.number] for row in rows))


@dataclass(frozen=True)
class _TeamWriter:
    """What every membership row needs: the repositories, the teams as the rows so far left
    them (``rosters``, by grid id), and whether to write."""

    teams: TeamRepository
    grids: GridRepository
    rosters: dict[str, teams_domain.GridTeam]
    actor: str
    dry_run: bool
    correlation_id: str | None


def _membership_row(
    row: Row, grid: grids_domain.Grid, writer: _TeamWriter, now: datetime
) -> RowReport:
    values = row.values
    match = _matching(writer.rosters[grid.grid_id], values)
    changes: dict[str, Any] = {}
    if match is not None:
        if match.ends_on != values.get("ends_on"):
            changes["ends_on"] = values.get("ends_on")
        if match.phone != values.get("phone"):
            changes["phone"] = values.get("phone")
        if values.get("user_id") and match.person_name != values["person_name"]:
            changes["person_name"] = values["person_name"]
        if not changes:
            return RowReport(number=row.number, outcome=RowOutcome.UNCHANGED, key=grid.code)
    if not grid.is_active:
        problem = RowProblem("网格编码", f"网格已撤销 / grid {grid.code} is retired")
        return _rejected(row, [problem], grid.code)
    try:
        if match is None:
            outcome = _assign(row, grid, writer, now)
        else:
            outcome = _correct(grid, match, changes, writer, now)
    except InvalidInput as exc:
        return _rejected(row, _problems(exc, _TEAM_HEADERS), grid.code)
    except StateConflict as exc:
        # The seat is taken for those dates (the grid's own state was checked above).
        return _rejected(row, [RowProblem("起始日期", f"岗位已有人 / {exc}")], grid.code)
    except (Conflict, NotFound) as exc:
        problem = RowProblem("网格编码", f"并发修改 / changed meanwhile: {exc}")
        return _rejected(row, [problem], grid.code)
    return RowReport(number=row.number, outcome=outcome, key=grid.code)


def _assign(row: Row, grid: grids_domain.Grid, writer: _TeamWriter, now: datetime) -> RowOutcome:
    values = row.values
    # The domain runs in dry runs too, on the team as the earlier rows left it.
    writer.rosters[grid.grid_id], _ = teams_domain.assign_member(
        writer.rosters[grid.grid_id],
        grid=grid,
        membership_id=f"dry-run-{row.number}",
        role=values["role"],
        user_id=values.get("user_id"),
        person_name=values["person_name"],
        phone=values.get("phone"),
        starts_on=values["starts_on"],
        ends_on=values.get("ends_on"),
        actor=writer.actor,
        now=now,
    )
    if not writer.dry_run:
        teams_use_cases.assign_member(
            teams=writer.teams,
            grids=writer.grids,
            grid_id=grid.grid_id,
            actor=writer.actor,
            role=values["role"],
            person_name=values["person_name"],
            starts_on=values["starts_on"],
            user_id=values.get("user_id"),
            phone=values.get("phone"),
            ends_on=values.get("ends_on"),
            correlation_id=writer.correlation_id,
            clock=lambda: now,
        )
    return RowOutcome.CREATED


def _correct(
    grid: grids_domain.Grid,
    match: teams_domain.Membership,
    changes: dict[str, Any],
    writer: _TeamWriter,
    now: datetime,
) -> RowOutcome:
    team = writer.rosters[grid.grid_id]
    ends_on = changes.get("ends_on")
    if set(changes) == {"ends_on"} and match.ends_on is None and ends_on is not None:
        # Someone left: consumers get `team.member_ended`, not a correction.
        writer.rosters[grid.grid_id], _ = teams_domain.end_member(
            team,
            grid=grid,
            membership_id=match.membership_id,
            ends_on=ends_on,
            actor=writer.actor,
            now=now,
        )
        if not writer.dry_run:
            teams_use_cases.end_member(
                teams=writer.teams,
                grids=writer.grids,
                grid_id=grid.grid_id,
                membership_id=match.membership_id,
                ends_on=ends_on,
                actor=writer.actor,
                correlation_id=writer.correlation_id,
                clock=lambda: now,
            )
        return RowOutcome.UPDATED
    writer.rosters[grid.grid_id], _ = teams_domain.change_member(
        team,
        grid=grid,
        membership_id=match.membership_id,
        actor=writer.actor,
        now=now,
        **changes,
    )
    if not writer.dry_run:
        teams_use_cases.change_member(
            teams=writer.teams,
            grids=writer.grids,
            grid_id=grid.grid_id,
            membership_id=match.membership_id,
            actor=writer.actor,
            changes=changes,
            correlation_id=writer.correlation_id,
            clock=lambda: now,
        )
    return RowOutcome.UPDATED


def export_teams(*, teams: TeamRepository, grids: GridRepository, on: date | None = None) -> Export:
    """Memberships active on ``on`` (default: every membership, history included) in the
    import layout, by grid code, role and start date: re-importing it changes nothing."""
    by_id = {grid.grid_id: grid for grid in _all_grids(grids)}
    stored = teams.teams_of(by_id)
    rows: list[dict[str, Any]] = []
    for grid in sorted(by_id.values(), key=lambda g: g.code):
        team = stored.get(grid.grid_id)
        if team is None:
            continue
        members = [m for m in team.memberships if on is None or m.active_on(on)]
        for member in sorted(
            members, key=lambda m: (_ROLE_ORDER[m.role], m.starts_on, m.membership_id)
        ):
            rows.append(
                {
                    "grid_code": grid.code,
                    "role": ROLE_NAMES[member.role.value],
                    "person_name": member.person_name,
                    "user_id": member.user_id,
                    "phone": member.phone,
                    "starts_on": member.starts_on,
                    "ends_on": member.ends_on,
                }
            )
    return Export(name="teams", data=write_sheet(TEAM_COLUMNS, rows, title="网格队伍"))
