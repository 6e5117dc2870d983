"""`run_worker`: the body of every service's `worker.py` (outbox relay + consumer runner)."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from shared.kafka.consumer import ConsumerRunner, DlqLimitExceeded
from shared.kafka.outbox import OutboxRelay
from shared.scheduler import Scheduler

log = logging.getLogger(__name__)


def run_worker(
    *,
    relay: OutboxRelay | None,
    runner: ConsumerRunner | None,
    scheduler: Scheduler | None = None,
    join_timeout_s: float = 30.0,
) -> None:
    """Run the relay on a thread and the consumer runner on the calling (main) thread.

    SIGTERM/SIGINT stop both gracefully: the runner finishes its current message, commits and
    closes; the relay finishes its pass and closes its producer.

    A runner stopped by its DLQ limit (`DlqLimitExceeded`) leaves the process up, consuming
    nothing, until SIGTERM: the relay keeps publishing, the metrics endpoint keeps answering with
    `gridgov_consumer_stopped` = 1 (the ConsumerStopped alert, `make status`), and a supervisor
    that restarts exited processes cannot feed the rest of a poison burst to the DLQ a few
    messages per restart. An operator restarts the worker once the backlog is dealt with
    (docs/operations.md). A relay crashing on a non-transient error stops the runner too and the
    exception propagates, so the process exits non-zero. Must be called from the main thread
    (signal handlers).
    """
    if relay is None and runner is None and scheduler is None:
        raise ValueError("nothing to run: pass a relay, a runner, a scheduler or several")
    stopping = threading.Event()
    relay_error: list[BaseException] = []

    def stop_all(signum: int | None = None, _frame: FrameType | None = None) -> None:
        if signum is not None:
            log.info("signal %s received: stopping the worker", signum)
        stopping.set()
        if runner is not None:
            runner.stop()
        if relay is not None:
            relay.stop()
        if scheduler is not None:
            scheduler.stop()

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)

    scheduler_thread = _start_scheduler(scheduler)

    relay_thread: threading.Thread | None = None
    if relay is not None:

        def relay_main() -> None:
            try:
                relay.run()
            except BaseException as exc:
                relay_error.append(exc)
                log.exception("outbox relay crashed")
            finally:
                stop_all()

        relay_thread = threading.Thread(target=relay_main, name="outbox-relay", daemon=True)
        relay_thread.start()
    try:
        if runner is not None:
            try:
                runner.run()
            except DlqLimitExceeded as exc:
                log.error(
                    "consumer stopped at its DLQ limit (%s); the worker stays up without "
                    "consuming until it is restarted: see ConsumerStopped in docs/operations.md",
                    exc,
                )
                stopping.wait()
        else:
            stopping.wait()
    finally:
        stop_all()
        if relay_thread is not None:
            relay_thread.join(timeout=join_timeout_s)
        if scheduler_thread is not None:
            scheduler_thread.join(timeout=join_timeout_s)
    if relay_error:
        raise relay_error[0]


def _start_scheduler(scheduler: Scheduler | None) -> threading.Thread | None:
    """Periodic jobs (overdue scans) on a thread of their own: a failing run is logged by the
    scheduler and never stops the worker."""
    if scheduler is None:
        return None
    thread = threading.Thread(target=scheduler.run, name="scheduler", daemon=True)
    thread.start()
    return thread
