"""JSON lines with the bound context."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from shared.logs import JsonFormatter, configure_logging, get_context, log_context


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter("test_service"))
    logger = logging.getLogger("gridgov.test.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield buffer
    logger.removeHandler(handler)


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_record_is_one_json_line_with_context_and_extra(stream: io.StringIO) -> None:
    log = logging.getLogger("gridgov.test.logs")
    with log_context(request_id="r-1", tenant_id="demo-town-a"):
        log.info("created %s", "division", extra={"division_id": "d-9"})
    (entry,) = lines(stream)
    assert entry["message"] == "created division"
    assert entry["service"] == "test_service"
    assert entry["request_id"] == "r-1"
    assert entry["tenant_id"] == "demo-town-a"
    assert entry["division_id"] == "d-9"
    assert entry["level"] == "INFO"
    assert entry["ts"].endswith("+00:00")


def test_context_nests_skips_none_and_restores() -> None:
    with log_context(request_id="outer", tenant_id=None):
        assert get_context() == {"request_id": "outer"}
        with log_context(event_id="e-1", request_id="inner"):
            assert get_context() == {"request_id": "inner", "event_id": "e-1"}
        assert get_context() == {"request_id": "outer"}
    assert get_context() == {}


def test_context_does_not_leak_between_threads() -> None:
    seen: list[dict[str, str]] = []
    with log_context(tenant_id="demo-town-a"):
        thread = threading.Thread(target=lambda: seen.append(get_context()))
        thread.start()
        thread.join()
    assert seen == [{}]


def test_exception_adds_traceback_and_unserialisable_extra_is_stringified(
    stream: io.StringIO,
) -> None:
    log = logging.getLogger("gridgov.test.logs")
    try:
        raise KeyError("boom")
    except KeyError:
        log.exception("failed", extra={"thing": object()})
    (entry,) = lines(stream)
    assert entry["exc_type"] == "KeyError"
    assert "Traceback" in entry["traceback"]
    assert entry["thing"].startswith("<object object")


def test_non_ascii_is_kept_readable(stream: io.StringIO) -> None:
    logging.getLogger("gridgov.test.logs").warning("网格 %s", "甲镇")
    assert "网格 甲镇" in stream.getvalue()


def test_configure_logging_is_idempotent_and_keeps_foreign_handlers() -> None:
    root = logging.getLogger()
    foreign = logging.NullHandler()
    root.addHandler(foreign)
    before = list(root.handlers)
    level_before = root.level
    try:
        configure_logging("svc", "debug")
        configure_logging("svc", "WARNING")
        json_handlers = [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]
        assert len(json_handlers) == 1
        assert foreign in root.handlers
        assert root.level == logging.WARNING
    finally:
        for handler in list(root.handlers):
            if handler not in before:
                root.removeHandler(handler)
        root.removeHandler(foreign)
        root.setLevel(level_before)


def test_configure_logging_rejects_unknown_level() -> None:
    with pytest.raises(ValueError, match="LOUD"):
        configure_logging("svc", "LOUD")
