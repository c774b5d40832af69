"""Quiet shutdown: Ctrl-C, SIGTERM and a killed parent end a run without tracebacks.

Why a module of its own: ``analyze -p N`` and ``ingest -p N`` run a pool of
worker processes. Left to the defaults, Ctrl-C reaches every process of the
terminal's group, so each worker prints its own ``KeyboardInterrupt``
traceback; SIGTERM kills the parent at once, and the orphaned workers then
print ``BrokenPipeError`` tracebacks into the terminal when they try to hand
back their results. Here

* the parent turns SIGINT and SIGTERM into one exception (``Interrupted``, a
  ``KeyboardInterrupt``), so the pool is shut down by the ``with`` blocks it
  unwinds and the CLI prints one line saying what was done and how to go on;
* each worker ignores SIGINT (the parent decides), takes SIGTERM with its
  default action (die silently: that is how the pool stops it), and asks the
  kernel to send it SIGTERM when its parent dies (``PR_SET_PDEATHSIG`` on
  Linux), so a ``kill -9`` of the parent leaves no worker behind to print.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal the kernel sends this process when its parent thread dies."""


class Interrupted(KeyboardInterrupt):
    """Raised in the parent by SIGINT or SIGTERM; ``signal_name`` says which."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


def signal_name(exc: BaseException) -> str:
    """``SIGTERM`` for an ``Interrupted`` by SIGTERM, else ``SIGINT`` (a plain Ctrl-C)."""
    return exc.signal_name if isinstance(exc, Interrupted) else "SIGINT"


def exit_status(exc: BaseException) -> int:
    """The shell's convention for a run ended by a signal: 128 + its number."""
    return 128 + (signal.SIGTERM if signal_name(exc) == "SIGTERM" else signal.SIGINT)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM raise ``Interrupted`` in the main thread while the block runs.

    The first signal also makes both ignored, so a second Ctrl-C pressed while
    the pool shuts down cannot interrupt the shutdown itself (and print a
    traceback from inside it). The previous handlers come back afterwards.
    """
    if not _main_thread():
        yield
        return

    def stop(signum: int, _frame: Any) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Interrupted(signal.Signals(signum).name)

    with _handled_by(stop):
        yield


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends, then act as they would have.

    Why: ``ingest`` commits a batch and then counts it; an interrupt between
    the two would make the closing line report fewer articles than were
    stored. Blocking the signals with ``pthread_sigmask`` is not enough: the
    mask is per thread, and the kernel hands a signal sent to the process
    to any thread that does not block it (the worker pool's threads), whose
    C handler then makes the main thread run the Python handler anyway, in
    the middle of the block. Python handlers always run in the main thread,
    so the handlers are swapped instead: while the block runs they only
    note the signal; afterwards the previous handlers come back and the
    first noted signal is raised again. Outside the main thread (where
    handlers cannot be set and never run) this does nothing.
    """
    if not _main_thread():
        yield
        return
    noted: list[int] = []

    def note(signum: int, _frame: Any) -> None:
        noted.append(signum)

    try:
        with _handled_by(note):
            yield
    finally:  # the previous handlers are back: a noted signal acts as it would have, even on an error
        if noted:
            signal.raise_signal(noted[0])


@contextlib.contextmanager
def _handled_by(handler: Callable[[int, Any], None]) -> Iterator[None]:
    """SIGINT and SIGTERM go to ``handler`` while the block runs (main thread only); the previous
    handlers come back afterwards. A signal ignored before (a job started with SIGINT ignored)
    stays ignored."""
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s, before in previous.items():
        if before is not signal.SIG_IGN:
            signal.signal(s, handler)
    try:
        yield
    finally:
        for s, before in previous.items():
            signal.signal(s, before if before is not None else signal.SIG_DFL)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def start_worker(parent: int, then: Callable[..., Any], *args: Any) -> None:
    """Pool initializer: quiet signals, die with the parent, then ``then(*args)`` (load the model).

    ``parent`` is the parent's pid when the pool was made: if it is gone by
    the time the worker starts (killed during the fork), the worker leaves at once.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the parent's pool still stops us normally
            pass
    if os.getppid() != parent:
        os._exit(0)
    then(*args)


STOP_GRACE = 5.0
"""Seconds ``worker_pool`` gives its workers to die of SIGTERM before it kills them."""


@contextlib.contextmanager
def worker_pool(
    context: Any, processes: int, parent: int, then: Callable[..., Any], *args: Any
) -> Iterator[Any]:
    """``context.Pool`` of ``processes`` workers started by ``start_worker``, always stopped on exit.

    Why not ``with context.Pool(...)`` alone: its exit sends SIGTERM to each
    worker and waits for every one. A worker forked at the moment the pool is
    stopped (the pool was ended at once, say by a crash in the first batch)
    can lose that SIGTERM: it arrives while the child still has the parent's
    Python handler and before Python clears the pending signals after the
    fork, so the worker lives on, idle, and the run never ends. Here, if a
    worker is still alive ``STOP_GRACE`` seconds into the stop, it is killed
    (it holds nothing: the results that matter have been received).
    """
    pool = context.Pool(processes, initializer=start_worker, initargs=(parent, then, *args))
    try:
        yield pool
    finally:
        watchdog = threading.Timer(STOP_GRACE, _kill_workers, (pool,))
        watchdog.daemon = True
        watchdog.start()
        try:
            pool.terminate()
        finally:
            watchdog.cancel()


def _kill_workers(pool: Any) -> None:
    for process in list(getattr(pool, "_pool", ())):  # the pool's own list: no public accessor
        if process.exitcode is None:
            with contextlib.suppress(OSError, ValueError):
                process.kill()
