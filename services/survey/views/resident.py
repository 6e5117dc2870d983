"""居民答卷页 (the resident page): a one-time link's questionnaire, in Chinese, for a phone.

No login: the link is the key (``/s/<token>``). Whatever happens, the resident gets a page,
never a problem+json: an unknown link (404), a used or expired one (410), a campaign not yet
started (409), a form refused (the questionnaire again with the reason, 422), a body too large
(413) or too many requests (429) and, should the service fail, an apology (500). Every page is
self-contained (no external asset, no script) and sent with headers that keep it out of
caches, frames and Referer headers (the token is in its address).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import partial

from flask import Response, request
from flask.views import MethodView
from jinja2 import Environment, PackageLoader, select_autoescape
from werkzeug.exceptions import HTTPException

from services.survey.domain.questionnaires import DEFAULT_SCALE, TEXT_DEFAULT_MAX
from services.survey.domain.responses import FIELD_PREFIX
from services.survey.domain.sampling import LinkState
from services.survey.use_cases import resident as use_cases
from services.survey.use_cases.context import SurveyContext
from services.survey.use_cases.resident import (
    FormRefused,
    LinkUnavailable,
    ResidentPage,
    Submitted,
)
from shared.auth import public
from shared.errors import FieldProblem
from shared.http import Blueprint, accepts, current_request_id
from shared.http.errors import to_problem
from shared.http.problems import Problem, UnsupportedMediaType

log = logging.getLogger(__name__)

blp = Blueprint("resident", __name__, description="居民答卷页 (resident page; no login)")

_pages = Environment(
    loader=PackageLoader("services.survey", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
}
# What the resident reads for each state of a link, and its status.
_UNAVAILABLE: Mapping[LinkState, tuple[int, str, tuple[str, ...]]] = {
    LinkState.UNKNOWN: (
        404,
        "链接无效",
        ("没有找到这份问卷。", "请核对链接是否完整，或联系发送链接的工作人员。"),
    ),
    LinkState.USED: (
        410,
        "您已提交过答卷",
        ("此链接只能使用一次，您的回答已经收到。", "感谢您的参与！"),
    ),
    LinkState.EXPIRED: (
        410,
        "链接已过期",
        ("本次调查已结束或此链接已失效，无法再提交答卷。", "感谢您的关注！"),
    ),
    LinkState.NOT_OPEN: (
        409,
        "调查尚未开始",
        ("本次调查还没有开始，请在调查开始后再打开此链接。",),
    ),
}
_ERRORS: Mapping[int, tuple[str, tuple[str, ...]]] = {
    413: ("内容过多", ("提交的内容超出限制，请精简后重试。",)),
    429: ("请稍后再试", ("访问过于频繁，请稍等片刻再打开此页面。",)),
}
_FAILED = ("系统繁忙", ("暂时无法处理您的请求，请稍后重试。给您带来不便，敬请谅解。",))
_REFUSED = ("请求无效", ("无法处理此请求，请返回问卷页面重新提交。",))
_INVALID_ANSWER = "此题的答案无效，请重新选择或填写。"
_FORM_NOTICE = "提交的内容有误，请检查后重新提交。"

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_HTML = {"text/html": {"schema": {"type": "string"}}}
_DOC_RESPONSES = {
    200: {"description": "the questionnaire (GET) or the thanks page (POST)", "content": _HTML},
    404: {"description": "unknown link: a page saying so", "content": _HTML},
    409: {"description": "the campaign has not started: a page saying so", "content": _HTML},
    410: {"description": "used or expired link: a page saying so", "content": _HTML},
    429: {"description": "too many requests: a page saying so", "content": _HTML},
}
_FORM_BODY = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "properties": {
                    "t": {"type": "string", "description": "the signed time the page was shown"}
                },
                "additionalProperties": {"type": "string"},
            }
        }
    },
}


def _html(body: str, status: int) -> Response:
    response = Response(body, status=status, mimetype="text/html")
    response.headers.update(_HEADERS)
    return response


def _message(status: int, title: str, lines: Sequence[str]) -> Response:
    body = _pages.get_template("resident/message.html").render(title=title, lines=lines)
    return _html(body, status)


def _unavailable(state: LinkState) -> Response:
    status, title, lines = _UNAVAILABLE[state]
    return _message(status, title, lines)


def _chinese(reason: str) -> str:
    """The Chinese half of a bilingual reason (``中文 / English``)."""
    return reason.split(" / ", 1)[0]


def _problems_by_question(
    problems: Sequence[FieldProblem],
) -> tuple[dict[str, list[str]], list[str]]:
    """Problems under the question they concern, and the form-level ones. The questionnaire's
    own reasons are English (they serve the API too): the page says it in Chinese."""
    found: dict[str, list[str]] = {}
    general: list[str] = []
    for problem in problems:
        key = problem.field.removeprefix("answers.").removeprefix(FIELD_PREFIX)
        if problem.field.startswith(FIELD_PREFIX):
            found.setdefault(key, []).append(_chinese(problem.reason))
        elif problem.field.startswith("answers."):
            found.setdefault(key, []).append(_INVALID_ANSWER)
        else:
            general.append(_chinese(problem.reason))
    return found, general


def _questionnaire(page: ResidentPage, status: int) -> Response:
    problems, general = _problems_by_question(page.problems)
    body = _pages.get_template("resident/form.html").render(
        page=page,
        problems=problems,
        notices=[_FORM_NOTICE, *general] if (general or problems) else [],
        default_scale=DEFAULT_SCALE,
        text_max=TEXT_DEFAULT_MAX,
    )
    return _html(body, status)


@blp.route("/s/<string:token>")
class ResidentLink(MethodView):
    @blp.doc(security=[], responses=_DOC_RESPONSES)
    @public
    def get(self, token: str) -> Response:
        """The questionnaire of a one-time link (a page saying why not otherwise)."""
        ctx = use_cases.resident_context(token, current_request_id())
        if ctx is None:
            return _unavailable(LinkState.UNKNOWN)
        try:
            page = use_cases.open_page(ctx, token=token)
        except LinkUnavailable as exc:
            return _unavailable(exc.state)
        return _questionnaire(page, 200)

    @blp.doc(
        security=[],
        requestBody=_FORM_BODY,
        responses={
            **_DOC_RESPONSES,
            400: {"description": "an unreadable form: a page saying so", "content": _HTML},
            413: {"description": "too large: a page saying so", "content": _HTML},
            415: {"description": "not a form: a page saying so", "content": _HTML},
            422: {"description": "the questionnaire again, with what to fix", "content": _HTML},
        },
    )
    @accepts(*_FORM_TYPES)
    @public
    def post(self, token: str) -> Response:
        """Record the link's answer, once (a second submission gets the "used" page)."""
        if request.mimetype not in _FORM_TYPES:
            # The platform lets JSON through everywhere; a resident's browser sends a form.
            raise UnsupportedMediaType("the resident page takes a form")
        ctx = use_cases.resident_context(token, current_request_id())
        if ctx is None:
            return _unavailable(LinkState.UNKNOWN)
        form = {name: request.form.getlist(name) for name in request.form}
        try:
            done = use_cases.submit(ctx, token=token, form=form)
        except LinkUnavailable as exc:
            return _unavailable(exc.state)
        except FormRefused as exc:
            return _questionnaire(exc.page, 422)
        page = _message(200, "提交成功", (f"感谢您参与「{done.campaign_name}」！",))
        page.call_on_close(partial(_settle, ctx, done))
        return page


def _settle(ctx: SurveyContext, done: Submitted) -> None:
    """After the answer is sent: the member's status follows (its failure costs the resident
    nothing, the link is spent either way)."""
    try:
        use_cases.settle(ctx, done)
    except Exception:
        log.exception("marking a submission's member answered failed")


def _error_page(error: Exception) -> Response:
    """Whatever fails on this blueprint (a body too large, a rate limit, a path the platform
    refuses, a fault) is a page too, with the status and headers (``Retry-After``) the
    platform's problem would have had."""
    problem = to_problem(error)
    if problem.status >= 500 and not isinstance(error, Problem | HTTPException):
        log.error("resident page failed", exc_info=error)
    if problem.status == 404:
        response = _unavailable(LinkState.UNKNOWN)
    else:
        title, lines = _ERRORS.get(problem.status, _REFUSED if problem.status < 500 else _FAILED)
        response = _message(problem.status, title, lines)
    for name, value in problem.headers.items():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


blp.register_error_handler(Exception, _error_page)
