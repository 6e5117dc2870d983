"""PointRepository without a store: what `after` gives."""

from __future__ import annotations

import pytest

from services.patrol_tracking.repository.points import PointRepository


def test_after_gives_a_repository_whose_reads_wait_and_leaves_this_one_alone() -> None:
    calls: list[str] = []

    def settled() -> None:
        calls.append("settled")
        raise RuntimeError("the chunk's inserts failed")

    plain = PointRepository("town-a")
    waiting = plain.after(settled)

    plain._settle()
    assert calls == []
    with pytest.raises(RuntimeError, match="inserts failed"):
        waiting._settle()
    assert calls == ["settled"]
    assert waiting.tenant_id == "town-a"
