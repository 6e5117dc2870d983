"""merge_routes: one route per topic, every table's handler run for each message."""

from __future__ import annotations

from shared.events.envelope import Envelope
from shared.kafka.consumer import Route
from shared.runtime import merge_routes


def envelope() -> Envelope:
    return Envelope.new(type="x.y", version=1, tenant_id="t1", producer="p", payload={})


def test_handlers_of_one_topic_run_in_table_order() -> None:
    calls: list[str] = []
    first = (Route("a", lambda e: calls.append("first-a"), non_retryable=(KeyError,)),)
    second = (
        Route("a", lambda e: calls.append("second-a"), non_retryable=(ValueError,)),
        Route("b", lambda e: calls.append("second-b")),
    )
    merged = {route.topic: route for route in merge_routes(first, second)}
    assert sorted(merged) == ["a", "b"]
    merged["a"].handler(envelope())
    merged["b"].handler(envelope())
    assert calls == ["first-a", "second-a", "second-b"]
    assert merged["a"].non_retryable == (KeyError, ValueError)
