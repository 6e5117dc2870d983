"""工资/补贴发放表 (payroll): a period's pay per subject from published results, as JSON for
the console, an Excel workbook or a CSV for the finance office (the centre only)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import Response, send_file
from flask.views import MethodView
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from services.scoring.domain.numbers import money
from services.scoring.domain.payroll import Payroll, notes
from services.scoring.schemas.payroll import PayrollQuerySchema, PayrollSchema
from services.scoring.use_cases import payroll as use_cases
from services.scoring.views import CENTRE, context
from shared.auth import require_roles
from shared.http import Blueprint
from shared.workbooks import LOCAL_ZONE, export_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
# A forfeited amount stays a number (the totals add up in Excel) and reads as cancelled.
FORFEITED_FORMAT = '0.00"（取消）"'
MONEY_FORMAT = "0.00"

blp = Blueprint("payroll", __name__, description="工资/补贴发放表 (payroll from published results)")


@blp.route("/schemes/<string:scheme_id>/payroll")
class PayrollView(MethodView):
    @blp.arguments(PayrollQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, PayrollSchema)
    @blp.alt_response(409, description="a period of it is not published yet")
    @require_roles(*CENTRE)
    def get(self, scheme_id: str, period: str, format: str = "json") -> Any:
        """发放表: every subject's money lines of the period's published editions (a quarter of
        a monthly scheme: its three months side by side, summed), with totals; each amount
        traced to the sheet line (rule, period, edition) it comes from. ``format=xlsx``: the
        Excel workbook (Chinese headers, totals, provenance rows); ``format=csv``: the same
        rows as UTF-8 CSV with a BOM."""
        payroll = use_cases.get_payroll(context(), scheme_id=scheme_id, period=period)
        if format == "json":
            return payroll
        name = f"payroll-{payroll.scheme_id}-{payroll.period.label}"
        if format == "csv":
            data = codecs_bom() + to_csv(payroll).encode("utf-8")
            return _download(data, CSV, f"{name}.csv")
        return _download(to_xlsx(payroll), XLSX, f"{name}.xlsx")


def codecs_bom() -> bytes:
    """UTF-8's byte order mark: Excel opens a CSV as UTF-8 (Chinese readable) only with it."""
    return b"\xef\xbb\xbf"


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename
    )


# -- the table both files hold ---------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    value: str | Decimal | int | None
    forfeited: bool = False


def local(moment: datetime) -> str:
    return moment.astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M:%S")


def header_lines(payroll: Payroll) -> list[tuple[str, str]]:
    """What the document was made from, and when (its first rows)."""
    versions = "、".join(f"第{v}版" for v in payroll.scheme_versions)
    used = "；".join(
        f"{e.period} 第{e.edition}版（方案第{e.scheme_version}版，{local(e.evaluated_at)}发布）"
        for e in payroll.editions
    )
    period = payroll.period
    return [
        ("方案 / scheme", f"{payroll.scheme_id}（{versions}）"),
        ("发放期 / period", f"{period.label}（{period.start} 至 {period.end}）"),
        ("依据 / published editions", used),
        ("生成时间 / generated", f"{local(payroll.generated_at)}（北京时间）"),
    ]


def table(payroll: Payroll) -> tuple[list[str], list[list[Cell]]]:
    """The headers and rows (a row per subject, then the totals) of the payroll."""
    quarter = len(payroll.periods) > 1
    rules = {r.rule_id: r for r in payroll.rules}
    headers = ["序号", "姓名", "编号"]
    if quarter:
        for period in payroll.periods:
            month = f"{int(period[5:])}月"
            headers += [f"{month}{r.zh}（元）" for r in payroll.rules] + [f"{month}小计（元）"]
        headers += [f"季度{r.zh}（元）" for r in payroll.rules]
    else:
        headers += [f"{r.zh}（元）" for r in payroll.rules]
    headers += ["合计（元）", "备注"]

    def amounts(of: Any, has: Any, forfeited: Any, period: str | None) -> list[Cell]:
        return [
            Cell(of(r.rule_id, period), forfeited(r.rule_id, period))
            if has(r.rule_id, period)
            else Cell(None)
            for r in payroll.rules
        ]

    rows: list[list[Cell]] = []
    for number, row in enumerate(payroll.rows, start=1):
        cells = [Cell(number), Cell(row.subject_name), Cell(row.subject_id)]
        if quarter:
            for period in payroll.periods:
                cells += amounts(row.of, row.has, row.forfeited, period)
                cells.append(Cell(row.period_total(period)))
        cells += amounts(row.of, row.has, row.forfeited, None)
        cells += [Cell(row.total), Cell(notes(row, rules))]
        rows.append(cells)
    totals = [Cell(None), Cell("合计"), Cell(None)]
    if quarter:
        for period in payroll.periods:
            totals += [Cell(payroll.rule_total(r.rule_id, period)) for r in payroll.rules]
            totals.append(Cell(payroll.period_total(period)))
    totals += [Cell(payroll.rule_total(r.rule_id)) for r in payroll.rules]
    totals += [Cell(payroll.total), Cell(None)]
    rows.append(totals)
    return headers, rows


def title(payroll: Payroll) -> str:
    return f"{payroll.scheme_name} {payroll.period.label} 工资/补贴发放表"


# -- Excel and CSV ---------------------------------------------------------------------------


def to_xlsx(payroll: Payroll) -> bytes:
    """The payroll workbook: its title and provenance rows, the Chinese headers, a row per
    subject (amounts as numbers, forfeitures marked), the totals row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("发放表")
    bold = Font(bold=True)
    heading = export_cell(sheet, title(payroll))
    heading.font = Font(bold=True, size=14)
    sheet.append([heading])
    for label, value in header_lines(payroll):
        sheet.append([export_cell(sheet, label), export_cell(sheet, value)])
    sheet.append([])
    headers, rows = table(payroll)
    header_cells = []
    for text in headers:
        cell = export_cell(sheet, text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for cells in rows:
        sheet.append([_xlsx_cell(sheet, cell) for cell in cells])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet: Any, cell: Cell) -> Any:
    if isinstance(cell.value, Decimal):
        written = WriteOnlyCell(sheet, value=Decimal(money(cell.value)))
        written.number_format = FORFEITED_FORMAT if cell.forfeited else MONEY_FORMAT
        if cell.forfeited:
            written.font = Font(color="C00000")
        return written
    return export_cell(sheet, cell.value)


def to_csv(payroll: Payroll) -> str:
    """The same rows as the workbook, amounts with two decimals (the BOM is added on
    download). Text cells that a spreadsheet would take for a formula are quote-prefixed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_text(title(payroll))])
    for label, value in header_lines(payroll):
        writer.writerow([label, _csv_text(value)])
    writer.writerow([])
    headers, rows = table(payroll)
    writer.writerow(headers)
    for cells in rows:
        writer.writerow([_csv_value(cell) for cell in cells])
    return buffer.getvalue()


def _csv_value(cell: Cell) -> str:
    if cell.value is None:
        return ""
    if isinstance(cell.value, Decimal):
        return money(cell.value)
    if isinstance(cell.value, int):
        return str(cell.value)
    return _csv_text(cell.value)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA_START) else text


__all__: Sequence[str] = ("blp", "table", "to_csv", "to_xlsx")
