"""Evaluation: a scheme over one period's facts gives one explained score sheet per subject.

``evaluate(scheme, facts, history=())`` is pure and deterministic: the same scheme, facts
and history give byte-identical :meth:`Evaluation.to_json`. The steps, in order:

1. facts are checked against the input types (every problem at once: :class:`FactsError`);
2. each indicator is scored per subject; a fact the subject lacks (and whose input has no
   declared default) is listed by subject and input and makes the subject not assessable;
3. cohort rules (rank based, top N) score the assessable subjects against each other;
4. groups are combined (weights, bonus and deduction sections, caps), rounded once;
5. subjects are ranked, graded (quotas included), paid (money rules) and flagged (streaks
   over ``history``, the same scheme's evaluations of earlier periods of the same kind,
   oldest first; "consecutive" means adjacent periods, so a missing period breaks a run).

A fact name the scheme does not declare is a problem naming the closest declared input: a
typo on an input with a default would otherwise change a score without a word. The period's
working days are the scheme's calendar with the tenant's own decisions given in the facts
(``calendar.working_days``, ``extra_holidays``, ``extra_workdays``).

What it gives is in :mod:`.results`; how one subject's values are resolved, in :mod:`.scope`.
"""

from __future__ import annotations

import calendar as gregorian
import decimal
import difflib
import gc
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from shared.calendar import WorkCalendar

from .facts import CalendarDecisions, Facts, load_facts
from .formula import Evaluator, FormulaError
from .model import BadFactError, MissingFactError, Outcome
from .money import QUARTER_MONEY, MoneyLine, Payee, QuarterMonth
from .numbers import CONTEXT, ZERO, round_to
from .problems import FactsError, Problem, Text
from .results import Evaluation, Flag, Line, MissingFactReport, ScoreSheet, shown
from .rules import CohortRule, Key, LocalRule, show
from .scheme import BUILTIN_NAMES, COERCERS, Indicator, InputDef, Rounding, Scheme, Streak
from .scope import SubjectScope
from .workdays import Period, parse_period, period_of_label, previous_period


def evaluate(
    scheme: Scheme,
    facts: Facts | Mapping[str, Any] | str,
    history: Sequence[Evaluation | Mapping[str, Any]] = (),
    *,
    progress: Callable[[int, int], None] | None = None,
    also_known: Collection[str] = (),
) -> Evaluation:
    """Evaluate ``scheme`` over one period's ``facts``; ``history`` holds the same scheme's
    evaluations of earlier periods of its kind (objects or their ``to_dict()``), oldest
    first, for streaks. ``progress(done, total)`` is called as subjects are scored (for long
    runs). ``also_known``: fact names to accept without using them (the inputs of another
    scheme version compared over the same facts).

    Raises :class:`FactsError` when the facts do not fit the scheme: a value of the wrong
    type, a name the scheme does not declare, a period or history of another kind.
    """
    if not isinstance(facts, Facts):
        facts = load_facts(facts)
    # An evaluation allocates a few hundred thousand small objects and frees none of them
    # until it ends, so cyclic garbage collection passes in between find nothing to collect
    # and cost about a third of the run; they are paused and the previous state restored.
    collecting = gc.isenabled()
    gc.disable()
    run: _Run | None = None
    try:
        with decimal.localcontext(CONTEXT):
            run = _Run(scheme, facts, history, also_known)
            return run.evaluate(progress)
    finally:
        if run is not None:
            run.scopes = []  # each scope points back at the run: free them now, not at a GC
        if collecting:
            gc.enable()


class _Run:
    """One evaluation; holds the period, the cohort caches and the subject scopes (it is
    the :class:`~.scope.EvaluationContext` they read)."""

    def __init__(
        self,
        scheme: Scheme,
        facts: Facts,
        history: Sequence[Evaluation | Mapping[str, Any]],
        also_known: Collection[str] = (),
    ) -> None:
        self.scheme = scheme
        self.facts = facts
        self.inputs: dict[str, InputDef] = {i.id: i for i in scheme.inputs}
        self.derived = {d.id: d for d in scheme.derived}
        self.levels = {g.id: g for g in scheme.grades.levels} if scheme.grades else {}
        self.words: dict[tuple[str, str | None], tuple[str, str, str, str]] = {}
        self.coercers = {i.id: (i.scope == "shared", COERCERS[i.type]) for i in scheme.inputs}
        self.also_known = frozenset(also_known)
        self._means: dict[str, Decimal] = {}
        problems: list[Problem] = []
        period = parse_period(scheme.period, facts.period)
        if isinstance(period, str):
            problems.append(Problem("period", period))
            period = Period(scheme.period, "", date(2000, 1, 1), date(2000, 1, 1))
        self.period = period
        self.calendar = _period_calendar(scheme.calendar, facts.calendar, period, problems)
        self.evaluator = Evaluator(self.calendar.longest_run)
        self.builtins = _builtins(period, self.calendar, facts.calendar.working_days)
        self.shared = self._coerce(facts.shared, "shared", problems, shared=True)
        self.subject_values = [
            self._coerce(s.values, f"subjects[{i}].facts", problems, shared=False)
            for i, s in enumerate(facts.subjects)
        ]
        self._check_dates(problems)
        # The subjects' money per rule in the history's periods, for quarter sums.
        self.past_money: list[tuple[Period, dict[str, dict[str, Decimal]]]] = []
        self.past = self._past(self._check_history(history, problems))
        if problems:
            raise FactsError(problems)
        self.scopes = [
            SubjectScope(self, s.id, self.subject_values[i]) for i, s in enumerate(facts.subjects)
        ]
        self.missing: dict[str, list[MissingFactReport]] = {s.id: [] for s in facts.subjects}
        self.zeroed: dict[tuple[str, str], Outcome] = {}
        self.keys: dict[str, dict[str, tuple[Key, tuple[tuple[str, object], ...]]]] = {
            ind.id: {} for ind in scheme.indicators if isinstance(ind.rule, CohortRule)
        }

    def _coerce(
        self, raw: Mapping[str, object], path: str, problems: list[Problem], *, shared: bool
    ) -> dict[str, object]:
        values: dict[str, object] = {}
        coercers = self.coercers
        for name, value in raw.items():
            entry = coercers.get(name)
            if entry is None or entry[0] != shared:
                if name not in self.also_known:
                    problems.append(Problem(f"{path}.{name}", self._unknown(name, shared=shared)))
                continue
            if value is None:
                continue
            coerced, reason = entry[1](value)
            if reason:
                problems.append(Problem(f"{path}.{name}", reason))
            else:
                values[name] = coerced
        return values

    def _unknown(self, name: str, *, shared: bool) -> str:
        """Why a fact name cannot be used, with the closest declared input of its place."""
        scheme = self.scheme
        entry = self.coercers.get(name)
        if entry is not None:  # declared, but given in the other place
            if entry[0]:
                return "is a shared input (scope: shared): give it once under shared"
            return "is an input of each subject: give it in the subjects' facts"
        if name in self.derived:
            return f"is a value scheme {scheme.id} derives by formula, not a fact"
        if name in BUILTIN_NAMES:
            hint = " (a tenant's own count goes in calendar.working_days)"
            return f"is a built-in of the period{hint if name == 'workdays' else ''}, not a fact"
        candidates = [i.id for i in scheme.inputs if (i.scope == "shared") == shared]
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        return f"is not an input of scheme {scheme.id}{hint}"

    def _check_dates(self, problems: list[Problem]) -> None:
        if not self.period.label:
            return
        for i, values in enumerate(self.subject_values):
            for name, value in values.items():
                if self.inputs[name].type != "dates" or not isinstance(value, list):
                    continue
                outside = [d for d in value if not self.period.start <= d <= self.period.end]
                if outside:
                    problems.append(
                        Problem(
                            f"subjects[{i}].facts.{name}",
                            f"dates outside the period {self.period.label}: "
                            + ", ".join(d.isoformat() for d in outside),
                        )
                    )

    def _check_history(
        self, history: Sequence[Evaluation | Mapping[str, Any]], problems: list[Problem]
    ) -> list[tuple[Period, dict[str, frozenset[str]]]]:
        """The history's periods and streak hits. It must be this scheme's evaluations of
        earlier periods of the same kind, oldest first: another scheme's results or another
        period length would make "3 months running" count something else."""
        scheme, current = self.scheme, self.period
        past: list[tuple[Period, dict[str, frozenset[str]]]] = []
        for i, item in enumerate(history):
            at = f"history[{i}]"
            scheme_id, label = _identity(item)
            if scheme_id is None:
                problems.append(Problem(at, "is not an evaluation (it names no scheme)"))
                continue
            if scheme_id != scheme.id:
                problems.append(
                    Problem(at, f"is an evaluation of scheme {scheme_id}, not of {scheme.id}")
                )
                continue
            period = period_of_label(label)
            if period is None:
                problems.append(Problem(at, f"period {label!r} is not a period"))
            elif period.kind != scheme.period:
                this = f" (this period: {current.label})" if current.label else ""
                problems.append(
                    Problem(
                        at,
                        f"period {label} is a {period.kind}, but scheme {scheme.id} assesses "
                        f"by {scheme.period}{this}",
                    )
                )
            elif current.label and period.end >= current.start:
                problems.append(Problem(at, f"period {label} is not before {current.label}"))
            elif past and period.start <= past[-1][0].end:
                problems.append(Problem(at, f"period {label} is out of order"))
            else:
                past.append((period, _streak_hits(item)))
                self.past_money.append((period, _money_by_rule(item)))
        return past

    def quarter_before(self) -> list[tuple[Period, dict[str, dict[str, Decimal]]]]:
        """The history's months of this period's quarter before it (a monthly scheme's; a
        quarterly scheme's period is its own quarter), oldest first."""
        if self.period.kind != "month" or not self.period.label:
            return []
        start = self.period.start
        quarter = (start.year, (start.month - 1) // 3)
        return [
            (period, paid)
            for period, paid in self.past_money
            if period.kind == "month"
            and (period.start.year, (period.start.month - 1) // 3) == quarter
            and period.end < start
        ]

    def _past(
        self, history: Sequence[tuple[Period, dict[str, frozenset[str]]]]
    ) -> list[dict[str, frozenset[str]] | None]:
        """Streak hits of the periods right before this one, nearest first; None for a
        period the history lacks (it breaks a run: 2024-01 and 2024-03 are not adjacent).
        The walk ends at the oldest period given, or at a gap before a custom period, whose
        predecessor cannot be named."""
        if not history or not self.period.label:
            return []
        by_end = {period.end: (period, hits) for period, hits in history}
        oldest = history[0][0].start
        past: list[dict[str, frozenset[str]] | None] = []
        current: Period | None = self.period
        while current is not None and current.start > oldest:
            found = by_end.get(current.start - timedelta(days=1))
            if found is not None:
                current, hits = found
                past.append(hits)
            else:
                current = previous_period(current)
                past.append(None)
        return past

    def mean_of(self, name: str) -> Decimal:
        if name not in self._means:
            spec = self.inputs.get(name)
            numbers = [
                v.get(name) if v.get(name) is not None else (spec.default if spec else None)
                for v in self.subject_values
            ]
            present = [n for n in numbers if isinstance(n, Decimal)]
            if not present:
                raise MissingFactError(name)
            self._means[name] = sum(present, ZERO) / len(present)
        return self._means[name]

    # -- the steps ----------------------------------------------------------------------------
    def evaluate(self, progress: Callable[[int, int], None] | None) -> Evaluation:
        outcomes = self._score_subjects(progress)
        assessable = {s.subject_id for s in self.scopes if not self.missing[s.subject_id]}
        self._score_cohorts(outcomes, assessable)
        lines, totals, groups = self._lines(outcomes, assessable)
        ranks = self._rank(totals, self.scopes)
        grades, notes = self._grade(totals, ranks)
        mean_total = (sum(totals.values(), ZERO) / len(totals)) if totals else None
        standing = _Standing(totals, ranks, grades, mean_total)
        money_lines = self._pay(standing)
        hits, flags = self._streaks(standing, money_lines)

        sheets: list[ScoreSheet] = []
        precision = self.scheme.rounding.precision
        for subject in self.facts.subjects:
            sid = subject.id
            grade = grades.get(sid)
            paid = money_lines.get(sid, [])
            sheets.append(
                ScoreSheet(
                    subject_id=sid,
                    subject_name=subject.name,
                    assessable=sid in assessable,
                    lines=tuple(lines.get(sid, ())),
                    groups=tuple(groups.get(sid, ())),
                    total=totals.get(sid),
                    rank=ranks.get(sid),
                    grade=grade,
                    grade_name=self.levels[grade].name if grade else None,
                    grade_note=notes.get(sid),
                    flags=tuple(flags.get(sid, ())),
                    money=tuple(paid),
                    money_total=sum((m.amount for m in paid), ZERO),
                    missing=tuple(self.missing[sid]),
                    streak_hits=tuple(hits.get(sid, ())),
                    precision=precision,
                )
            )
        sheets.sort(key=lambda s: (not s.assessable, s.rank or 0, s.subject_id))
        all_missing = tuple(m for s in sheets for m in s.missing)
        scheme = self.scheme
        return Evaluation(
            scheme.id,
            scheme.version,
            self.period.label,
            tuple(sheets),
            mean_total,
            all_missing,
            precision,
        )

    def _score_subjects(self, progress: Callable[[int, int], None] | None) -> list[_Scored]:
        """Local rules per subject, and the values cohort rules order subjects by."""
        # Once, not per subject and indicator: (id, local rule or None, cohort rule or None,
        # slot, zero_when); isinstance on the rule ABCs is not free.
        plan = [
            (
                ind.id,
                ind.rule if isinstance(ind.rule, LocalRule) else None,
                ind.rule if isinstance(ind.rule, CohortRule) else None,
                ind.slot,
                ind.zero_when,
            )
            for ind in self.scheme.indicators
        ]
        outcomes: list[_Scored] = []
        for scope in self.scopes:
            mine: _Scored = {}
            sid = scope.subject_id
            for ind_id, local, cohort, slot, zero_when in plan:
                scope.used = {}
                try:
                    if zero_when is not None and scope.holds(zero_when):
                        self.zeroed[(sid, ind_id)] = Outcome(
                            ZERO,
                            f"{zero_when.text.zh}，不得分",
                            f"{zero_when.text.en}: scores nothing",
                        )
                    if local is not None:
                        outcome = local.score(slot, scope)
                        if zero_when is not None:
                            outcome = self.zeroed.get((sid, ind_id), outcome)
                        mine[ind_id] = (outcome, _used(scope))
                    elif cohort is not None:
                        key = cohort.key(scope)
                        self.keys[ind_id][sid] = (key, _used(scope))
                except MissingFactError as gap:
                    self._report(sid, gap.input_id, "not_assessable", f"{ind_id}: fact not given")
                except BadFactError as bad:
                    self._report(sid, bad.input_id, "not_assessable", f"{ind_id}: {bad.reason}")
            outcomes.append(mine)
            if progress is not None:
                progress(len(outcomes), len(self.scopes))
        return outcomes

    def _score_cohorts(self, outcomes: list[_Scored], assessable: set[str]) -> None:
        """Cohort rules score the assessable subjects against each other."""
        for ind in self.scheme.indicators:
            if not isinstance(ind.rule, CohortRule):
                continue
            keys = self.keys[ind.id]
            cohort = {s: k for s, (k, _) in keys.items() if s in assessable}
            scored = ind.rule.score_all(ind.slot, cohort)
            for i, scope in enumerate(self.scopes):
                sid = scope.subject_id
                if sid in scored:
                    outcome = self.zeroed.get((sid, ind.id), scored[sid])
                    outcomes[i][ind.id] = (outcome, keys[sid][1])

    def _lines(
        self, outcomes: list[_Scored], assessable: set[str]
    ) -> tuple[dict[str, list[Line]], dict[str, Decimal], dict[str, list[tuple[str, Decimal]]]]:
        """Sheet lines, totals and group points of the assessable subjects."""
        scheme = self.scheme
        rounding = scheme.rounding if scheme.rounding.apply_to == "lines" else None
        lines: dict[str, list[Line]] = {}
        totals: dict[str, Decimal] = {}
        groups: dict[str, list[tuple[str, Decimal]]] = {}
        for i, scope in enumerate(self.scopes):
            sid = scope.subject_id
            if sid not in assessable:
                continue
            mine = outcomes[i]
            lines[sid] = [_line(ind, *mine[ind.id], rounding) for ind in scheme.indicators]
            totals[sid], groups[sid] = self._compose(lines[sid])
            for name in sorted(scope.defaults):
                default = shown(self.inputs[name].default)
                self._report(sid, name, "default", f"not given; declared default {default}")
        return lines, totals, groups

    def _report(self, subject: str, input_id: str, resolution: str, reason: str) -> None:
        """Record a missing or unusable fact once per subject, input and resolution; each money
        line skipped is its own report (a line, and a later one that needed it, are two)."""
        reports = self.missing[subject]
        if resolution == "money_line_skipped":
            seen = any((m.input_id, m.reason) == (input_id, reason) for m in reports)
        else:
            seen = any((m.input_id, m.resolution) == (input_id, resolution) for m in reports)
        if not seen:
            reports.append(MissingFactReport(subject, input_id, resolution, reason))

    def _compose(self, lines: Sequence[Line]) -> tuple[Decimal, list[tuple[str, Decimal]]]:
        per_group: dict[str, Decimal] = {}
        for line in lines:
            per_group[line.group] = per_group.get(line.group, ZERO) + line.points
        total = ZERO
        shown: list[tuple[str, Decimal]] = []
        for group in self.scheme.groups:
            points = per_group.get(group.id, ZERO)
            if group.section == "bonus" and group.cap is not None:
                points = min(points, group.cap)
            if group.section == "deduction" and group.cap is not None:
                points = max(points, -group.cap)
            contribution = points * group.weight if group.section == "scored" else points
            shown.append((group.id, contribution))
            total += contribution
        rounding = self.scheme.rounding
        total = round_to(total, rounding.places, rounding.mode)
        return total, shown

    def _rank(
        self, totals: Mapping[str, Decimal], scopes: Sequence[SubjectScope]
    ) -> dict[str, int]:
        by_id = {s.subject_id: s for s in scopes}
        breakers = self.scheme.ranking.tiebreakers

        def sort_key(subject: str) -> tuple[Any, ...]:
            values: list[Decimal] = [-totals[subject]]
            for b in breakers:
                try:
                    value = by_id[subject].value(b.by)
                except (MissingFactError, BadFactError):
                    value = ZERO
                number = value if isinstance(value, Decimal) else ZERO
                values.append(-number if b.descending else number)
            return tuple(values)

        ordered = sorted(totals, key=lambda s: (sort_key(s), s))
        keyed = [(s, sort_key(s)) for s in ordered]
        ranks: dict[str, int] = {}
        previous: tuple[Any, ...] | None = None
        rank = distinct = 0
        for position, (subject, key) in enumerate(keyed, start=1):
            if key != previous:
                distinct += 1
                rank = position if self.scheme.ranking.ties == "competition" else distinct
                previous = key
            ranks[subject] = rank
        return ranks

    def _grade(
        self, totals: Mapping[str, Decimal], ranks: Mapping[str, int]
    ) -> tuple[dict[str, str], dict[str, Text]]:
        grades: dict[str, str] = {}
        notes: dict[str, Text] = {}
        spec = self.scheme.grades
        if spec is None or not totals:
            return grades, notes
        count = len(totals)
        pending = sorted(totals, key=lambda s: (ranks[s], s))
        for level in spec.levels:
            eligible = [
                s for s in pending if level.min_total is None or totals[s] >= level.min_total
            ]
            if level.quota_percent is not None:
                raw = Decimal(count) * level.quota_percent / 100
                mode = "floor" if spec.quota_rounding == "floor" else "half_up"
                quota = int(round_to(raw, 0, mode))
                taken: list[str] = []
                chosen: set[str] = set()
                by_rank: dict[int, list[str]] = {}
                for s in eligible:
                    by_rank.setdefault(ranks[s], []).append(s)
                for rank in sorted(by_rank):
                    group = by_rank[rank]
                    if len(taken) + len(group) > quota:
                        break
                    taken.extend(group)
                    chosen.update(group)
                for s in eligible:
                    if s not in chosen:
                        notes[s] = Text(
                            f"总分达到{level.name.zh}标准，但{level.name.zh}名额为"
                            f"{show(level.quota_percent)}%（{count}人中最多{quota}人），"
                            f"按排名顺延至下一等次",
                            f"meets {level.name.en} but its quota is "
                            f"{show(level.quota_percent)}% (at most {quota} of {count}); "
                            f"moved to the next level by rank",
                        )
                eligible = taken
            for s in eligible:
                grades[s] = level.id
            pending = [s for s in pending if s not in grades]
        return grades, notes

    def _result_names(self, subject: str, standing: _Standing) -> dict[str, object]:
        """Names a money ``when`` or a streak may use about the subject's result."""
        return {
            "rank": Decimal(standing.ranks.get(subject, 0)),
            "subjects": Decimal(len(standing.totals)),
            "total": standing.totals.get(subject, ZERO),
            "mean_total": standing.mean_total if standing.mean_total is not None else ZERO,
            "grade": standing.grades.get(subject, ""),
            "assessable": subject in standing.totals,
        }

    def _pay(self, standing: _Standing) -> dict[str, list[MoneyLine]]:
        """Money lines of every assessable subject, rule by rule. A rule may read the amounts
        of the rules before it (``money_<id>``, ``forfeited_<id>``) and their sums over the
        quarter (``quarter_money_<id>``: the quarter's published months and this one)."""
        lines: dict[str, list[MoneyLine]] = {}
        skipped: dict[str, dict[str, str]] = {}  # subject -> rule -> the input it lacked
        earlier = self.quarter_before()
        names = {rule.id: rule.name for rule in self.scheme.money}
        for position, rule in enumerate(self.scheme.money):
            done = [r.id for r in self.scheme.money[:position]]
            summed = [r for r in done if r in rule.quarter_rules]  # in the scheme's order
            prepared: dict[str, tuple[Payee, object]] = {}
            for scope in self.scopes:
                sid = scope.subject_id
                if sid not in standing.totals:
                    continue
                paid = lines.get(sid, [])
                scope.results = self._result_names(sid, standing) | _paid_names(
                    done, skipped.get(sid, ()), paid, earlier, sid
                )
                grade = standing.grades.get(sid)
                level = self.levels.get(grade) if grade else None
                payee = Payee(
                    sid,
                    scope,
                    standing.ranks.get(sid),
                    grade,
                    level.name if level else None,
                    self.calendar,
                    _quarter_months(summed, names, earlier, paid, subject=sid, period=self.period),
                )
                try:
                    if rule.when is None or scope.holds(rule.when):
                        prepared[sid] = (payee, rule.prepare(payee))
                except (MissingFactError, BadFactError) as error:
                    reason = error.reason if isinstance(error, BadFactError) else "fact not given"
                    lacking = error.input_id
                    after = _rule_of(error.input_id, done)
                    if after is not None and after in skipped.get(sid, {}):
                        # It reads an earlier rule's amount, skipped for a fact: name that fact.
                        lacking = skipped[sid][after]
                        reason = f"needs {after}, which lacks {lacking}"
                    self._report(sid, lacking, "money_line_skipped", f"{rule.id}: {reason}")
                    skipped.setdefault(sid, {})[rule.id] = lacking
            for sid, settled in rule.settle(prepared).items():
                lines.setdefault(sid, []).extend(settled)
        return lines

    def _streaks(
        self, standing: _Standing, money_lines: Mapping[str, list[MoneyLine]]
    ) -> tuple[dict[str, list[str]], dict[str, list[Flag]]]:
        """Which streak conditions hold this period, and the flags they raise with history."""
        hits: dict[str, list[str]] = {}
        flags: dict[str, list[Flag]] = {}
        if not self.scheme.streaks:
            return hits, flags
        for scope in self.scopes:
            sid = scope.subject_id
            hits[sid] = self._streak_hits(scope, standing, money_lines.get(sid, []))
            raised = [
                flag
                for streak in self.scheme.streaks
                if (
                    flag := _flag(
                        streak,
                        [
                            streak.id in hits[sid],
                            *(h is not None and streak.id in h.get(sid, ()) for h in self.past),
                        ],
                    )
                )
                is not None
            ]
            superseded = {
                x for f in raised for s in self.scheme.streaks if s.id == f.id for x in s.supersedes
            }
            flags[sid] = [f for f in raised if f.id not in superseded]
        return hits, flags

    def _streak_hits(
        self, scope: SubjectScope, standing: _Standing, paid: Sequence[MoneyLine]
    ) -> list[str]:
        if scope.subject_id not in standing.totals:
            return []  # a period without a result breaks every streak
        every = [rule.id for rule in self.scheme.money]
        scope.results = self._result_names(scope.subject_id, standing) | _paid_names(
            every, (), paid, (), scope.subject_id
        )
        hit: list[str] = []
        for streak in self.scheme.streaks:
            try:
                if self.evaluator.condition(streak.when, scope.value):
                    hit.append(streak.id)
            except (MissingFactError, BadFactError, FormulaError):
                continue
        return hit


@dataclass(frozen=True)
class _Standing:
    """The period's results the money rules and streaks look at."""

    totals: Mapping[str, Decimal]
    ranks: Mapping[str, int]
    grades: Mapping[str, str]
    mean_total: Decimal | None


_Scored = dict[str, tuple[Outcome, tuple[tuple[str, object], ...]]]


def _flag(streak: Streak, series: Sequence[bool]) -> Flag | None:
    """The flag ``streak`` raises given whether it held in this period and each adjacent
    earlier one, newest first (a period without a result counts as not held)."""
    if streak.consecutive is not None:
        run = 0
        for hit in series:
            if not hit:
                break
            run += 1
        return Flag(streak.id, streak.name, run) if run >= streak.consecutive else None
    assert streak.cumulative is not None
    assert streak.window is not None
    recent = series[: streak.window]
    count = sum(recent)
    return Flag(streak.id, streak.name, count) if recent[0] and count >= streak.cumulative else None


def _line(
    ind: Indicator,
    outcome: Outcome,
    used: tuple[tuple[str, object], ...],
    rounding: Rounding | None,
) -> Line:
    """The sheet line of one outcome: signed for deductions, rounded when lines are."""
    points = -outcome.points if ind.section == "deduction" else outcome.points
    if rounding is not None:
        points = round_to(points, rounding.places, rounding.mode)
    return Line(
        ind.id,
        ind.name,
        ind.group,
        ind.section,
        points,
        ind.max_points,
        ind.rule.kind,
        used,
        ind.rule_text,
        outcome.zh,
        outcome.en,
    )


def _used(scope: SubjectScope) -> tuple[tuple[str, object], ...]:
    """The values a line used, by name (formatted only when the sheet is written out)."""
    used = scope.used
    if len(used) == 1:
        return tuple(used.items())
    return tuple(sorted(used.items(), key=_first))


def _first(item: tuple[str, object]) -> str:
    return item[0]


def _period_calendar(
    scheme: WorkCalendar, decided: CalendarDecisions, period: Period, problems: list[Problem]
) -> WorkCalendar:
    """The scheme's calendar with the tenant's own decisions for the period on top (they win
    over the scheme's single dates as well as the holiday data)."""
    if period.label:
        for key, days in (
            ("extra_holidays", decided.extra_holidays),
            ("extra_workdays", decided.extra_workdays),
        ):
            outside = sorted(d for d in days if not period.start <= d <= period.end)
            if outside:
                problems.append(
                    Problem(
                        f"calendar.{key}",
                        f"dates outside the period {period.label}: "
                        + ", ".join(d.isoformat() for d in outside),
                    )
                )
        if decided.working_days is not None and decided.working_days > period.days:
            problems.append(
                Problem(
                    "calendar.working_days",
                    f"must be at most the {period.days} days of the period {period.label}",
                )
            )
    if not decided.extra_holidays and not decided.extra_workdays:
        return scheme
    return WorkCalendar(
        chinese_holidays=scheme.chinese_holidays,
        extra_holidays=(scheme.extra_holidays - decided.extra_workdays) | decided.extra_holidays,
        extra_workdays=(scheme.extra_workdays - decided.extra_holidays) | decided.extra_workdays,
    )


def _builtins(
    period: Period, calendar: WorkCalendar, working_days: int | None
) -> dict[str, object]:
    if working_days is not None:
        workdays = working_days  # the tenant's decision for the period wins over any count
    else:
        workdays = len(calendar.workdays(period.start, period.end)) if period.label else 0
    end = period.end
    month_end = end.day == gregorian.monthrange(end.year, end.month)[1]
    return {
        "workdays": Decimal(workdays),
        "days": Decimal(period.days),
        "weeks": Decimal(period.days) / 7,
        "month": Decimal(end.month),
        "is_quarter_end": month_end and end.month in (3, 6, 9, 12),
        "is_year_end": month_end and end.month == 12,
    }


def _identity(item: Evaluation | Mapping[str, Any]) -> tuple[str | None, str]:
    """The scheme id and period label of an evaluation or its ``to_dict()``."""
    if isinstance(item, Evaluation):
        return item.scheme_id, item.period
    if not isinstance(item, Mapping):  # JSON read back by a caller may be anything
        return None, ""
    scheme = item.get("scheme")
    scheme_id = scheme.get("id") if isinstance(scheme, Mapping) else None
    return (str(scheme_id) if scheme_id is not None else None), str(item.get("period"))


def _rule_of(name: str, rule_ids: Sequence[str]) -> str | None:
    """The money rule a result name (``money_x``, ``forfeited_x``, ``quarter_money_x``) is of."""
    for prefix in (QUARTER_MONEY, "money_", "forfeited_"):
        if name.startswith(prefix) and name.removeprefix(prefix) in rule_ids:
            return name.removeprefix(prefix)
    return None


def _paid_names(
    done: Sequence[str],
    skipped: Collection[str],
    paid: Sequence[MoneyLine],
    earlier: Sequence[tuple[Period, Mapping[str, Mapping[str, Decimal]]]],
    subject: str,
) -> dict[str, object]:
    """``money_<id>``, ``forfeited_<id>`` and ``quarter_money_<id>`` of the rules ``done``
    before this one for ``subject`` (a rule without a line for it paid 0; a month the subject
    has no sheet in adds nothing). A rule whose line was skipped for a missing fact gives no
    names: what reads it is skipped too, never computed on a zero."""
    names: dict[str, object] = {}
    for rule_id in done:
        if rule_id in skipped:
            continue
        mine = [line for line in paid if line.rule_id == rule_id]
        amount = sum((line.amount for line in mine), ZERO)
        before = sum((m.get(subject, {}).get(rule_id, ZERO) for _, m in earlier), ZERO)
        names[f"money_{rule_id}"] = amount
        names[f"forfeited_{rule_id}"] = any(line.forfeited for line in mine)
        names[f"{QUARTER_MONEY}{rule_id}"] = amount + before
    return names


def _quarter_months(
    rule_ids: Sequence[str],
    names: Mapping[str, Text],
    earlier: Sequence[tuple[Period, Mapping[str, Mapping[str, Decimal]]]],
    paid: Sequence[MoneyLine],
    *,
    subject: str,
    period: Period,
) -> tuple[QuarterMonth, ...]:
    """The months a rule's quarter sums read, with the subject's amounts of the summed rules
    in each: what its line shows, so every yuan of the ranking basis has its month."""
    if not rule_ids:
        return ()
    months = [
        QuarterMonth(
            p.label,
            tuple((names[r], m.get(subject, {}).get(r, ZERO)) for r in rule_ids if r in names),
        )
        for p, m in earlier
    ]
    own = tuple(
        (names[r], sum((line.amount for line in paid if line.rule_id == r), ZERO))
        for r in rule_ids
        if r in names
    )
    return (*months, QuarterMonth(period.label, own))


def _money_by_rule(item: Evaluation | Mapping[str, Any]) -> dict[str, dict[str, Decimal]]:
    """Each subject's amount per money rule in an earlier evaluation (or its ``to_dict()``)."""
    found: dict[str, dict[str, Decimal]] = {}
    if isinstance(item, Evaluation):
        for sheet in item.sheets:
            mine = found.setdefault(sheet.subject_id, {})
            for line in sheet.money:
                mine[line.rule_id] = mine.get(line.rule_id, ZERO) + line.amount
        return found
    for sheet in item.get("sheets", []):
        if not isinstance(sheet, Mapping):
            continue
        mine = found.setdefault(str(sheet.get("subject_id")), {})
        for line in sheet.get("money", ()):
            if not isinstance(line, Mapping):
                continue
            try:
                amount = Decimal(str(line.get("amount")))
            except decimal.InvalidOperation:
                continue  # a history read back from JSON: a line without an amount adds nothing
            if amount.is_finite():
                rule_id = str(line.get("rule_id"))
                mine[rule_id] = mine.get(rule_id, ZERO) + amount
    return found


def _streak_hits(item: Evaluation | Mapping[str, Any]) -> dict[str, frozenset[str]]:
    if isinstance(item, Evaluation):
        return {s.subject_id: frozenset(s.streak_hits) for s in item.sheets}
    sheets = item.get("sheets", [])
    return {
        str(s.get("subject_id")): frozenset(s.get("streak_hits", ()))
        for s in sheets
        if isinstance(s, Mapping)
    }
