"""The C allocator of a long-running process: glibc's malloc kept from holding freed memory.

A worker's heap is mostly Python objects in pymalloc's arenas, which are returned to the system
when empty. Everything larger than 512 bytes goes to glibc's malloc: Kafka fetch buffers,
message values, decoded JSON strings, BSON documents on their way to the store. glibc keeps
what such a process frees, in three ways that add up to a resident size that steps up after a
burst and never comes back down (measured in ADR 17: +19% after one large chunk in a 35-minute
run, then flat at the new level):

- a *dynamic mmap threshold*: a block above 128 KiB is mmapped and unmapped when freed, but
  freeing one raises the threshold to its size (up to 32 MiB), so the next megabyte-sized fetch
  buffers are carved from the heap instead and fragment it;
- *one arena per thread* up to 8 per core: the fold and insert threads' arenas each keep their
  own free space;
- free pages in the middle of an arena are never given back; only its top is trimmed.

`tune()` fixes the first two with `mallopt` (the same as the `MALLOC_MMAP_THRESHOLD_` and
`MALLOC_ARENA_MAX` environment variables, but set by the process itself, so no deployment can
forget them) and answers the third with a thread calling `malloc_trim(0)` every few seconds,
which releases every free page of every arena. Elsewhere than glibc (musl, macOS) it does
nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from dataclasses import dataclass

log = logging.getLogger(__name__)

# mallopt(3) parameters (glibc's malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8


@dataclass(frozen=True)
class AllocatorTuning:
    """How glibc's malloc is told to behave. The defaults are glibc's own starting values,
    held fixed: a threshold that no longer moves is what keeps large buffers out of the heap."""

    mmap_threshold: int = 128 * 1024
    trim_threshold: int = 128 * 1024
    # Two arenas: the GIL already serialises most allocation, and every extra arena is free
    # space that only its own thread reuses.
    arena_max: int = 2
    # 0 turns the trimming thread off. A trim walks the heap's free lists (about a millisecond
    # for a 200 MiB worker) under the arena's lock.
    trim_every_s: float = 5.0


class Glibc:
    """The few allocator calls of the C library, when it is glibc."""

    def __init__(self, library: ctypes.CDLL) -> None:
        self._mallopt = library.mallopt
        self._mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
        self._mallopt.restype = ctypes.c_int
        self._malloc_trim = library.malloc_trim
        self._malloc_trim.argtypes = (ctypes.c_size_t,)
        self._malloc_trim.restype = ctypes.c_int

    @classmethod
    def load(cls) -> Glibc | None:
        name = ctypes.util.find_library("c")
        if name is None:
            return None
        try:
            library = ctypes.CDLL(name)
            # musl and macOS have no malloc_trim: the attribute lookup fails there.
            return cls(library)
        except (OSError, AttributeError):
            return None

    def mallopt(self, parameter: int, value: int) -> bool:
        return bool(self._mallopt(parameter, value))

    def trim(self) -> bool:
        """Give every free page back to the system; True when some memory was released."""
        return bool(self._malloc_trim(0))


class Trimmer:
    """A daemon thread trimming the heap every ``every_s`` seconds until stopped."""

    def __init__(self, libc: Glibc, every_s: float) -> None:
        self._libc = libc
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="malloc-trim", daemon=True)

    def start(self) -> Trimmer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._every_s + 1)

    def _run(self) -> None:
        while not self._stop.wait(self._every_s):
            self._libc.trim()


def tune(tuning: AllocatorTuning | None = None, libc: Glibc | None = None) -> Trimmer | None:
    """Apply ``tuning`` to this process's allocator; the trimming thread, started, if any.
    Call once, early (before the threads whose arenas it bounds)."""
    tuning = tuning or AllocatorTuning()
    libc = libc or Glibc.load()
    if libc is None:
        log.info("not glibc: the C allocator is left as it is")
        return None
    applied = all(
        (
            libc.mallopt(M_MMAP_THRESHOLD, tuning.mmap_threshold),
            libc.mallopt(M_TRIM_THRESHOLD, tuning.trim_threshold),
            libc.mallopt(M_ARENA_MAX, tuning.arena_max),
        )
    )
    if not applied:
        log.warning("glibc refused an allocator setting: %s", tuning)
    if tuning.trim_every_s <= 0:
        return None
    return Trimmer(libc, tuning.trim_every_s).start()
