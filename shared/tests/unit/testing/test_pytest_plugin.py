"""The socket policy, run in a child pytest so the real plugin wiring is what is tested."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[4]

INNER_TESTS = textwrap.dedent(
    """
    import socket

    import pytest
    from pytest_socket import SocketBlockedError, SocketConnectBlockedError

    CLOSED_PORT = 9  # discard: nothing listens there on loopback in CI


    @pytest.fixture
    def inet_socket_from_fixture():
        return socket.socket(socket.AF_INET, socket.SOCK_STREAM)


    def test_unit_cannot_create_inet_socket():
        with pytest.raises(SocketBlockedError):
            socket.socket(socket.AF_INET, socket.SOCK_STREAM)


    def test_unit_cannot_resolve_names():
        with pytest.raises(SocketBlockedError):
            socket.getaddrinfo("example.org", 80)


    def test_unit_may_use_unix_sockets():
        left, right = socket.socketpair(socket.AF_UNIX)
        left.close()
        right.close()


    def test_unit_fixture_is_blocked_too(inet_socket_from_fixture):
        raise AssertionError("the fixture should have failed")


    @pytest.mark.enable_socket
    def test_unit_cannot_opt_out():
        raise AssertionError("the policy should have failed this test in setup")


    @pytest.mark.integration
    def test_integration_reaches_loopback():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            with pytest.raises(OSError) as info:
                sock.connect(("127.0.0.1", CLOSED_PORT))
            assert not isinstance(info.value, SocketConnectBlockedError)


    @pytest.mark.e2e
    def test_e2e_cannot_leave_loopback():
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with pytest.raises(SocketConnectBlockedError):
            sock.connect(("192.0.2.10", 80))
    """
)

INNER_INI = textwrap.dedent(
    """
    [pytest]
    addopts = -p shared.testing.pytest_plugin -p no:cacheprovider
    markers =
        integration: loopback servers
        e2e: running services
    """
)


def run_inner(tmp_path: Path, *args: str, env_extra: dict[str, str] | None = None) -> str:
    (tmp_path / "test_inner.py").write_text(INNER_TESTS)
    (tmp_path / "pytest.ini").write_text(INNER_INI)
    env = {key: value for key, value in os.environ.items() if key != "GRIDGOV_UNIT_ONLY"}
    env.update({"PYTHONPATH": str(REPO_ROOT), **(env_extra or {})})
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(tmp_path / "pytest.ini"),
            "--rootdir",
            str(tmp_path),
            "-rA",
            "-W",
            "ignore",
            *args,
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    return result.stdout + result.stderr


def outcome(output: str, test_name: str) -> str:
    """The short-summary word (PASSED, FAILED, ERROR) pytest printed for ``test_name``."""
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].endswith(f"::{test_name}"):
            return parts[0]
    raise AssertionError(f"{test_name} not in the summary:\n{output}")


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> str:
    return run_inner(tmp_path_factory.mktemp("inner"))


@pytest.mark.parametrize(
    ("test_name", "expected"),
    [
        ("test_unit_cannot_create_inet_socket", "PASSED"),
        ("test_unit_cannot_resolve_names", "PASSED"),
        ("test_unit_may_use_unix_sockets", "PASSED"),
        ("test_unit_fixture_is_blocked_too", "ERROR"),
        ("test_unit_cannot_opt_out", "ERROR"),
        ("test_integration_reaches_loopback", "PASSED"),
        ("test_e2e_cannot_leave_loopback", "PASSED"),
    ],
)
def test_socket_policy_per_marker(full_run: str, test_name: str, expected: str) -> None:
    assert outcome(full_run, test_name) == expected, full_run


def test_unit_fixture_error_is_the_socket_block(full_run: str) -> None:
    assert "SocketBlockedError" in full_run


def test_unit_only_option_deselects_marked_tests(tmp_path: Path) -> None:
    output = run_inner(tmp_path, "--unit-only")
    assert "2 deselected" in output, output
    assert "test_integration_reaches_loopback" not in output


def test_unit_only_env_deselects_marked_tests(tmp_path: Path) -> None:
    output = run_inner(tmp_path, env_extra={"GRIDGOV_UNIT_ONLY": "1"})
    assert "2 deselected" in output, output


def test_marker_expression_selects_unit_tests(tmp_path: Path) -> None:
    output = run_inner(tmp_path, "-m", "not integration and not e2e")
    assert "2 deselected" in output, output
