"""The seed (and the e2e tenants) wait for an account identity just created to reach
grid_registry: a membership naming it is sent again while it answers 422 ``user_id``, for a
bounded time, and no other answer is retried. No network: answers are built in memory."""

from __future__ import annotations

import json
from typing import Any

import requests

from deploy.local.seed.api import ACCOUNT_WAIT_SECONDS, names_unknown_user, retry_while


def answer(status: int, body: Any = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = b"" if body is None else json.dumps(body).encode()
    return response


UNKNOWN_USER = answer(422, {"errors": [{"field": "user_id", "reason": "no user w-1 ..."}]})


def test_only_a_422_naming_user_id_is_the_refusal_awaited():
    assert names_unknown_user(UNKNOWN_USER)
    assert not names_unknown_user(answer(422, {"errors": [{"field": "starts_on", "reason": "x"}]}))
    assert not names_unknown_user(answer(422, {"detail": "no errors listed"}))
    assert not names_unknown_user(answer(422, "not json we expect"))
    assert not names_unknown_user(answer(422))
    assert not names_unknown_user(answer(409, {"errors": [{"field": "user_id", "reason": "x"}]}))
    assert not names_unknown_user(answer(201, {"user_id": "w-1"}))


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_request_is_sent_again_until_the_account_is_known():
    time = FakeTime()
    answers = iter([UNKNOWN_USER, UNKNOWN_USER, answer(201, {"membership_id": "m-1"})])
    sent: list[float] = []

    def send() -> requests.Response:
        sent.append(time.now)
        return next(answers)

    last = retry_while(send, names_unknown_user, clock=time.clock, sleep=time.sleep)

    assert last.status_code == 201
    assert sent == [0.0, 0.5, 1.0]


def test_it_gives_up_after_the_wait_and_hands_back_the_refusal():
    time = FakeTime()
    sent: list[float] = []

    def send() -> requests.Response:
        sent.append(time.now)
        return UNKNOWN_USER

    last = retry_while(send, names_unknown_user, clock=time.clock, sleep=time.sleep)

    assert last is UNKNOWN_USER
    assert sent[-1] == ACCOUNT_WAIT_SECONDS
    assert len(sent) == ACCOUNT_WAIT_SECONDS / 0.5 + 1


def test_any_other_answer_is_not_retried():
    time = FakeTime()
    sent: list[float] = []
    conflict = answer(409, {"detail": "the seat is taken"})

    def send() -> requests.Response:
        sent.append(time.now)
        return conflict

    assert retry_while(send, names_unknown_user, clock=time.clock, sleep=time.sleep) is conflict
    assert sent == [0.0]
