"""promtool over the Prometheus files: rule syntax, the alert unit tests, both scrape configs.

promtool comes from Debian's prometheus package (installed by .ci/run); these tests only run
subprocesses on files in the repository and in tmp_path, no network.
"""

from __future__ import annotations

import shutil
import string
import subprocess
from pathlib import Path

import pytest
import yaml

PROMETHEUS_DIR = Path("deploy") / "prometheus"


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    assert path, "promtool is missing: apt-get install prometheus (as .ci/run does)"
    return path


def run_promtool(promtool: str, *args: str | Path, cwd: Path) -> str:
    result = subprocess.run(
        [promtool, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"promtool {' '.join(map(str, args))} failed:\n{output}"
    return output


def test_alert_rules_are_valid(promtool: str, repo: Path) -> None:
    output = run_promtool(promtool, "check", "rules", PROMETHEUS_DIR / "alerts.yml", cwd=repo)
    assert "SUCCESS" in output


def test_alert_rules_pass_their_unit_tests(promtool: str, repo: Path) -> None:
    run_promtool(promtool, "test", "rules", PROMETHEUS_DIR / "alerts_test.yml", cwd=repo)


def test_every_alert_has_a_unit_test(repo: Path) -> None:
    rules = yaml.safe_load((repo / PROMETHEUS_DIR / "alerts.yml").read_text(encoding="utf-8"))
    alerts = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    tests = yaml.safe_load((repo / PROMETHEUS_DIR / "alerts_test.yml").read_text(encoding="utf-8"))
    firing: set[str] = set()
    quiet: set[str] = set()
    for case in tests["tests"]:
        for check in case.get("alert_rule_test", []):
            (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    assert alerts - firing == set(), "alerts without a test that makes them fire"
    assert alerts - quiet == set(), "alerts without a test that keeps them quiet"


def render_local_config(repo: Path, env: dict[str, str], target: Path) -> Path:
    """prometheus.yml as deploy/local renders it (envsubst with .env.example), beside alerts.yml."""
    template = (repo / PROMETHEUS_DIR / "prometheus.yml").read_text(encoding="utf-8")
    rendered = string.Template(template).safe_substitute(env)
    # safe_substitute leaves unknown names in place; outside comments that would be a target
    # envsubst turns into an empty port, so fail here instead of scraping nothing.
    leftovers = [
        line for line in rendered.splitlines() if "${" in line and not line.lstrip().startswith("#")
    ]
    assert leftovers == [], f"variables missing from .env.example: {leftovers}"
    config = target / "prometheus.yml"
    config.write_text(rendered, encoding="utf-8")
    shutil.copy(repo / PROMETHEUS_DIR / "alerts.yml", target / "alerts.yml")
    return config


def test_local_scrape_config_is_valid(
    promtool: str, repo: Path, env_example: dict[str, str], tmp_path: Path
) -> None:
    config = render_local_config(repo, env_example, tmp_path)
    output = run_promtool(promtool, "check", "config", config, cwd=tmp_path)
    assert "SUCCESS: 1 rule files found" in output


def test_local_scrape_config_covers_every_process(
    repo: Path, env_example: dict[str, str], tmp_path: Path, service_names: list[str]
) -> None:
    config = yaml.safe_load(
        render_local_config(repo, env_example, tmp_path).read_text(encoding="utf-8")
    )
    scraped = {
        (group["labels"]["service"], group["labels"]["process"]): group["targets"]
        for job in config["scrape_configs"]
        for group in job["static_configs"]
        if "service" in group.get("labels", {})
    }
    expected = {}
    for name in service_names:
        upper = name.upper()
        expected[(name, "api")] = [f"127.0.0.1:{env_example[f'{upper}_PORT']}"]
        expected[(name, "worker")] = [f"127.0.0.1:{env_example[f'{upper}_WORKER_METRICS_PORT']}"]
    assert scraped == expected


def compose_prometheus_config(repo: Path, target: Path) -> Path:
    """The scrape config docker-compose.yml hands its Prometheus, written beside alerts.yml."""
    compose = yaml.safe_load((repo / "docker-compose.yml").read_text(encoding="utf-8"))
    content = compose["configs"]["prometheus-config"]["content"]
    # Compose interpolates ${VAR} and unescapes $$ in inline content; the config uses neither,
    # so what is checked here is exactly what the container gets.
    assert "$" not in content
    config = target / "prometheus.yml"
    config.write_text(content, encoding="utf-8")
    shutil.copy(repo / PROMETHEUS_DIR / "alerts.yml", target / "alerts.yml")
    return config


def test_compose_scrape_config_is_valid(promtool: str, repo: Path, tmp_path: Path) -> None:
    config = compose_prometheus_config(repo, tmp_path)
    output = run_promtool(promtool, "check", "config", config, cwd=tmp_path)
    assert "SUCCESS: 1 rule files found" in output
