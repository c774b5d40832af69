"""The time budget of one article's analysis: no input can hold a worker for long.

Why a module of its own (no spaCy here): the CLI and the web app name the
default in their options and help without loading the model.
"""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

DEFAULT_TIME_BUDGET = 60.0
"""Seconds an article of up to ``BUDGET_CHARS`` characters may take before it fails with E040.

``--time-budget`` sets it; 0 or None means no limit. Why 60 s: a news
article takes well under a second, so a minute is far beyond any real one,
and short enough that a hostile input (50,000 quotation marks) cannot hold a
worker for long.
"""
BUDGET_CHARS = 200_000
"""Longer articles get proportionally more time: a 2,000,000-character one (the limit) gets 10x."""


def budget_for(seconds: float | None, chars: int) -> float | None:
    """The budget of an article of ``chars`` characters: ``seconds``, scaled up past ``BUDGET_CHARS``."""
    if not seconds or seconds <= 0:
        return None
    return seconds * max(1.0, chars / BUDGET_CHARS)


class OverBudget(Exception):
    """Raised inside an analysis that ran past its time budget (the analysis catches it)."""


class Budget:
    """One article's time budget: checked between chunks and components, and enforced by an alarm.

    Why both: the checks work in any thread (the web app analyses in a
    thread pool) but only between steps; where the analysis runs in a
    process's main thread (the CLI, ingest, the worker processes) a
    ``SIGALRM`` timer also interrupts a component in the middle of its work.
    Each step is bounded (a chunk holds at most ``CHUNK_TOKENS`` tokens), so
    either way an article stops soon after its budget is spent.
    """

    def __init__(self, seconds: float | None, chars: int = 0) -> None:
        self.seconds = budget_for(seconds, chars)
        self.start = time.monotonic()
        self._previous: Any = None
        self._armed = False

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def check(self) -> None:
        if self.seconds is not None and self.elapsed() > self.seconds:
            raise OverBudget

    def __enter__(self) -> Budget:
        self.start = time.monotonic()
        if (
            self.seconds is not None
            and hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
            and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # nobody else's alarm is running
        ):
            self._previous = signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self._armed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            previous = self._previous
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
            self._armed = False


def _alarm(signum: int, frame: object) -> None:
    raise OverBudget
