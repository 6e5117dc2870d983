"""排名通报 (bulletins): publish a period's ranking notice from its published results, list
them, and read one as JSON, an Excel workbook, a printable A4 page (HTML) or a PDF.

Publishing is the centre's; reading is everyone's of the tenant (a bulletin is posted publicly
inside the township): the centre and every grid role."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from flask import Response, send_file
from flask.views import MethodView
from jinja2 import Environment, FileSystemLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from services.scoring.domain.bulletins import MOVEMENT_ZH, Bulletin, Movement, Standing
from services.scoring.schemas.bulletins import (
    BulletinListQuerySchema,
    BulletinPublishSchema,
    BulletinQuerySchema,
    BulletinSchema,
    BulletinSummarySchema,
)
from services.scoring.use_cases import bulletins as use_cases
from services.scoring.views import CENTRE, context
from shared.auth import Role, require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema
from shared.workbooks import LOCAL_ZONE, export_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML = "text/html; charset=utf-8"
PDF = "application/pdf"
READERS = (*CENTRE, Role.GRID_LEADER, Role.GRID_WORKER, Role.GRID_INSTRUCTOR)
_SCHEME = "/schemes/<string:scheme_id>"
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(("html",)),
)
SUBJECT_ZH = {"worker": "网格员", "grid": "网格", "division": "村（社区）"}

blp = Blueprint("bulletins", __name__, description="排名通报 (ranking bulletins)")


@blp.route(f"{_SCHEME}/bulletins")
class Bulletins(MethodView):
    @blp.arguments(BulletinListQuerySchema, location="query")
    @blp.response(200, page_schema(BulletinSummarySchema))
    @require_roles(*READERS)
    def get(self, paging: PageRequest, scheme_id: str) -> PageResponse[dict[str, Any]]:
        """The scheme's published bulletins, the latest period first."""
        found = use_cases.list_bulletins(
            context(), scheme_id=scheme_id, offset=paging.offset, limit=paging.limit
        )
        return paging.page_of(found.items, found.total)

    @blp.arguments(BulletinPublishSchema)
    @blp.response(201, BulletinSchema)
    @blp.alt_response(200, description="published already: the same bulletin")
    @blp.alt_response(409, description="the period has no published results")
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any], scheme_id: str) -> Any:
        """发布排名通报: the period's bulletin from its latest published edition, with the
        movement since the previous published period, the red and black lists and the
        scheme's streak notices (`bulletin.published`). The same period and edition again
        answers the stored bulletin (200)."""
        published = use_cases.publish_bulletin(context(), scheme_id=scheme_id, **body)
        return published.bulletin, (201 if published.created else 200)


@blp.route(f"{_SCHEME}/bulletins/<string:period>")
class BulletinItem(MethodView):
    @blp.arguments(BulletinQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, BulletinSchema)
    @require_roles(*READERS)
    def get(
        self,
        scheme_id: str,
        period: str,
        format: str = "json",
        edition: int | None = None,
    ) -> Any:
        """A published bulletin: JSON, ``format=xlsx`` (Excel), ``html`` (a printable A4 page)
        or ``pdf``; each says the scheme version, period and edition it was made from and when
        it was published."""
        bulletin = use_cases.get_bulletin(
            context(), scheme_id=scheme_id, period=period, edition=edition
        )
        if format == "json":
            return bulletin
        name = f"bulletin-{bulletin.scheme_id}-{bulletin.period}-e{bulletin.source.edition}"
        if format == "html":
            return Response(to_html(bulletin), mimetype="text/html", content_type=HTML)
        if format == "pdf":
            return _download(to_pdf(bulletin), PDF, f"{name}.pdf")
        return _download(to_xlsx(bulletin), XLSX, f"{name}.xlsx")


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename
    )


# -- what every format shows -----------------------------------------------------------------


def local(moment: Any) -> str:
    return str(moment.astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M"))


def title(bulletin: Bulletin) -> str:
    return f"{bulletin.scheme_name} {bulletin.period} 排名通报"


def provenance(bulletin: Bulletin) -> list[tuple[str, str]]:
    """Which versions the bulletin was made from, and when it was published."""
    source = bulletin.source
    lines = [
        ("方案", f"{bulletin.scheme_id}（第{source.scheme_version}版）"),
        ("考核期", f"{bulletin.period}（{bulletin.first_day} 至 {bulletin.last_day}）"),
        ("依据", f"{bulletin.period} 考核结果第{source.edition}版（{local(source.evaluated_at)}）"),
    ]
    if bulletin.previous is not None:
        previous = bulletin.previous
        lines.append(("对比上期", f"{previous.period} 考核结果第{previous.edition}版"))
    lines.append(("发布时间", f"{local(bulletin.published_at)}（北京时间）"))
    return lines


def movement(standing: Standing) -> str:
    if standing.movement is None:
        return "—"
    if standing.movement in (Movement.UP, Movement.DOWN) and standing.change is not None:
        return f"{MOVEMENT_ZH[standing.movement]}{abs(standing.change)}位"
    return MOVEMENT_ZH[standing.movement]


def flag_names(bulletin: Bulletin, standing: Standing) -> str:
    names = {notice.flag.id: notice.flag.zh for notice in bulletin.notices}
    return "、".join(names.get(flag, flag) for flag in standing.flags)


def lists_note(bulletin: Bulletin) -> str:
    if bulletin.list_by.value == "grade":
        return "按等级（最高、最低等级）"
    return f"按排名（前{bulletin.size}名、后{bulletin.size}名，并列不拆分）"


# -- HTML, PDF, Excel ------------------------------------------------------------------------


def to_html(bulletin: Bulletin) -> str:
    """A printable A4 page: no script, print CSS only."""
    has_grades = any(s.grade for s in bulletin.standings)
    return _TEMPLATES.get_template("bulletin.html").render(
        title=title(bulletin),
        provenance=[*provenance(bulletin), ("红黑榜", lists_note(bulletin))],
        has_grades=has_grades,
        standings=[
            {
                "rank": s.rank,
                "subject_name": s.subject_name,
                "total": None if s.total is None else f"{s.total}",
                "grade": s.grade_zh or s.grade,
                "movement": movement(s),
                "movement_class": s.movement.value if s.movement else "",
                "flags": flag_names(bulletin, s),
            }
            for s in bulletin.standings
        ],
        red=[bulletin.name_of(s) for s in bulletin.red],
        black=[bulletin.name_of(s) for s in bulletin.black],
        notices=[
            {"zh": n.flag.zh, "names": "、".join(bulletin.name_of(s) for s in n.subjects)}
            for n in bulletin.notices
        ],
    )


def to_pdf(bulletin: Bulletin) -> bytes:
    """The same page as a PDF (A4), in reportlab's built-in Chinese CID font STSong-Light:
    no system font is needed to render it, and readers carry the font."""
    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=12)
    heading = ParagraphStyle("h1", parent=body, fontSize=17, leading=24, alignment=1)
    section = ParagraphStyle("h2", parent=body, fontSize=13, leading=20, spaceBefore=8)

    def text(value: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(_escape(value), style)

    story: list[Flowable] = [text(title(bulletin), heading), Spacer(1, 3 * mm)]
    for label, value in [*provenance(bulletin), ("红黑榜", lists_note(bulletin))]:
        story.append(text(f"{label}：{value}", small))
    story.append(text("一、排名情况", section))
    has_grades = any(s.grade for s in bulletin.standings)
    head = ["排名", "名称", "总分", *(["等级"] if has_grades else []), "较上期", "备注"]
    rows: list[list[Any]] = [[text(h) for h in head]]
    for s in bulletin.standings:
        rows.append(
            [
                text("—" if s.rank is None else str(s.rank)),
                text(s.subject_name),
                text("不参评" if s.total is None else str(s.total)),
                *([text(s.grade_zh or s.grade or "")] if has_grades else []),
                text(movement(s)),
                text(flag_names(bulletin, s)),
            ]
        )
    widths = [14 * mm, 52 * mm, 22 * mm, *([20 * mm] if has_grades else []), 24 * mm]
    widths.append(A4[0] - 30 * mm - sum(widths))
    grid = Table(rows, colWidths=widths, repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story.append(grid)
    for heading_text, ids in (("二、红榜", bulletin.red), ("三、黑榜", bulletin.black)):
        story.append(text(heading_text, section))
        names = "、".join(bulletin.name_of(s) for s in ids)
        story.append(text(names or "本期无"))
    story.append(text("四、通报事项", section))
    for notice in bulletin.notices:
        names = "、".join(bulletin.name_of(s) for s in notice.subjects)
        story.append(text(f"{notice.flag.zh}：{names}"))
    if not bulletin.notices:
        story.append(text("本期无"))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title(bulletin),
        author="GridGov",
        # A stable document: the same bulletin renders the same bytes.
        invariant=True,
    )
    document.build(story)
    return buffer.getvalue()


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_xlsx(bulletin: Bulletin) -> bytes:
    """The bulletin as a workbook: its provenance rows, the ranking, the lists and notices."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("排名通报")
    bold = Font(bold=True)

    def row(*values: Any, strong: bool = False) -> None:
        cells = [export_cell(sheet, value) for value in values]
        if strong:
            for cell in cells:
                cell.font = bold
        sheet.append(cells)

    first = export_cell(sheet, title(bulletin))
    first.font = Font(bold=True, size=14)
    sheet.append([first])
    for label, value in [*provenance(bulletin), ("红黑榜", lists_note(bulletin))]:
        row(label, value)
    sheet.append([])
    row("排名", "名称", "编号", "总分", "等级", "上期排名", "较上期", "备注", strong=True)
    for s in bulletin.standings:
        row(
            s.rank,
            s.subject_name,
            s.subject_id,
            None if s.total is None else s.total,
            s.grade_zh or s.grade,
            s.previous_rank,
            movement(s),
            flag_names(bulletin, s),
        )
    sheet.append([])
    for label, ids in (("红榜", bulletin.red), ("黑榜", bulletin.black)):
        row(label, "、".join(bulletin.name_of(s) for s in ids) or "本期无", strong=False)
    for notice in bulletin.notices:
        row(notice.flag.zh, "、".join(bulletin.name_of(s) for s in notice.subjects))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
