"""The gateway's configuration (deploy/gateway/): rendered as the local stack renders it, accepted
by nginx, routing the same services in compose and the chart, and answering its own failures
with problem+json.

nginx is Debian's package, which the local stack installs (`make up`); without it the tests
that run the binary are skipped. The tests marked integration start a private nginx of their
own on a free loopback port (services pointed at closed ports), never the stack's gateway.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from shared.testing.ports import free_ports

TEMPLATE = Path("deploy") / "gateway" / "gateway.conf.template"
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

# gateway_render as `stack.sh up gateway` runs it, into a folder of the test's own.
RENDER = """
set -eo pipefail
ROOT="$1"
source "$ROOT/deploy/local/lib.sh"
source "$ROOT/deploy/local/components/services.sh"
source "$ROOT/deploy/local/components/gateway.sh"
load_env
INFRA="$2"
mkdir -p "$INFRA/logs"
gateway_render "$INFRA/gateway"
"""


def upstream_variable(service: str) -> str:
    return f"GATEWAY_{service.upper()}_UPSTREAM"


def render(repo: Path, infra: Path, **environ: str) -> Path:
    """The rendered folder (nginx.conf, gateway.conf); ``environ`` overrides .env.example."""
    subprocess.run(
        ["bash", "-c", RENDER, "bash", str(repo), str(infra)],
        env={**os.environ, **environ},
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return infra / "gateway"


def nginx_command(folder: Path) -> list[str]:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not nginx:
        pytest.skip("nginx is missing: apt-get install nginx (make up installs it)")
    return [nginx, "-e", "stderr", "-p", f"{folder}/", "-c", str(folder / "nginx.conf")]


@pytest.fixture(scope="module")
def compose(repo: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (repo / "docker-compose.yml").read_text(encoding="utf-8")
    )
    return loaded


def test_the_template_fills_in_gateway_variables_only(repo: Path, service_names: list[str]) -> None:
    names = set(PLACEHOLDER.findall((repo / TEMPLATE).read_text(encoding="utf-8")))
    expected = {"GATEWAY_LISTEN", "GATEWAY_ACCESS_LOG", "GATEWAY_CONSOLE_ROOT"}
    expected |= {"GATEWAY_KEYCLOAK_ORIGIN"} | {upstream_variable(s) for s in service_names}
    assert names == expected


def test_the_local_rendering_routes_every_service_and_keeps_nginx_variables(
    repo: Path, tmp_path: Path, env_example: dict[str, str], service_names: list[str]
) -> None:
    conf = (render(repo, tmp_path) / "gateway.conf").read_text(encoding="utf-8")
    assert "${" not in conf
    for service in service_names:
        port = env_example[f"{service.upper()}_PORT"]
        assert re.search(rf"^\s*{service}\s+127\.0\.0\.1:{port};$", conf, re.MULTILINE), service
    assert f"listen 127.0.0.1:{env_example['GATEWAY_PORT']};" in conf
    for variable in ("$gridgov_upstream", "$request_id", "$proxy_add_x_forwarded_for", "$1"):
        assert variable in conf, f"envsubst ate nginx's {variable}"


def test_nginx_accepts_the_rendered_configuration(repo: Path, tmp_path: Path) -> None:
    folder = render(repo, tmp_path)
    checked = subprocess.run(
        [*nginx_command(folder), "-t"], capture_output=True, text=True, timeout=30, check=False
    )
    assert checked.returncode == 0, checked.stderr


def test_nothing_answers_cors(repo: Path) -> None:
    for path in (TEMPLATE, Path("charts/gridgov/templates/ingress.yaml")):
        text = (repo / path).read_text(encoding="utf-8")
        assert not re.search(r"add_header\s+Access-Control", text), path
        assert "enable-cors" not in text, path


def test_compose_renders_the_same_template_for_its_containers(
    compose: dict[str, Any], repo: Path, env_example: dict[str, str], service_names: list[str]
) -> None:
    gateway = compose["services"]["gateway"]
    image, _, tag = gateway["image"].partition(":")
    assert image == "nginx"
    assert tag not in ("", "latest")
    mounts = {volume.split(":")[0]: volume.split(":")[1] for volume in gateway["volumes"]}
    target = mounts[f"./{TEMPLATE}"]
    assert re.fullmatch(r"/etc/nginx/templates/[\w.-]+\.conf\.template", target)
    env = gateway["environment"]
    assert env["NGINX_ENVSUBST_FILTER"] == "^GATEWAY_"
    names = set(PLACEHOLDER.findall((repo / TEMPLATE).read_text(encoding="utf-8")))
    assert names <= set(env)
    for service in service_names:
        port = env_example[f"{service.upper()}_PORT"]
        host = service.replace("_", "-") + "-api"
        assert host in compose["services"]
        assert env[upstream_variable(service)] == f"{host}:{port}"


def test_the_chart_ingress_is_off_by_default_and_names_no_console(repo: Path) -> None:
    values = yaml.safe_load((repo / "charts/gridgov/values.yaml").read_text(encoding="utf-8"))
    assert values["ingress"]["enabled"] is False
    assert values["console"]["enabled"] is False


def helm_template(repo: Path, *sets: str) -> list[dict[str, Any]]:
    """The chart rendered by real helm: `make test` passes the one `deploy/local/tools.sh`
    builds (GRIDGOV_HELM); elsewhere one on PATH. Skipped without one, except in CI."""
    helm = os.environ.get("GRIDGOV_HELM") or shutil.which("helm")
    if not helm:
        if os.environ.get("CI"):
            pytest.fail("no helm in CI: `make test` builds one (deploy/local/tools.sh helm)")
        pytest.skip("no helm: `bash deploy/local/tools.sh helm` builds one")
    args = [arg for value in sets for arg in ("--set", value)]
    rendered = subprocess.run(
        [helm, "template", "gridgov", str(repo / "charts/gridgov"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [doc for doc in yaml.safe_load_all(rendered.stdout) if doc]


def test_the_chart_ingress_strips_the_prefix_of_every_api(
    repo: Path, service_names: list[str]
) -> None:
    assert [d for d in helm_template(repo) if d["kind"] == "Ingress"] == []
    docs = helm_template(repo, "ingress.enabled=true")
    ingresses = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Ingress"}
    assert "gridgov-console" not in ingresses
    for service in service_names:
        name = f"gridgov-{service.replace('_', '-')}-api"
        annotations = ingresses[name]["metadata"]["annotations"]
        assert annotations["nginx.ingress.kubernetes.io/rewrite-target"] == "/$2"
        assert annotations["nginx.ingress.kubernetes.io/use-regex"] == "true"
        (path,) = ingresses[name]["spec"]["rules"][0]["http"]["paths"]
        assert path["path"] == f"/api/{service}(/|$)(.*)"
        assert path["backend"]["service"] == {"name": name, "port": {"name": "http"}}
    docs = helm_template(repo, "ingress.enabled=true", "console.enabled=true")
    console = next(d for d in docs if d["metadata"]["name"] == "gridgov-console")
    (path,) = console["spec"]["rules"][0]["http"]["paths"]
    assert (path["path"], path["pathType"]) == ("/", "Prefix")
    assert "nginx.ingress.kubernetes.io/rewrite-target" not in console["metadata"].get(
        "annotations", {}
    )


# --- a private nginx on the rendered configuration -------------------------------------------


@pytest.fixture
def private_gateway(
    repo: Path, tmp_path: Path, service_names: list[str]
) -> Iterator[Callable[[Path], str]]:
    """``private_gateway(console_dir)``: the base URL of an nginx on the rendered configuration,
    every service on a closed port, the console's files from ``console_dir``."""
    started: list[subprocess.Popen[bytes]] = []

    def start(console: Path) -> str:
        gateway_port, *service_ports = free_ports(1 + len(service_names))
        environ = {"GATEWAY_PORT": str(gateway_port)}
        for service, port in zip(service_names, service_ports, strict=True):
            environ[f"{service.upper()}_PORT"] = str(port)
        folder = render(repo, tmp_path, **environ)
        conf = folder / "gateway.conf"
        text = conf.read_text(encoding="utf-8")
        text, roots = re.subn(r'^(\s*root )"[^"]*";$', rf'\1"{console}";', text, flags=re.M)
        assert roots == 1
        conf.write_text(text, encoding="utf-8")
        process = subprocess.Popen(
            nginx_command(folder),
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "nginx.log").open("ab"),
            start_new_session=True,
        )
        started.append(process)
        base = f"http://127.0.0.1:{gateway_port}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                requests.get(f"{base}/healthz", timeout=1)
                return base
            except requests.ConnectionError:
                assert process.poll() is None, (tmp_path / "nginx.log").read_text()
                time.sleep(0.1)
        pytest.fail("the private nginx did not answer within 10 s")

    yield start
    for process in started:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


def assert_problem(response: requests.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:gridgov:problem:{slug}"
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert body["errors"] == []
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


@pytest.mark.integration
def test_a_service_that_is_down_answers_503_problem(
    private_gateway: Callable[[Path], str], tmp_path: Path
) -> None:
    base = private_gateway(tmp_path / "no-console")
    response = requests.get(
        f"{base}/api/grid_registry/divisions", headers={"X-Request-ID": "down-1"}, timeout=5
    )
    body = assert_problem(response, 503, "service-unavailable")
    assert "grid_registry" in body["detail"]
    assert body["request_id"] == "down-1"
    assert "Content-Security-Policy" not in response.headers


@pytest.mark.integration
def test_unknown_paths_and_a_missing_console_answer_404_problem(
    private_gateway: Callable[[Path], str], tmp_path: Path
) -> None:
    base = private_gateway(tmp_path / "no-console")
    for path in ("/api/nope/x", "/api/", "/", "/reports/2026"):
        assert_problem(requests.get(f"{base}{path}", timeout=5), 404, "not-found")
    # An insane request id is replaced, never echoed.
    response = requests.get(f"{base}/api/nope/x", headers={"X-Request-ID": "a b"}, timeout=5)
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


@pytest.mark.integration
def test_a_body_over_the_limit_answers_413_problem(
    private_gateway: Callable[[Path], str], tmp_path: Path
) -> None:
    host, port = private_gateway(tmp_path / "no-console").removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.putrequest("POST", "/api/event_intake/events/e1/photos")
    connection.putheader("Content-Length", str(17 * 1_048_576))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413
    assert response.getheader("Content-Type") == "application/problem+json"
    connection.close()


@pytest.mark.integration
def test_the_console_is_a_single_page_app_with_cached_assets(
    private_gateway: Callable[[Path], str], tmp_path: Path
) -> None:
    console = tmp_path / "dist"
    (console / "assets").mkdir(parents=True)
    (console / "index.html").write_text("<!doctype html><title>GridGov</title>", encoding="utf-8")
    (console / "assets" / "index-Bx1Yz2.js").write_text("console.log(1)", encoding="utf-8")
    base = private_gateway(console)

    for path in ("/", "/events/e-1", "/index.html"):
        page = requests.get(f"{base}{path}", timeout=5)
        assert page.status_code == 200, path
        assert page.text.startswith("<!doctype html>")
        assert page.headers["Cache-Control"] == "no-cache"
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        policy = page.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert re.search(r"connect-src 'self' http://127\.0\.0\.1:\d+;", policy)
    asset = requests.get(f"{base}/assets/index-Bx1Yz2.js", timeout=5)
    assert asset.status_code == 200
    assert asset.headers["Cache-Control"] == "max-age=315360000"
    for missing in ("/assets/gone-123.js", "/favicon.ico"):
        assert_problem(requests.get(f"{base}{missing}", timeout=5), 404, "not-found")
    assert "Access-Control-Allow-Origin" not in asset.headers


def test_the_chart_apis_trust_one_proxy_hop_unless_told_otherwise(repo: Path) -> None:
    def hops(*sets: str) -> str:
        docs = helm_template(repo, *sets)
        config = next(d for d in docs if d["kind"] == "ConfigMap" and "GRIDGOV_ENV" in d["data"])
        value: str = config["data"]["GRIDGOV_PROXY_HOPS"]
        return value

    assert hops() == "1"
    assert hops("config.proxyHops=0") == "0"
