"""The overview dashboard is valid JSON, filters by service, and charts the platform metrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DASHBOARD = Path("deploy") / "grafana" / "dashboards" / "gridgov-overview.json"


@pytest.fixture(scope="module")
def dashboard(repo: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((repo / DASHBOARD).read_text(encoding="utf-8"))
    return loaded


def panel_queries(dashboard: dict[str, Any]) -> list[str]:
    panels = list(dashboard["panels"])
    queries = []
    while panels:
        panel = panels.pop()
        panels.extend(panel.get("panels", []))
        queries.extend(target["expr"] for target in panel.get("targets", []))
    return queries


def test_dashboard_has_a_service_variable(dashboard: dict[str, Any]) -> None:
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["service"]["multi"] is True
    assert variables["service"]["includeAll"] is True


@pytest.mark.parametrize(
    "metric",
    [
        "gridgov_http_requests_total",
        "gridgov_http_request_duration_seconds_bucket",
        "gridgov_consumer_lag_messages",
        "gridgov_consumer_messages_dlq_total",
        "gridgov_outbox_backlog_documents",
    ],
)
def test_dashboard_charts_metric_per_selected_service(
    dashboard: dict[str, Any], metric: str
) -> None:
    queries = [q for q in panel_queries(dashboard) if metric in q]
    assert queries, f"no panel queries {metric}"
    for query in queries:
        assert 'service=~"$service"' in query, query
