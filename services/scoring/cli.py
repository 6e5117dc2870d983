"""Command line for the scoring engine.

    python -m services.scoring.cli validate SCHEME
    python -m services.scoring.cli evaluate SCHEME FACTS [--history EVAL.json ...]
                                   [--format table|json|xlsx] [--output PATH] [--progress]
    python -m services.scoring.cli explain SCHEME FACTS SUBJECT [--history ...] [--lang zh|en]
    python -m services.scoring.cli compare OLD_SCHEME NEW_SCHEME FACTS [--format table|json]

SCHEME and FACTS are YAML or JSON files. ``--history`` takes the same scheme's JSON
evaluations (``--format json`` output) of earlier periods, oldest first, for streaks.

Exit status:
  0  done: every subject has a complete score sheet
  2  invalid input: every problem is printed on stderr (a fact name the scheme does not
     declare is one, with the closest declared name)
  3  done, but some sheets are incomplete: a subject is not assessable (a fact missing) or a
     money line was skipped. The output is written all the same; the incomplete subjects
     are listed on stderr, so a script cannot publish them as final by mistake.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from services.scoring.domain.compare import compare
from services.scoring.domain.engine import evaluate
from services.scoring.domain.numbers import fmt, money
from services.scoring.domain.problems import DocumentError
from services.scoring.domain.results import Evaluation, shown
from services.scoring.domain.scheme import Scheme, load_scheme, validate

PROGRESS_FROM = 500  # subjects; smaller runs finish before a progress line would help
DONE, INVALID, INCOMPLETE = 0, 2, 3  # exit statuses (see the module doc)
INCOMPLETE_HELP = (
    "exit status 3: the output is written, but some subjects are not assessable or lack a "
    "money line (listed on stderr); 2: invalid input"
)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit status."""
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args, out))
    except DocumentError as error:
        print(str(error), file=sys.stderr)
        return INVALID
    except (OSError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return INVALID


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m services.scoring.cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(required=True, dest="command")

    p = commands.add_parser("validate", help="list every problem of a scheme")
    p.add_argument("scheme", type=Path)
    p.set_defaults(run=_validate)

    p = commands.add_parser(
        "evaluate", help="score every subject of a facts file", epilog=INCOMPLETE_HELP
    )
    p.add_argument("scheme", type=Path)
    p.add_argument("facts", type=Path)
    p.add_argument("--history", type=Path, nargs="*", default=[])
    p.add_argument("--format", choices=("table", "json", "xlsx"), default="table")
    p.add_argument("--output", type=Path, help="file to write (required for xlsx)")
    p.add_argument("--progress", action="store_true", help="always show progress on stderr")
    p.set_defaults(run=_evaluate)

    p = commands.add_parser(
        "explain", help="one subject's score sheet, line by line", epilog=INCOMPLETE_HELP
    )
    p.add_argument("scheme", type=Path)
    p.add_argument("facts", type=Path)
    p.add_argument("subject")
    p.add_argument("--history", type=Path, nargs="*", default=[])
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.set_defaults(run=_explain)

    p = commands.add_parser(
        "compare", help="two scheme versions over the same facts", epilog=INCOMPLETE_HELP
    )
    p.add_argument("before", type=Path)
    p.add_argument("after", type=Path)
    p.add_argument("facts", type=Path)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(run=_compare)
    return parser


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _scheme(path: Path) -> Scheme:
    return load_scheme(_read(path))


def _history(paths: Sequence[Path]) -> list[dict[str, Any]]:
    return [json.loads(_read(p)) for p in paths]


def _validate(args: argparse.Namespace, out: TextIO) -> int:
    problems = validate(_read(args.scheme))
    for problem in problems:
        print(problem, file=out)
    if not problems:
        print("ok", file=out)
    return INVALID if problems else DONE


def _finished(*evaluations: Evaluation) -> int:
    """DONE, or INCOMPLETE with each incomplete subject and why on stderr."""
    incomplete = {s.subject_id: s for e in evaluations for s in e.incomplete}
    for subject_id, sheet in sorted(incomplete.items()):
        gaps = ", ".join(
            f"{m.input_id} ({m.resolution})" for m in sheet.missing if m.resolution != "default"
        )
        state = "不可评估 not assessable" if not sheet.assessable else "金额不全 money incomplete"
        print(f"incomplete: {subject_id} {state}: {gaps}", file=sys.stderr)
    return INCOMPLETE if incomplete else DONE


def _run(args: argparse.Namespace) -> Evaluation:
    scheme = _scheme(args.scheme)
    show_progress = getattr(args, "progress", False)

    def progress(done: int, total: int) -> None:
        if (show_progress or total >= PROGRESS_FROM) and (done % 100 == 0 or done == total):
            end = "\n" if done == total else ""
            print(f"\r评估进度 progress {done}/{total}", end=end, file=sys.stderr, flush=True)

    return evaluate(scheme, _read(args.facts), _history(args.history), progress=progress)


def _evaluate(args: argparse.Namespace, out: TextIO) -> int:
    if args.format == "xlsx" and not args.output:
        print("error: --format xlsx needs --output FILE.xlsx", file=sys.stderr)
        return INVALID
    evaluation = _run(args)
    if args.format == "json":
        text = evaluation.to_json() + "\n"
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            out.write(text)
    elif args.format == "xlsx":
        write_workbook(evaluation, args.output)
        print(f"written {args.output}", file=out)
    else:
        out.write(table(evaluation))
    return _finished(evaluation)


def _explain(args: argparse.Namespace, out: TextIO) -> int:
    evaluation = _run(args)
    try:
        sheet = evaluation.sheet(args.subject)
    except StopIteration:
        print(f"error: no subject {args.subject!r} in the facts", file=sys.stderr)
        return INVALID
    zh = args.lang == "zh"
    print(f"{'对象' if zh else 'subject'} {sheet.subject_id} {sheet.subject_name}", file=out)
    for line in sheet.lines:
        name = line.name.zh if zh else line.name.en
        of = f"/{fmt(line.max_points)}" if line.max_points is not None else ""
        print(f"- {name} [{line.indicator_id}] {sheet.points(line.points)}{of}", file=out)
        print(f"    {line.zh if zh else line.en}", file=out)
        if line.inputs:
            used = ", ".join(f"{k}={shown(v)}" for k, v in line.inputs)
            print(f"    {'数据' if zh else 'inputs'}: {used}", file=out)
    if sheet.assessable:
        total = fmt(sheet.total) if sheet.total is not None else "-"
        print(
            f"{'总分' if zh else 'total'}: {total}  {'排名' if zh else 'rank'}: {sheet.rank}",
            file=out,
        )
    else:
        print("不可评估（缺少数据）" if zh else "not assessable (facts missing)", file=out)
    if sheet.grade_name:
        print(
            f"{'等次' if zh else 'grade'}: {sheet.grade_name.zh if zh else sheet.grade_name.en}",
            file=out,
        )
    if sheet.grade_note:
        print(f"    {sheet.grade_note.zh if zh else sheet.grade_note.en}", file=out)
    for flag in sheet.flags:
        print(f"{'标记' if zh else 'flag'}: {flag.name.zh if zh else flag.name.en}", file=out)
    for m in sheet.money:
        print(
            f"{'金额' if zh else 'money'}: {m.name.zh if zh else m.name.en} {money(m.amount)}",
            file=out,
        )
        print(f"    {m.zh if zh else m.en}", file=out)
    for gap in sheet.missing:
        print(
            f"{'缺失' if zh else 'missing'}: {gap.input_id} ({gap.resolution}) {gap.reason}",
            file=out,
        )
    # Only the subject asked about decides: another one's gap does not change this sheet.
    return INCOMPLETE if any(s is sheet for s in evaluation.incomplete) else DONE


def _compare(args: argparse.Namespace, out: TextIO) -> int:
    result = compare(_scheme(args.before), _scheme(args.after), _read(args.facts))
    if args.format == "json":
        out.write(json.dumps(result.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
        return _finished(result.before, result.after)
    rows = [["对象", "总分(前)", "总分(后)", "变化", "排名", "等次", "标记", "金额变化"]]
    for d in result.subjects:
        rows.append(
            [
                d.subject_id,
                fmt(d.total_before) if d.total_before is not None else "-",
                fmt(d.total_after) if d.total_after is not None else "-",
                fmt(d.total_delta) if d.total_delta is not None else "-",
                f"{d.rank_before or '-'}→{d.rank_after or '-'}",
                f"{d.grade_before or '-'}→{d.grade_after or '-'}",
                " ".join([*(f"+{f}" for f in d.flags_added), *(f"-{f}" for f in d.flags_removed)]),
                money(d.money_delta),
            ]
        )
    out.write(_grid(rows))
    return _finished(result.before, result.after)


# -- rendering ----------------------------------------------------------------------------
def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _grid(rows: list[list[str]]) -> str:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def _summary_rows(evaluation: Evaluation) -> list[list[str]]:
    rows = []
    for s in evaluation.sheets:
        rows.append(
            [
                str(s.rank) if s.rank is not None else "-",
                s.subject_id,
                s.subject_name,
                fmt(s.total) if s.total is not None else "不可评估",
                s.grade_name.zh if s.grade_name else "",
                "、".join(f.name.zh for f in s.flags),
                money(s.money_total),
            ]
        )
    return rows


SUMMARY_HEADERS = ["排名", "对象编号", "对象名称", "总分", "等次", "标记", "金额合计（元）"]


def table(evaluation: Evaluation) -> str:
    """The evaluation as a plain-text table with Chinese headers."""
    text = _grid([SUMMARY_HEADERS, *_summary_rows(evaluation)])
    gaps = [m for m in evaluation.missing if m.resolution != "default"]
    for gap in gaps:
        text += f"缺失数据 missing: {gap.subject_id} {gap.input_id} ({gap.resolution})\n"
    return text


def write_workbook(evaluation: Evaluation, path: Path) -> None:
    """Write the evaluation as an Excel workbook: 总表, 明细, 金额, 缺失数据."""
    from openpyxl import Workbook  # noqa: PLC0415 - only the xlsx output needs it
    from openpyxl.styles import Font  # noqa: PLC0415

    from shared.workbooks import export_cell  # noqa: PLC0415

    def put(worksheet: Any, values: Sequence[Any]) -> None:
        # Names and explanations come from tenants' schemes and data: text, never formulas.
        worksheet.append([export_cell(worksheet, value) for value in values])

    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "总表"
    indicators = next((s.lines for s in evaluation.sheets if s.assessable), ())
    put(summary, SUMMARY_HEADERS + [line.name.zh for line in indicators])
    for sheet, row in zip(evaluation.sheets, _summary_rows(evaluation), strict=True):
        put(summary, row + [sheet.points(line.points) for line in sheet.lines])

    detail = book.create_sheet("明细")
    put(
        detail,
        [
            "对象编号",
            "指标编号",
            "指标",
            "分组",
            "得分",
            "满分",
            "规则",
            "计算说明",
            "Explanation",
            "使用数据",
        ],
    )
    for sheet in evaluation.sheets:
        for line in sheet.lines:
            put(
                detail,
                [
                    sheet.subject_id,
                    line.indicator_id,
                    line.name.zh,
                    line.group,
                    sheet.points(line.points),
                    fmt(line.max_points) if line.max_points is not None else "",
                    line.rule,
                    line.zh,
                    line.en,
                    "; ".join(f"{k}={shown(v)}" for k, v in line.inputs),
                ],
            )

    pay = book.create_sheet("金额")
    put(pay, ["对象编号", "项目", "金额（元）", "说明"])
    for sheet in evaluation.sheets:
        for m in sheet.money:
            put(pay, [sheet.subject_id, m.name.zh, money(m.amount), m.zh])

    gaps = book.create_sheet("缺失数据")
    put(gaps, ["对象编号", "数据项", "处理", "原因"])
    for gap in evaluation.missing:
        put(gaps, [gap.subject_id, gap.input_id, gap.resolution, gap.reason])

    for ws in book.worksheets:
        for cell in ws[1]:
            cell.font = Font(bold=True)
    book.save(path)


if __name__ == "__main__":
    raise SystemExit(main())
