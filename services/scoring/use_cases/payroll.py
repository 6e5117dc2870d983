"""工资/补贴发放表 use case: a period's payroll from the scheme's published editions.

A period of the scheme's own kind is its latest published edition; a quarter of a monthly
scheme is the latest edition of each of its three months (409 naming the period while one of
them is not published). Provisional scores never reach a payroll. The centre only.
"""

from __future__ import annotations

from services.scoring.domain import payroll as domain
from services.scoring.domain.evaluations import Header
from services.scoring.domain.payroll import Edition, Payroll, RuleName
from services.scoring.domain.scheme import Scheme
from services.scoring.use_cases import schemes
from services.scoring.use_cases.context import ScoringContext
from shared.errors import InvalidInput, NotFound, StateConflict
from shared.periods import Period, parse_period


def get_payroll(ctx: ScoringContext, *, scheme_id: str, period: str) -> Payroll:
    """The payroll of ``period``: the scheme's own period (a month of a monthly scheme, a
    year of a yearly one), or a quarter of a monthly scheme (its three months side by side).
    404 for an unknown scheme; 409 when a period needed is not published."""
    _, scheme = schemes.latest_published(ctx, scheme_id)  # 404 unknown, 409 none published
    target, labels = _periods(scheme, period)
    published: list[tuple[Edition, Header]] = []
    unpublished: list[str] = []
    for label in labels:
        header = ctx.evaluations.final(scheme_id, label)
        if header is None:
            unpublished.append(label)
            continue
        published.append(
            (
                Edition(
                    period=label,
                    edition=header.edition,
                    scheme_version=header.scheme_version,
                    evaluated_at=header.evaluated_at,
                ),
                header,
            )
        )
    if unpublished:
        raise StateConflict(
            f"period {target.label}: {', '.join(unpublished)} not published yet (a payroll is "
            "made from published results only)"
        )
    # The rules' names as the latest edition's version declares them.
    latest = published[-1][1]
    rules, name = _rules(ctx, scheme_id, latest.scheme_version, fallback=scheme)
    return domain.build(
        scheme_id=scheme_id,
        scheme_name=name,
        subject_kind=latest.subject_kind,
        period=target,
        published=[(edition, header.rows) for edition, header in published],
        rules=rules,
        generated_at=ctx.now(),
    )


def _rules(
    ctx: ScoringContext, scheme_id: str, version: int, *, fallback: Scheme
) -> tuple[list[RuleName], str]:
    try:
        scheme = schemes.get_version(ctx, scheme_id=scheme_id, version=version).scheme()
    except NotFound:
        scheme = fallback
    return (
        [RuleName(rule.id, rule.name.zh, rule.name.en) for rule in scheme.money],
        scheme.name.zh,
    )


def _periods(scheme: Scheme, value: str) -> tuple[Period, list[str]]:
    """The period asked for and the labels of the scheme's periods it is made of."""
    own = parse_period(scheme.period, value) if scheme.period != "custom" else None
    if isinstance(own, Period):
        return own, [own.label]
    if scheme.period == "month":
        quarter = parse_period("quarter", value)
        if isinstance(quarter, Period):
            return quarter, domain.months_of_quarter(quarter)
        raise InvalidInput.of(
            "period",
            f"scheme {scheme.id} pays by month: a month such as 2026-11 or a quarter "
            "such as 2026-Q4",
        )
    if scheme.period == "custom":
        start, _, end = value.partition("..")
        custom = parse_period("custom", {"start": start, "end": end})
        if isinstance(custom, Period):
            return custom, [custom.label]
        raise InvalidInput.of("period", f"scheme {scheme.id} assesses custom periods: {custom}")
    raise InvalidInput.of("period", f"scheme {scheme.id} assesses by {scheme.period}: {own}")
