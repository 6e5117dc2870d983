"""Questionnaires (问卷), versioned: what a survey asks and which answers count as satisfied.

A questionnaire has one working version at a time (`Questionnaire.current`): a draft the
centre edits, or the latest published version. Publishing freezes it for good: campaigns
reference ``(questionnaire_id, version)``, and an answer given to version 2 must mean the same
thing in a year as it did on the day. A change after publishing is a new draft (version n+1,
copied from the latest), published in its turn.

Questions are single choice, multiple choice, rating (1..N) or free text, with Chinese labels.
Exactly one question of a version is its **satisfaction question**: a single choice on a
satisfaction scale whose options carry credits (what the answer counts in a rate: 满意 = 1,
不满意 = 0, 基本满意 = 1, 0.5 or 0 as the tenant's seed says). Two presets fill the scale in:
three-level (满意 / 基本满意 / 不满意) and five-point (非常满意 / 满意 / 一般 / 不满意 / 非常不满意,
where 一般 is the middle and takes the basic credit); otherwise the centre lists the options and
gives every one its credit.

Answers (API and storage) are ``{question_key: value}``: an option key (single), a list of
option keys (multiple), an int (rating), a string (text). `check_answers` judges one set.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, ClassVar, Final

from shared.clock import require_aware
from shared.errors import FieldProblem, InvalidInput, StateConflict

ID_MAX = 64
KEY_MAX = 32
NAME_MAX = 100
DESCRIPTION_MAX = 1000
LABEL_MAX = 200
MAX_QUESTIONS = 60
MIN_OPTIONS = 2
MAX_OPTIONS = 20
MIN_SCALE = 2
MAX_SCALE = 10
DEFAULT_SCALE = 5
TEXT_DEFAULT_MAX = 500
TEXT_LIMIT = 2000
# Keys travel in answers, exports and events: plain ASCII, so a key is never mistaken for a
# label and never needs escaping.
KEY_PATTERN: Final = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
CREDIT_PLACES = Decimal("0.0001")
ONE = Decimal(1)
ZERO = Decimal(0)
HALF = Decimal("0.5")
# What 基本满意 (or 一般 on a five-point scale) may count with a preset: the seeds' three choices.
BASIC_CREDITS: Final = (ONE, HALF, ZERO)


class QuestionKind(StrEnum):
    SINGLE = "single"  # 单选
    MULTIPLE = "multiple"  # 多选
    RATING = "rating"  # 评分 1..N
    TEXT = "text"  # 文字


class VersionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Preset(StrEnum):
    THREE_LEVEL = "three_level"  # 满意 / 基本满意 / 不满意
    FIVE_POINT = "five_point"  # 非常满意 / 满意 / 一般 / 不满意 / 非常不满意


KIND_VALUES = tuple(kind.value for kind in QuestionKind)
STATUS_VALUES = tuple(status.value for status in VersionStatus)
PRESET_VALUES = tuple(preset.value for preset in Preset)

# (option key, label, credit); None = the basic credit the centre chooses.
_PRESET_SCALES: Mapping[Preset, tuple[tuple[str, str, Decimal | None], ...]] = {
    Preset.THREE_LEVEL: (
        ("satisfied", "满意", ONE),
        ("basically_satisfied", "基本满意", None),
        ("unsatisfied", "不满意", ZERO),
    ),
    Preset.FIVE_POINT: (
        ("very_satisfied", "非常满意", ONE),
        ("satisfied", "满意", ONE),
        ("neutral", "一般", None),
        ("dissatisfied", "不满意", ZERO),
        ("very_dissatisfied", "非常不满意", ZERO),
    ),
}


@dataclass(frozen=True, slots=True)
class Option:
    key: str
    label: str


@dataclass(frozen=True, slots=True)
class Question:
    """One question. ``options`` for single and multiple choice; ``scale_max`` for a rating
    (1..scale_max); ``max_length`` for text."""

    key: str
    kind: QuestionKind
    label: str
    required: bool = True
    options: tuple[Option, ...] = ()
    scale_max: int | None = None
    max_length: int | None = None

    @property
    def option_keys(self) -> tuple[str, ...]:
        return tuple(option.key for option in self.options)


@dataclass(frozen=True, slots=True)
class SatisfactionSpec:
    """How the centre names the satisfaction question and its credits: a ``preset`` with the
    ``basic_credit`` of its middle option, or ``credits`` for every option it listed."""

    question_key: str
    preset: str | None = None
    basic_credit: Decimal | None = None
    credits: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class VersionSpec:
    """A version's content as the centre sends it (validated by `compose_version`)."""

    name: str
    description: str
    questions: Sequence[Mapping[str, Any]]
    satisfaction: SatisfactionSpec


@dataclass(frozen=True)
class QuestionnaireVersion:
    """One version's content. Once ``status`` is published, nothing of it ever changes."""

    questionnaire_id: str
    version: int
    name: str
    description: str
    questions: tuple[Question, ...]
    satisfaction_key: str
    credits: Mapping[str, Decimal]
    preset: Preset | None = None
    basic_credit: Decimal | None = None
    status: VersionStatus = VersionStatus.DRAFT
    published_at: datetime | None = None
    published_by: str | None = None

    @property
    def published(self) -> bool:
        return self.status is VersionStatus.PUBLISHED

    @property
    def satisfaction_question(self) -> Question:
        return next(q for q in self.questions if q.key == self.satisfaction_key)

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)

    def credit_of(self, option_key: str) -> Decimal | None:
        """What choosing ``option_key`` on the satisfaction question counts (None: no such
        option)."""
        return self.credits.get(option_key)


@dataclass(frozen=True)
class Questionnaire:
    """A questionnaire: its working version (a draft or the latest published one) and the
    numbers of its published versions. ``revision`` 0 means not stored yet."""

    questionnaire_id: str
    tenant_id: str
    current: QuestionnaireVersion
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    published_versions: tuple[int, ...] = ()
    revision: int = 0

    @property
    def name(self) -> str:
        return self.current.name

    @property
    def latest_published(self) -> int | None:
        return max(self.published_versions) if self.published_versions else None


@dataclass(frozen=True, slots=True)
class AnswerCheck:
    """One set of answers judged against a version.

    ``complete``: every required question answered and nothing wrong. ``problems``: answers
    that break the questionnaire (an unknown question or option, a rating off the scale, text
    too long), each naming ``answers.<question_key>``. ``satisfaction_option`` and ``credit``:
    the satisfaction question's valid answer and what it counts (None when unanswered).
    """

    complete: bool
    problems: tuple[FieldProblem, ...]
    satisfaction_option: str | None
    credit: Decimal | None
    answered: tuple[str, ...] = field(default=())


# -- composing a version ------------------------------------------------------------------------


def _text(
    value: Any, name: str, limit: int, problems: list[FieldProblem], *, required: bool = True
) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(FieldProblem(name, "is required"))
        return ""
    if not isinstance(value, str):
        problems.append(FieldProblem(name, "must be text"))
        return ""
    if len(value.strip()) > limit:
        problems.append(FieldProblem(name, f"must be at most {limit} characters"))
        return ""
    return value.strip()


def _key(value: Any, name: str, problems: list[FieldProblem]) -> str:
    if not isinstance(value, str) or not KEY_PATTERN.match(value):
        problems.append(
            FieldProblem(name, f"must be 1-{KEY_MAX} letters, digits, '_' or '-' (a code)")
        )
        return ""
    return value


def _int(
    value: Any, name: str, problems: list[FieldProblem], *, low: int, high: int, default: int
) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(FieldProblem(name, f"must be a whole number from {low} to {high}"))
        return default
    return value


def parse_credit(value: Any, name: str, problems: list[FieldProblem]) -> Decimal | None:
    """A credit from 0 to 1 with at most 4 decimals (a string or number); None with a problem
    recorded otherwise."""
    try:
        credit = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        credit = None
    if (
        isinstance(value, bool)
        or credit is None
        or not credit.is_finite()
        or not ZERO <= credit <= ONE
        or credit != credit.quantize(CREDIT_PLACES)
    ):
        problems.append(FieldProblem(name, "must be a number from 0 to 1 with at most 4 decimals"))
        return None
    return credit.quantize(CREDIT_PLACES).normalize() + ZERO


def _options(raw: Any, path: str, problems: list[FieldProblem]) -> tuple[Option, ...]:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        problems.append(FieldProblem(path, "must be a list of options"))
        return ()
    if not MIN_OPTIONS <= len(raw) <= MAX_OPTIONS:
        problems.append(FieldProblem(path, f"must have {MIN_OPTIONS} to {MAX_OPTIONS} options"))
        return ()
    found: list[Option] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = f"{path}[{index}]"
        if not isinstance(item, Mapping):
            problems.append(FieldProblem(where, "must be an object with key and label"))
            continue
        key = _key(item.get("key"), f"{where}.key", problems)
        label = _text(item.get("label"), f"{where}.label", LABEL_MAX, problems)
        if key and key in seen:
            problems.append(FieldProblem(f"{where}.key", f"option {key} appears twice"))
        seen.add(key)
        found.append(Option(key=key, label=label))
    return tuple(found)


def _question(raw: Any, index: int, problems: list[FieldProblem]) -> Question | None:
    path = f"questions[{index}]"
    if not isinstance(raw, Mapping):
        problems.append(FieldProblem(path, "must be an object"))
        return None
    key = _key(raw.get("key"), f"{path}.key", problems)
    try:
        kind = QuestionKind(str(raw.get("kind")))
    except ValueError:
        problems.append(FieldProblem(f"{path}.kind", f"must be one of: {', '.join(KIND_VALUES)}"))
        return None
    label = _text(raw.get("label"), f"{path}.label", LABEL_MAX, problems)
    required = raw.get("required", True)
    if not isinstance(required, bool):
        problems.append(FieldProblem(f"{path}.required", "must be true or false"))
        required = True
    raw_options = raw.get("options")
    options: tuple[Option, ...] = ()
    scale_max = max_length = None
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        # A satisfaction question on a preset gets its options from the preset (filled in by
        # compose_version), so an empty list is not a problem yet.
        if raw_options:
            options = _options(raw_options, f"{path}.options", problems)
    elif raw_options:
        problems.append(FieldProblem(f"{path}.options", f"a {kind.value} question has none"))
    if kind is QuestionKind.RATING:
        scale_max = _int(
            raw.get("scale_max"),
            f"{path}.scale_max",
            problems,
            low=MIN_SCALE,
            high=MAX_SCALE,
            default=DEFAULT_SCALE,
        )
    elif raw.get("scale_max") is not None:
        problems.append(FieldProblem(f"{path}.scale_max", "only a rating question has a scale"))
    if kind is QuestionKind.TEXT:
        max_length = _int(
            raw.get("max_length"),
            f"{path}.max_length",
            problems,
            low=1,
            high=TEXT_LIMIT,
            default=TEXT_DEFAULT_MAX,
        )
    elif raw.get("max_length") is not None:
        problems.append(FieldProblem(f"{path}.max_length", "only a text question has a length"))
    return Question(
        key=key,
        kind=kind,
        label=label,
        required=required,
        options=options,
        scale_max=scale_max,
        max_length=max_length,
    )


def preset_credits(preset: Preset, basic_credit: Decimal) -> dict[str, Decimal]:
    """The credits of a preset's options with its middle option at ``basic_credit``."""
    return {
        key: basic_credit if credit is None else credit
        for key, _label, credit in _PRESET_SCALES[preset]
    }


def preset_options(preset: Preset) -> tuple[Option, ...]:
    return tuple(Option(key=key, label=label) for key, label, _credit in _PRESET_SCALES[preset])


Credits = tuple[dict[str, Decimal], Preset | None, Decimal | None]
_NO_CREDITS: Credits = ({}, None, None)


def _satisfaction(
    spec: SatisfactionSpec, questions: list[Question], problems: list[FieldProblem]
) -> Credits:
    """Fill in and check the satisfaction question; its credits, preset and basic credit."""
    index = next((i for i, q in enumerate(questions) if q.key == spec.question_key), None)
    if index is None:
        problems.append(FieldProblem("satisfaction.question_key", "names no question"))
        return _NO_CREDITS
    if questions[index].kind is not QuestionKind.SINGLE:
        problems.append(
            FieldProblem("satisfaction.question_key", "must name a single-choice question")
        )
        return _NO_CREDITS
    if (spec.preset is None) == (spec.credits is None):
        problems.append(
            FieldProblem("satisfaction", "give either a preset with basic_credit or credits")
        )
        return _NO_CREDITS
    if spec.preset is not None:
        return _preset_scale(spec, questions, index, problems)
    return _listed_credits(spec, questions[index], index, problems)


def _preset_scale(
    spec: SatisfactionSpec, questions: list[Question], index: int, problems: list[FieldProblem]
) -> Credits:
    """The preset's options put on the question (which must list none itself)."""
    try:
        preset = Preset(str(spec.preset))
    except ValueError:
        problems.append(
            FieldProblem("satisfaction.preset", f"must be one of: {', '.join(PRESET_VALUES)}")
        )
        return _NO_CREDITS
    basic = spec.basic_credit
    if basic is None or basic not in BASIC_CREDITS:
        problems.append(FieldProblem("satisfaction.basic_credit", "must be 1, 0.5 or 0"))
        return _NO_CREDITS
    if questions[index].options:
        problems.append(
            FieldProblem(f"questions[{index}].options", "come from the preset: leave them out")
        )
        return _NO_CREDITS
    questions[index] = replace(questions[index], options=preset_options(preset))
    basic = basic.normalize() + ZERO
    return preset_credits(preset, basic), preset, basic


def _listed_credits(
    spec: SatisfactionSpec, question: Question, index: int, problems: list[FieldProblem]
) -> Credits:
    """A credit for every option the centre listed, and no other."""
    if spec.basic_credit is not None:
        problems.append(FieldProblem("satisfaction.basic_credit", "goes with a preset only"))
    if not question.options:
        problems.append(FieldProblem(f"questions[{index}].options", "is required without a preset"))
        return _NO_CREDITS
    raw = spec.credits or {}
    credits: dict[str, Decimal] = {}
    for option in question.options:
        where = f"satisfaction.credits.{option.key}"
        if option.key not in raw:
            problems.append(FieldProblem(where, "is required"))
            continue
        credit = parse_credit(raw[option.key], where, problems)
        if credit is not None:
            credits[option.key] = credit
    problems.extend(
        FieldProblem(f"satisfaction.credits.{key}", "names no option")
        for key in raw
        if key not in question.option_keys
    )
    if len(credits) == len(question.options) and ONE not in credits.values():
        # Otherwise nobody could ever be fully satisfied and every rate would be capped.
        problems.append(FieldProblem("satisfaction.credits", "one option must count 1"))
    return credits, None, None


def compose_version(questionnaire_id: str, version: int, spec: VersionSpec) -> QuestionnaireVersion:
    """A draft version from the centre's content; 422 naming every bad field."""
    problems: list[FieldProblem] = []
    name = _text(spec.name, "name", NAME_MAX, problems)
    description = _text(spec.description, "description", DESCRIPTION_MAX, problems, required=False)
    raw_questions = spec.questions
    questions: list[Question] = []
    if not isinstance(raw_questions, Sequence) or isinstance(raw_questions, str):
        problems.append(FieldProblem("questions", "must be a list"))
        raw_questions = ()
    elif not 1 <= len(raw_questions) <= MAX_QUESTIONS:
        problems.append(FieldProblem("questions", f"must have 1 to {MAX_QUESTIONS} questions"))
    seen: set[str] = set()
    for index, raw in enumerate(raw_questions):
        question = _question(raw, index, problems)
        if question is None:
            continue
        if question.key and question.key in seen:
            problems.append(
                FieldProblem(f"questions[{index}].key", f"{question.key} appears twice")
            )
        seen.add(question.key)
        questions.append(question)
    question_key = _key(spec.satisfaction.question_key, "satisfaction.question_key", problems)
    credits: dict[str, Decimal] = {}
    preset = basic = None
    if question_key:
        credits, preset, basic = _satisfaction(
            replace(spec.satisfaction, question_key=question_key), questions, problems
        )
    for index, question in enumerate(questions):
        # The satisfaction question's options were judged with its credits above.
        if (
            question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
            and not question.options
            and question.key != question_key
        ):
            problems.append(FieldProblem(f"questions[{index}].options", "is required"))
    if problems:
        raise InvalidInput(_unique(problems))
    return QuestionnaireVersion(
        questionnaire_id=questionnaire_id,
        version=version,
        name=name,
        description=description,
        questions=tuple(questions),
        satisfaction_key=question_key,
        credits=credits,
        preset=preset,
        basic_credit=basic,
    )


def _unique(problems: list[FieldProblem]) -> list[FieldProblem]:
    """Each problem once, in the order found (a bad option key can be reported twice)."""
    return list(dict.fromkeys(problems))


# -- the lifecycle ------------------------------------------------------------------------------


def create_questionnaire(
    *, questionnaire_id: str, tenant_id: str, spec: VersionSpec, actor: str, now: datetime
) -> Questionnaire:
    """A new questionnaire whose version 1 is a draft (422 naming every bad field)."""
    require_aware(now)
    return Questionnaire(
        questionnaire_id=questionnaire_id,
        tenant_id=tenant_id,
        current=compose_version(questionnaire_id, 1, spec),
        created_at=now,
        created_by=actor,
        updated_at=now,
        updated_by=actor,
    )


def edit_draft(
    questionnaire: Questionnaire, *, spec: VersionSpec, actor: str, now: datetime
) -> Questionnaire:
    """The draft replaced by ``spec``; 409 when the working version is published (start a new
    version first)."""
    require_aware(now)
    current = questionnaire.current
    if current.published:
        raise StateConflict(
            f"version {current.version} is published and never changes: start a new version"
        )
    version = compose_version(questionnaire.questionnaire_id, current.version, spec)
    return replace(questionnaire, current=version, updated_at=now, updated_by=actor)


def start_version(questionnaire: Questionnaire, *, actor: str, now: datetime) -> Questionnaire:
    """A new draft (version n+1) copied from the latest published version; 409 while a draft
    is open (edit that one)."""
    require_aware(now)
    current = questionnaire.current
    if not current.published:
        raise StateConflict(f"version {current.version} is still a draft: edit it")
    draft = replace(
        current,
        version=current.version + 1,
        status=VersionStatus.DRAFT,
        published_at=None,
        published_by=None,
    )
    return replace(questionnaire, current=draft, updated_at=now, updated_by=actor)


def publish(
    questionnaire: Questionnaire, *, actor: str, now: datetime
) -> tuple[Questionnaire, QuestionnairePublished]:
    """Publish the draft: from now on it never changes; 409 when it is published already."""
    require_aware(now)
    current = questionnaire.current
    if current.published:
        raise StateConflict(f"version {current.version} is published already")
    published = replace(
        current, status=VersionStatus.PUBLISHED, published_at=now, published_by=actor
    )
    updated = replace(
        questionnaire,
        current=published,
        published_versions=(*questionnaire.published_versions, published.version),
        updated_at=now,
        updated_by=actor,
    )
    return updated, QuestionnairePublished(published=published, actor=actor, occurred_at=now)


# -- answers ------------------------------------------------------------------------------------


def _unanswered(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str | list | tuple) and not value)
        or (isinstance(value, str) and not value.strip())
    )


def _single(question: Question, value: Any) -> str | None:
    if not isinstance(value, str) or value not in question.option_keys:
        return "must be one of the question's options"
    return None


def _multiple(question: Question, value: Any) -> str | None:
    if (
        not isinstance(value, list | tuple)
        or not all(isinstance(item, str) for item in value)
        or not set(value) <= set(question.option_keys)
    ):
        return "must be a list of the question's options"
    if len(set(value)) != len(value):
        return "names an option twice"
    return None


def _rating(question: Question, value: Any) -> str | None:
    top = question.scale_max or DEFAULT_SCALE
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
        return f"must be a whole number from 1 to {top}"
    return None


def _free_text(question: Question, value: Any) -> str | None:
    limit = question.max_length or TEXT_DEFAULT_MAX
    if not isinstance(value, str):
        return "must be text"
    if len(value.strip()) > limit:
        return f"must be at most {limit} characters"
    return None


_CHECKS: Mapping[QuestionKind, Callable[[Question, Any], str | None]] = {
    QuestionKind.SINGLE: _single,
    QuestionKind.MULTIPLE: _multiple,
    QuestionKind.RATING: _rating,
    QuestionKind.TEXT: _free_text,
}


def check_answers(version: QuestionnaireVersion, answers: Mapping[str, Any]) -> AnswerCheck:
    """Judge ``answers`` against ``version`` (see `AnswerCheck`). Never raises for the
    answers' content: the caller decides whether problems are a 422 (the resident page) or a
    flag (an imported results file)."""
    problems: list[FieldProblem] = []
    answered: list[str] = []
    if not isinstance(answers, Mapping):
        return AnswerCheck(
            complete=False,
            problems=(FieldProblem("answers", "must be an object of question keys"),),
            satisfaction_option=None,
            credit=None,
        )
    known = {question.key: question for question in version.questions}
    for key in answers:
        if key not in known:
            problems.append(FieldProblem(f"answers.{key}", "no such question"))
    missing = False
    option: str | None = None
    for question in version.questions:
        value = answers.get(question.key)
        if _unanswered(value):
            missing = missing or question.required
            continue
        reason = _CHECKS[question.kind](question, value)
        if reason is not None:
            problems.append(FieldProblem(f"answers.{question.key}", reason))
            continue
        answered.append(question.key)
        if question.key == version.satisfaction_key:
            option = value
    return AnswerCheck(
        complete=not missing and not problems,
        problems=tuple(problems),
        satisfaction_option=option,
        credit=None if option is None else version.credit_of(option),
        answered=tuple(answered),
    )


# -- events -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionnairePublished:
    """A version was published: campaigns may use it, and its credits say what counts."""

    published: QuestionnaireVersion
    actor: str
    occurred_at: datetime

    type: ClassVar[str] = "questionnaire.published"
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.published.questionnaire_id

    def payload(self) -> dict[str, Any]:
        """Ids, keys, kinds and credits: what scoring and reports need to read a rate's
        definition; never an answer."""
        version = self.published
        return {
            "questionnaire_id": version.questionnaire_id,
            "version": version.version,
            "name": version.name,
            "satisfaction_question": version.satisfaction_key,
            "preset": None if version.preset is None else version.preset.value,
            "basic_credit": version.basic_credit,
            "credits": [
                {"option": key, "credit": credit} for key, credit in version.credits.items()
            ],
            "question_kinds": [
                {"question": q.key, "kind": q.kind.value, "required": q.required}
                for q in version.questions
            ],
            "published_by": self.actor,
        }
