"""The command line's usage errors (exit 2 before anything is read or connected) and its
report (exit 1 while a subject had to be left)."""

from __future__ import annotations

import io

import pytest

from services.grid_registry import bootstrap, cli
from services.grid_registry.use_cases.subjects import Reencryption


@pytest.mark.parametrize("argv", [[], ["reencrypt", "--tenant"], ["reencrypt", "--all"], ["x"]])
def test_a_usage_error_exits_2_without_connecting(argv, capsys, monkeypatch):
    def connect(*_args):
        raise AssertionError("connected before the arguments were checked")

    monkeypatch.setattr(bootstrap, "command_line", connect)
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    assert "usage: python -m services.grid_registry.cli" in capsys.readouterr().err


def test_a_subject_left_for_a_duplicate_number_is_named_and_exits_1(monkeypatch):
    done = [Reencryption("t-a", 2, ("s-7",)), Reencryption("t-b", 0, ())]
    monkeypatch.setattr(cli, "reencrypt_tenants", lambda ids: done if list(ids) else [])
    out = io.StringIO()

    status = cli.run(["reencrypt"], tenants=lambda: ["t-a", "t-b"], out=out)

    assert status == 1
    assert out.getvalue() == (
        "t-a: 2 rewritten, left (ID number held by another subject): s-7\n"
        "t-b: 0 rewritten\n"
        "2 tenant(s) checked\n"
    )
