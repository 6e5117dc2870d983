"""Gunicorn settings and hooks: refuse to start without the metrics directory."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import multiprocess

from shared.metrics import gunicorn as conf


def test_missing_directory_setting_refuses_to_start() -> None:
    with pytest.raises(conf.MultiprocessDirMissingError, match="PROMETHEUS_MULTIPROC_DIR"):
        conf.build_config(environ={})


def test_nonexistent_directory_refuses_to_start(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(conf.MultiprocessDirMissingError, match="not a writable directory"):
        conf.build_config(environ={"PROMETHEUS_MULTIPROC_DIR": str(missing)})


def test_settings_come_from_the_environment(tmp_path: Path) -> None:
    settings = conf.build_config(
        environ={
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
            "GRIDGOV_HTTP_BIND": "127.0.0.1:8111",
            "GRIDGOV_HTTP_WORKERS": "3",
            "GRIDGOV_HTTP_THREADS": "8",
        }
    )
    assert settings["bind"] == "127.0.0.1:8111"
    assert settings["workers"] == 3
    assert settings["threads"] == 8
    assert settings["worker_class"] == "gthread"


@pytest.mark.parametrize("workers", ["zero", "0", "-2"])
def test_invalid_worker_count_is_rejected(tmp_path: Path, workers: str) -> None:
    with pytest.raises(ValueError, match="GRIDGOV_HTTP_WORKERS"):
        conf.build_config(
            environ={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "GRIDGOV_HTTP_WORKERS": workers}
        )


def test_on_starting_wipes_only_metric_files(tmp_path: Path) -> None:
    (tmp_path / "counter_123.db").write_bytes(b"x")
    (tmp_path / "gauge_livesum_9.db").write_bytes(b"x")
    (tmp_path / "keep.txt").write_text("not ours")
    settings = conf.build_config(environ={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)})
    settings["on_starting"](SimpleNamespace())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_child_exit_marks_the_worker_dead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marked: list[tuple[int, str]] = []
    monkeypatch.setattr(
        multiprocess, "mark_process_dead", lambda pid, path: marked.append((pid, path))
    )
    settings = conf.build_config(environ={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)})
    settings["child_exit"](SimpleNamespace(), SimpleNamespace(pid=4242))
    assert marked == [(4242, str(tmp_path))]


def test_child_exit_removes_the_dead_workers_live_gauge_file(tmp_path: Path) -> None:
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"x")
    (tmp_path / "gauge_livesum_7.db").write_bytes(b"x")
    settings = conf.build_config(environ={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)})
    settings["child_exit"](SimpleNamespace(), SimpleNamespace(pid=4242))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gauge_livesum_7.db"]


def test_post_fork_tunes_the_allocator_then_runs_the_callback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    monkeypatch.setattr(conf.allocator, "tune", lambda: calls.append("tuned"))
    settings = conf.build_config(
        post_fork=lambda: calls.append(os.getpid()),
        environ={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)},
    )
    settings["post_fork"](SimpleNamespace(), SimpleNamespace(pid=1))
    assert calls == ["tuned", os.getpid()]


def connect_after_fork() -> None:
    """Referenced by name from the environment in the test below."""


def test_post_fork_callback_can_be_named_in_the_environment() -> None:
    target: Any = conf.post_fork_from_env(
        {"GRIDGOV_GUNICORN_POST_FORK": f"{__name__}:connect_after_fork"}
    )
    assert target is connect_after_fork
    assert conf.post_fork_from_env({}) is None
    with pytest.raises(ValueError, match="module:function"):
        conf.post_fork_from_env({"GRIDGOV_GUNICORN_POST_FORK": "no_colon"})
