"""docker-compose.yml and the Helm values cannot drift from services/ or from .env.example.

Every package under services/ must run as an api and a worker, on the ports .env.example gives
it, in both deployments, and compose's Prometheus must scrape each of those processes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml


def kube_name(service: str) -> str:
    """Package name -> the hyphenated form that container and Kubernetes names use."""
    return service.replace("_", "-")


@pytest.fixture(scope="module")
def compose(repo: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (repo / "docker-compose.yml").read_text(encoding="utf-8")
    )
    return loaded


@pytest.fixture(scope="module")
def chart_values(repo: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (repo / "charts" / "gridgov" / "values.yaml").read_text(encoding="utf-8")
    )
    return loaded


def test_there_are_six_services(service_names: list[str]) -> None:
    assert service_names == sorted(
        ["identity", "grid_registry", "event_intake", "patrol_tracking", "survey", "scoring"]
    )


def test_compose_runs_an_api_and_a_worker_per_service(
    compose: dict[str, Any], service_names: list[str]
) -> None:
    gridgov = {
        name: spec
        for name, spec in compose["services"].items()
        if name.endswith(("-api", "-worker"))
    }
    expected = {f"{kube_name(s)}-{process}" for s in service_names for process in ("api", "worker")}
    assert set(gridgov) == expected


@pytest.mark.parametrize("process", ["api", "worker"])
def test_compose_process_matches_its_service(
    compose: dict[str, Any], service_names: list[str], env_example: dict[str, str], process: str
) -> None:
    for service in service_names:
        spec = compose["services"][f"{kube_name(service)}-{process}"]
        env = spec["environment"]
        assert env["GRIDGOV_SERVICE"] == service
        assert env["GRIDGOV_MONGO_DB"] == f"gridgov_{service}"
        for key in ("GRIDGOV_KAFKA_BOOTSTRAP", "GRIDGOV_MONGO_URI", "GRIDGOV_KEYCLOAK_URL"):
            assert env[key], f"{service}-{process}: {key} is empty"
        assert spec["healthcheck"]["test"], f"{service}-{process} has no healthcheck"
        conditions = {dep: cond["condition"] for dep, cond in spec["depends_on"].items()}
        assert conditions["kafka-topics"] == "service_completed_successfully"
        assert conditions["mongo"] == conditions["kafka"] == "service_healthy"
        upper = service.upper()
        if process == "api":
            port = int(env_example[f"{upper}_PORT"])
            assert spec["command"][-1] == f"services.{service}.wsgi:app"
            assert int(env["GRIDGOV_HTTP_PORT"]) == port
            assert env["GRIDGOV_HTTP_BIND"] == f"0.0.0.0:{port}"
            assert "PROMETHEUS_MULTIPROC_DIR" in env
        else:
            port = int(env_example[f"{upper}_WORKER_METRICS_PORT"])
            assert spec["command"] == ["python", "-m", f"services.{service}.worker"]
            assert int(env["GRIDGOV_WORKER_METRICS_PORT"]) == port
            # Present even when empty, it would switch prometheus_client to multiprocess mode.
            assert "PROMETHEUS_MULTIPROC_DIR" not in env


def test_compose_prometheus_scrapes_every_process(
    compose: dict[str, Any], service_names: list[str], env_example: dict[str, str]
) -> None:
    config = yaml.safe_load(compose["configs"]["prometheus-config"]["content"])
    scraped = {
        (group["labels"]["service"], group["labels"]["process"]): group["targets"]
        for job in config["scrape_configs"]
        for group in job["static_configs"]
        if "service" in group.get("labels", {})
    }
    expected = {}
    for service in service_names:
        upper = service.upper()
        api_port = env_example[f"{upper}_PORT"]
        worker_port = env_example[f"{upper}_WORKER_METRICS_PORT"]
        expected[(service, "api")] = [f"{kube_name(service)}-api:{api_port}"]
        expected[(service, "worker")] = [f"{kube_name(service)}-worker:{worker_port}"]
    assert scraped == expected


def test_chart_has_one_block_per_service(
    chart_values: dict[str, Any], service_names: list[str], env_example: dict[str, str]
) -> None:
    blocks = chart_values["services"]
    assert sorted(blocks) == service_names
    for service, block in blocks.items():
        upper = service.upper()
        assert block["port"] == int(env_example[f"{upper}_PORT"])
        assert block["workerMetricsPort"] == int(env_example[f"{upper}_WORKER_METRICS_PORT"])
        for process in ("api", "worker"):
            assert block[process]["replicas"] >= 1, f"{service}.{process}.replicas"
            assert block[process]["resources"]["requests"], f"{service}.{process}.resources"
            assert block[process]["resources"]["limits"]["memory"], f"{service}.{process}"


def test_chart_pod_defaults_are_secure(chart_values: dict[str, Any]) -> None:
    pod = chart_values["podSecurityContext"]
    container = chart_values["securityContext"]
    assert pod["runAsNonRoot"] is True
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["readOnlyRootFilesystem"] is True
    assert container["allowPrivilegeEscalation"] is False
    assert container["capabilities"]["drop"] == ["ALL"]
