"""`shared.allocator`: the settings reach mallopt, the trimming thread trims, and on glibc a
trim gives back the free pages a fragmented heap keeps."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest

from shared import allocator
from shared.allocator import AllocatorTuning, Glibc


class RecordingLibc:
    def __init__(self, accept: bool = True) -> None:
        self.options: list[tuple[int, int]] = []
        self.trimmed = threading.Event()
        self._accept = accept

    def mallopt(self, parameter: int, value: int) -> bool:
        self.options.append((parameter, value))
        return self._accept

    def trim(self) -> bool:
        self.trimmed.set()
        return True


def test_tune_fixes_the_thresholds_and_bounds_the_arenas() -> None:
    libc = RecordingLibc()
    tuning = AllocatorTuning(mmap_threshold=65536, trim_threshold=131072, arena_max=3)

    trimmer = allocator.tune(tuning, libc=libc)  # type: ignore[arg-type]
    try:
        assert libc.options == [
            (allocator.M_MMAP_THRESHOLD, 65536),
            (allocator.M_TRIM_THRESHOLD, 131072),
            (allocator.M_ARENA_MAX, 3),
        ]
        assert trimmer is not None
    finally:
        assert trimmer is not None
        trimmer.stop()


def test_the_trimming_thread_trims_until_stopped() -> None:
    libc = RecordingLibc()

    trimmer = allocator.tune(AllocatorTuning(trim_every_s=0.01), libc=libc)  # type: ignore[arg-type]
    assert trimmer is not None
    assert libc.trimmed.wait(timeout=5)
    trimmer.stop()

    assert not any(t.name == "malloc-trim" and t.is_alive() for t in threading.enumerate())


def test_no_thread_when_trimming_is_off() -> None:
    libc = RecordingLibc()

    assert allocator.tune(AllocatorTuning(trim_every_s=0), libc=libc) is None  # type: ignore[arg-type]
    assert len(libc.options) == 3


def test_a_refused_setting_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    libc = RecordingLibc(accept=False)

    allocator.tune(AllocatorTuning(trim_every_s=0), libc=libc)  # type: ignore[arg-type]

    assert "refused" in caplog.text


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(Glibc.load() is None, reason="glibc only")
def test_a_trim_gives_back_the_holes_of_a_fragmented_heap() -> None:
    libc = Glibc.load()
    assert libc is not None
    # 2 KiB blocks come from malloc (pymalloc serves up to 512 bytes); keeping every 64th
    # leaves the heap's top in use, so freeing alone returns nothing.
    blocks = [bytes(2048) for _ in range(60_000)]
    kept = blocks[::64]
    del blocks
    gc.collect()
    before = _rss_kib()

    libc.trim()

    assert before - _rss_kib() > 50_000, "a trim released under 50 MiB of 120 MiB freed"
    assert len(kept) == 938
