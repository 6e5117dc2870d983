"""RED metrics by route template with bounded labels, and the /metrics view."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from prometheus_client import REGISTRY

from shared.auth import public
from shared.http import Blueprint, create_app
from shared.metrics import render_metrics
from shared.settings import PlatformSettings
from shared.testing.tokens import LocalIssuer

SERVICE = "metrics_test"

blp = Blueprint("items", __name__, url_prefix="/items")


@blp.route("/<item_id>")
@public
def item(item_id: str) -> dict[str, str]:
    if item_id == "boom":
        raise RuntimeError("boom")
    return {"id": item_id}


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app(
        service=SERVICE,
        settings=PlatformSettings.from_env({}, service=SERVICE),
        blueprints=[blp],
        readiness_checks={},
        verifier=LocalIssuer().verifier(),
        configure_logs=False,
    )


def sample(name: str, route: str, method: str, status_class: str) -> float:
    labels = {"service": SERVICE, "route": route, "method": method, "status_class": status_class}
    return REGISTRY.get_sample_value(name, labels) or 0.0


def delta(action: Callable[[], object], route: str, method: str, status_class: str) -> float:
    before = sample("gridgov_http_requests_total", route, method, status_class)
    action()
    return sample("gridgov_http_requests_total", route, method, status_class) - before


def test_requests_are_counted_by_route_template(app: Flask) -> None:
    client = app.test_client()

    def three_items() -> None:
        for item_id in ("a", "b", "c"):
            assert client.get(f"/items/{item_id}").status_code == 200

    assert delta(three_items, "/items/<item_id>", "GET", "2xx") == 3


def test_unmatched_paths_share_one_label(app: Flask) -> None:
    client = app.test_client()

    def probe() -> None:
        for path in ("/x1", "/x2/y", "/random/path/3"):
            assert client.get(path).status_code == 404

    assert delta(probe, "<unmatched>", "GET", "4xx") == 3


def test_unknown_methods_collapse_to_other(app: Flask) -> None:
    client = app.test_client()

    def brew() -> None:
        assert client.open("/healthz", method="BREW").status_code == 405

    assert delta(brew, "<unmatched>", "OTHER", "4xx") == 1


def test_server_errors_are_counted_and_timed(app: Flask) -> None:
    client = app.test_client()
    route = "/items/<item_id>"
    count_before = (
        REGISTRY.get_sample_value(
            "gridgov_http_request_duration_seconds_count",
            {"service": SERVICE, "route": route, "method": "GET", "status_class": "5xx"},
        )
        or 0.0
    )
    assert delta(lambda: client.get("/items/boom"), route, "GET", "5xx") == 1
    count_after = REGISTRY.get_sample_value(
        "gridgov_http_request_duration_seconds_count",
        {"service": SERVICE, "route": route, "method": "GET", "status_class": "5xx"},
    )
    assert count_after == count_before + 1


def test_in_flight_returns_to_zero_after_success_error_and_401(app: Flask) -> None:
    client = app.test_client()
    client.get("/items/a")
    client.get("/items/boom")
    client.get("/openapi.json")
    client.post("/items/a", json={})
    assert REGISTRY.get_sample_value("gridgov_http_requests_in_flight", {"service": SERVICE}) == 0


def test_metrics_endpoint_is_public_prometheus_text(app: Flask) -> None:
    app.test_client().get("/items/a")
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    text = response.get_data(as_text=True)
    assert "gridgov_http_requests_total{" in text
    assert 'route="/items/<item_id>"' in text


def test_multiprocess_mode_reads_the_directory_not_the_default_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    payload, content_type = render_metrics()
    # The directory is empty, so nothing at all is exposed; the default registry would show
    # this process's own counters.
    assert payload == b""
    assert content_type.startswith("text/plain")
