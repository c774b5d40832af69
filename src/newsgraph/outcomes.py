"""Every input ends as an analysis or as one coded error: crash-proof analysis of a stream.

Why a module of its own: ``newsgraph analyze`` and ``newsgraph ingest`` both
feed a long stream of articles (with reading errors mixed in) through
``pipeline.analyze_articles``, and both must survive an unexpected exception
on one article without losing its neighbours or the order of messages. The
recovery lives here once. It imports no spaCy (the analysis function is
passed in), so the CLI can import it without slowing ``--help`` down.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from newsgraph.errors import Errors, NewsgraphError
from newsgraph.io.reading import ReadArticle
from newsgraph.models import Analysis

Outcome = tuple[ReadArticle, Analysis | NewsgraphError] | NewsgraphError
"""What ``analyzed`` yields: ``(read, analysis)``, ``(read, E999 error)``, or a reading error."""

AnalyzeArticles = Callable[..., Iterator[Analysis]]


def one_line(message: str) -> str:
    """A message with its whitespace (newlines included) collapsed: one error, one line."""
    return " ".join(str(message).split())


def internal_error(path: str, exc: BaseException) -> NewsgraphError:
    """An unexpected exception as a coded one-line error (E999) naming the input it happened on.

    A database driver's error wrapped by SQLAlchemy (it has ``orig`` and
    ``statement``) is shown by the driver's message alone: the SQL statement
    and its parameters are no message for a user.
    """
    orig = getattr(exc, "orig", None)
    if orig is not None and hasattr(exc, "statement"):
        exc = orig
    return NewsgraphError(Errors.E999, path=path, reason=one_line(f"{type(exc).__name__}: {exc}"))


def label(read: ReadArticle) -> str:
    """How messages name an article: its file, plus the record name for one of several in a file."""
    if read.path is None:
        return read.name
    if Path(read.path).stem == read.name:
        return read.path
    return f"{read.path}: {read.name}"


def analyzed(
    items: Iterable[ReadArticle | NewsgraphError],
    analyze_articles: AnalyzeArticles,
    n_process: int = 1,
    batch_size: int = 8,
) -> Iterator[Outcome]:
    """Stream ``(read, analysis)`` pairs and reading errors, in input order, surviving crashes.

    ``analyze_articles`` works in batches of ``batch_size``, so an unexpected
    exception on one article ends the whole stream. We keep the articles
    handed over but not yet returned in ``pending``; after a crash the first
    batch of them is analysed one by one (the culprit becomes an E999 error,
    its neighbours still get their analysis) and the stream restarts with the
    rest. Reading errors wait in the same queue so that messages keep input
    order. ``pending`` holds only what ``analyze_articles`` has read ahead,
    so memory stays bounded when it reads ahead a bounded amount. An
    exception raised by ``items`` itself is no article's fault: it propagates
    (a generator that raised cannot be resumed, so going on would silently
    drop the rest of the input).
    """
    pending: deque[ReadArticle | NewsgraphError] = deque()
    input_failed = False

    def feed(source: Iterator[ReadArticle | NewsgraphError]) -> Iterator[ReadArticle]:
        nonlocal input_failed
        while True:
            try:
                item = next(source)
            except StopIteration:
                return
            except Exception:
                input_failed = True  # not the analysis: no article to blame, nothing to resume
                raise
            pending.append(item)
            if isinstance(item, ReadArticle):
                yield item

    def leading_errors() -> Iterator[NewsgraphError]:
        while pending and isinstance(pending[0], NewsgraphError):
            yield pending.popleft()  # type: ignore[misc]

    source: Iterator[ReadArticle | NewsgraphError] = iter(items)
    while True:
        try:
            for analysis in analyze_articles(feed(source), n_process=n_process, batch_size=batch_size):
                yield from leading_errors()
                read = pending.popleft()  # leading_errors() left a ReadArticle in front
                yield read, analysis  # type: ignore[misc]
        except Exception:
            stuck = list(pending)
            pending.clear()
            if input_failed or not any(isinstance(item, ReadArticle) for item in stuck):
                raise  # not about any article (the input failed, or the model failed to load)
            suspects: list[ReadArticle | NewsgraphError] = []
            while stuck and sum(isinstance(i, ReadArticle) for i in suspects) < batch_size:
                suspects.append(stuck.pop(0))
            for item in suspects:
                if isinstance(item, NewsgraphError):
                    yield item
                    continue
                try:
                    yield item, next(iter(analyze_articles([item], n_process=1)))
                except Exception as single:
                    yield item, internal_error(label(item), single)
            source = _chain(stuck, source)
            continue
        yield from leading_errors()
        return


def _chain(
    first: list[ReadArticle | NewsgraphError], rest: Iterator[ReadArticle | NewsgraphError]
) -> Iterator[ReadArticle | NewsgraphError]:
    yield from first
    yield from rest
