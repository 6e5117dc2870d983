"""The command line's usage errors: exit status 2 before anything is read."""

from __future__ import annotations

import pytest

from services.identity import cli
from services.identity.tests.fakes import InMemoryIdentityProvider


@pytest.mark.parametrize("argv", [[], ["reconcile", "--tenant"], ["reconcile", "--fix"], ["x"]])
def test_a_usage_error_exits_2_without_touching_anything(argv, capsys):
    provider = InMemoryIdentityProvider()
    with pytest.raises(SystemExit) as exc:
        cli.run(argv, provider=provider)
    assert exc.value.code == 2
    assert provider.calls == []
    assert "usage: python -m services.identity.cli" in capsys.readouterr().err
