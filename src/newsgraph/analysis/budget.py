"""The time budget of one article's analysis: no input can hold a worker for long.

Why a module of its own (no spaCy here): the CLI and the web app name the
default in their options and help without loading the model.
"""

from __future__ import annotations

import signal
import threading
import time
from contextvars import ContextVar
from types import FrameType
from typing import Any

DEFAULT_TIME_BUDGET = 60.0
"""Seconds an article of up to ``BUDGET_CHARS`` characters may take before it fails with E040.

``--time-budget`` sets it; 0 or None means no limit. Why 60 s: a news
article takes well under a second, so a minute is far beyond any real one,
and short enough that a hostile input (50,000 quotation marks) cannot hold a
worker for long.
"""
clock = time.monotonic
"""The clock budgets are kept by (the tests replace it with one they advance themselves)."""
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
    """One article's time budget: never overrun, in the main thread or any other.

    Three things keep an analysis inside it, because the alarm alone cannot:
    a ``SIGALRM`` timer interrupts Python code in a process's main thread, but
    only between two steps of spaCy's compiled code (a parser pass over a
    chunk runs to its end first), and threads (the web app analyses in a
    thread pool) get no signals at all. So:

    * ``afford(seconds)`` refuses to start a step whose cost, estimated from
      the rate of the same step on the chunks before, would not fit in what is
      left: the article fails before its budget runs out rather than after;
    * ``check()`` between steps, and ``checkpoint()`` inside the long loops of
      newsgraph's own components (this budget is the thread's current one
      while it is entered), stop an analysis as soon as the budget is spent;
    * the alarm, where there is one, covers any Python loop without a check.
    """

    MARGIN = 1.25
    """Estimates are stretched by this much: a loaded machine's pace varies from chunk to chunk."""

    def __init__(self, seconds: float | None, chars: int = 0) -> None:
        self.seconds = budget_for(seconds, chars)
        self.start = clock()
        self._previous: Any = None
        self._armed = False
        self._token: Any = None

    def elapsed(self) -> float:
        return clock() - self.start

    def check(self) -> None:
        if self.seconds is not None and self.elapsed() > self.seconds:
            raise OverBudget

    def afford(self, estimate: float) -> None:
        """Raise ``OverBudget`` now if a step estimated at ``estimate`` seconds would end past the budget."""
        if self.seconds is not None and self.elapsed() + estimate * self.MARGIN > self.seconds:
            raise OverBudget

    def __enter__(self) -> Budget:
        self.start = clock()
        self._token = _current.set(self)
        try:
            if (
                self.seconds is not None
                and hasattr(signal, "setitimer")
                and threading.current_thread() is threading.main_thread()
                and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # nobody else's alarm is running
            ):
                self._previous = signal.signal(signal.SIGALRM, _alarm)
                self._armed = True
                signal.setitimer(signal.ITIMER_REAL, self.seconds)
            return self
        except BaseException:  # anything else going wrong here: leave nothing behind
            self.__exit__()
            raise

    def __exit__(self, *exc: object) -> None:
        """Disarm the alarm, put the previous handler back, and stop being the thread's budget,
        each even if the alarm goes off in the middle: a budget left current would fail every
        later ``checkpoint`` in this thread. (The alarm's handler stays quiet inside this method
        and ``__enter__``: see ``_alarm``.)"""
        try:
            if self._armed:
                self._armed = False
                try:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                finally:
                    previous = self._previous
                    signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
        finally:
            if self._token is not None:
                _current.reset(self._token)
                self._token = None


_current: ContextVar[Budget | None] = ContextVar("newsgraph_budget", default=None)
"""The budget of the analysis this thread is running (context variables are per thread)."""


def checkpoint() -> None:
    """Raise ``OverBudget`` if the current analysis is past its budget; a no-op outside one.

    Components call it inside their long loops (per sentence, per figure, every
    thousand tokens): cheap (a context variable and a clock read), and it
    stops a long article in a web thread, where no alarm can, within a
    fraction of a second of its budget.
    """
    budget = _current.get()
    if budget is not None and budget.seconds is not None and budget.elapsed() > budget.seconds:
        raise OverBudget


def _alarm(signum: int, frame: FrameType | None) -> None:
    """Raise ``OverBudget`` where the analysis is, unless it is entering or leaving its budget.

    Python runs a signal's handler at the next step of the main thread,
    wherever that is. Why not everywhere: in ``Budget.__enter__`` or
    ``__exit__`` (their very first step included, before any ``try``), or in
    what they call (``signal.signal`` is Python code), it would leave the
    budget current or this handler installed, and every later
    ``checkpoint`` of the thread would fail (CI saw it; a loop of 20,000
    tiny budgets saw it about 100 times). The analysis loses nothing by the
    quiet: it is past its budget, and its next ``check`` or ``checkpoint``
    (which read the clock) stops it.
    """
    for _ in range(4):  # those methods' own frames, and the frames of what they call
        if frame is None:
            break
        if frame.f_code in _QUIET:
            return
        frame = frame.f_back
    raise OverBudget


_QUIET = frozenset({Budget.__enter__.__code__, Budget.__exit__.__code__})
"""The code the alarm never interrupts (see ``_alarm``)."""
