"""Ingest: read sources, analyse what is new, store it batch by batch.

Why this shape: an archive can hold millions of articles and an ingest run
can be killed at any moment, so

* everything streams: sources are read lazily, the analysis keeps a bounded
  window of articles in flight (``pipeline.analyze_articles``), and at most
  one batch of finished analyses waits for the database;
* each batch is written by ``Store.add`` in one transaction, so a killed run
  loses only what was not committed yet (the batch being written and the
  analyses in flight) and never leaves half an article;
* inputs already in the store (same URL or same content hash) are dropped
  *before* analysis, which is the expensive part: running ingest again after a
  kill only analyses what is missing;
* one bad input (unreadable file, page that is no article, timed-out feed,
  an article that crashes the analysis or cannot be stored) is counted as
  failed and reported through ``on_error``; the run goes on.

    >>> from newsgraph.store.ingest import ingest
    >>> summary = ingest(["articles/"], db="corpus.db", progress=False)
    >>> print(summary)
    ingested 40: stored 40, skipped 0 (already stored), duplicates 0 (near-copies), failed 0
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from newsgraph.analysis.budget import DEFAULT_TIME_BUDGET
from newsgraph.errors import Errors, NewsgraphError
from newsgraph.io.metadata import read_metadata
from newsgraph.io.reading import MAX_BYTES, ReadArticle, parse_published
from newsgraph.models import Analysis
from newsgraph.outcomes import analyzed, internal_error, label, one_line
from newsgraph.shutdown import signals_held

if TYPE_CHECKING:
    from newsgraph.store import Store

ANALYSIS_BATCH = 8
"""Articles per ``nlp.pipe`` batch (and per task sent to a worker process), as in ``analyze``."""

KNOWN_CHUNK = 64
"""Inputs looked up in the store per query: few round trips, little held in memory."""


@dataclass
class IngestSummary:
    """What an ingest run did. ``duplicates`` are stored articles found to be near-copies of
    an earlier one (wire copy, syndication); they are part of ``stored``. ``errors`` holds the
    one-line message of each failed item, in order."""

    stored: int = 0
    skipped: int = 0
    duplicates: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # metadata (W005-W009) and URL (W011) warnings

    @property
    def ingested(self) -> int:
        """Every input item seen: stored, skipped or failed."""
        return self.stored + self.skipped + self.failed

    def __str__(self) -> str:
        return (
            f"ingested {self.ingested}: stored {self.stored}, skipped {self.skipped} (already stored), "
            f"duplicates {self.duplicates} (near-copies), failed {self.failed}"
        )


class _Progress:
    """A transient rich progress line on stderr with the running counts (only on a terminal)."""

    def __init__(self, enabled: bool) -> None:
        self._progress: Any = None
        self._task: Any = None
        if not (enabled and sys.stderr.isatty()):
            return
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("ingesting"),
            TextColumn(
                "stored {task.fields[stored]} · skipped {task.fields[skipped]} · "
                "duplicates {task.fields[duplicates]} · failed {task.fields[failed]}"
            ),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )

    def __enter__(self) -> _Progress:
        if self._progress is not None:
            self._progress.start()
            self._task = self._progress.add_task(
                "ingest", total=None, stored=0, skipped=0, duplicates=0, failed=0
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def show(self, summary: IngestSummary) -> None:
        if self._progress is not None:
            self._progress.update(
                self._task,
                completed=summary.ingested,
                stored=summary.stored,
                skipped=summary.skipped,
                duplicates=summary.duplicates,
                failed=summary.failed,
            )


def _chunks(items: Iterable[Any], size: int, first: int = 1) -> Iterator[list[Any]]:
    """Lists of ``first``, then twice as many, ... up to ``size`` items: the first articles
    reach the workers at once, and later look-ups still cover many inputs per query."""
    chunk: list[Any] = []
    limit = min(first, size)
    for item in items:
        chunk.append(item)
        if len(chunk) >= limit:
            yield chunk
            chunk = []
            limit = min(2 * limit, size)
    if chunk:
        yield chunk


def _unseen(
    items: Iterable[ReadArticle | NewsgraphError],
    store: Store,
    content_hash: Callable[[str], str],
    max_chars: int,
    summary: IngestSummary,
    on_skip: Callable[[], None],
) -> Iterator[ReadArticle | NewsgraphError]:
    """Drop the articles the store already holds (same URL or same text), a chunk at a time.

    Why before analysis: the analysis is what costs; a rerun after a kill (or
    over an archive that overlaps one already ingested) should only analyse
    what is missing. Errors and too-long texts (E015, which spaCy would refuse)
    pass through in order.
    """
    for chunk in _chunks(items, KNOWN_CHUNK, first=ANALYSIS_BATCH):
        hashes: dict[int, str] = {}
        for i, item in enumerate(chunk):
            if isinstance(item, ReadArticle):
                if len(item.article.text) > max_chars:
                    chunk[i] = NewsgraphError(
                        Errors.E015, path=label(item), size=len(item.article.text), limit=max_chars
                    )
                else:
                    hashes[i] = content_hash(item.article.text)
        urls = [item.article.url for item in chunk if isinstance(item, ReadArticle) and item.article.url]
        known_urls: set[str] = set()
        known_hashes: set[str] = set()
        if hashes:
            try:
                known_urls, known_hashes = store.known(urls, hashes.values())
            except Exception as exc:
                _stop_if_database_failed(store, exc, summary)
                raise
        for i, item in enumerate(chunk):
            if isinstance(item, ReadArticle) and (
                hashes[i] in known_hashes or (item.article.url and item.article.url in known_urls)
            ):
                on_skip()
            else:
                yield item


def _open(db: str | Store | None) -> tuple[Store, bool]:
    """The store to write to, and whether we opened it (and so must close it)."""
    if db is not None and not isinstance(db, str):
        return db, False
    from newsgraph.store import open_store

    return open_store(db), True


def ingest(
    specs: Iterable[str],
    *,
    db: str | Store | None = None,
    n_process: int = 2,
    batch_size: int = 32,
    published: str | None = None,
    max_bytes: int = MAX_BYTES,
    progress: bool = True,
    on_error: Callable[[NewsgraphError], None] | None = None,
    model: str | None = None,
    threshold: float = 0.0,
    time_budget: float | None = DEFAULT_TIME_BUDGET,
    metadata: str | os.PathLike[str] | None = None,
    on_warning: Callable[[str], None] | None = None,
    summary: IngestSummary | None = None,
) -> IngestSummary:
    """Analyse the articles of ``specs`` (files, directories, feed or page URLs, WARC files)
    and store them in ``db``, ``batch_size`` articles per transaction.

    ``db`` is a database URL or path (None: ``newsgraph.db`` here, see
    ``store.open_store``) or an open ``Store``. ``published`` (``YYYY-MM-DD``
    or ISO 8601) dates articles that carry no date of their own; a bad value
    raises E011. Inputs over ``max_bytes`` are skipped. Each input that fails
    (reading, analysis or storage) is passed to ``on_error`` as a coded
    ``NewsgraphError`` and counted; the run goes on. The progress line
    appears only when ``progress`` is true and stderr is a terminal.
    ``model`` and ``threshold`` choose the attribution engine (default: the
    pipeline's) and the lowest confidence kept. An article whose analysis
    takes more than ``time_budget`` seconds (more for a long one; None or 0:
    no limit) fails with E040. ``metadata`` is a TSV/CSV file
    whose rows fill the articles' title, date, outlet, authors and URL
    (``io.metadata``; E005/E035 if it cannot be read); its warnings go to
    ``on_warning`` and ``IngestSummary.warnings``.
    Warnings about stored articles (W011, a URL too long to keep) go there
    too. Pass your own ``summary`` to see the counts even when the run stops
    early (E031, Ctrl-C): it is filled in as articles are stored.
    """
    if batch_size < 1 or n_process < 1:
        raise ValueError("batch_size and n_process must be at least 1")
    published = parse_published(published)
    meta = read_metadata(metadata) if metadata is not None else None
    from newsgraph.analysis import pipeline  # spaCy: only now
    from newsgraph.io.sources import iter_sources
    from newsgraph.store import content_hash

    store, owned = _open(db)
    summary = summary if summary is not None else IngestSummary()

    def warn(message: str) -> None:
        summary.warnings.append(one_line(message))
        if on_warning is not None:
            on_warning(message)

    for message in meta.warnings if meta is not None else []:
        warn(message)
    try:
        engine = model or pipeline.DEFAULT_ATTRIBUTION_MODEL
        pipeline.load(engine, threshold)  # fail once, clearly, if a model is missing; workers inherit it
        analyze_articles = partial(
            pipeline.analyze_articles, model=engine, threshold=threshold, time_budget=time_budget
        )
        with _Progress(progress) as bar:

            def fail(error: NewsgraphError) -> None:
                summary.failed += 1
                summary.errors.append(one_line(str(error)))
                if on_error is not None:
                    on_error(error)
                bar.show(summary)

            def skip() -> None:
                summary.skipped += 1
                bar.show(summary)

            sources = _guarded(iter_sources(specs, published=published, max_bytes=max_bytes))
            items = _unseen(
                meta.apply(sources) if meta is not None else sources,
                store,
                content_hash,
                pipeline.MAX_CHARS,
                summary,
                skip,
            )
            batch: list[tuple[Analysis, ReadArticle]] = []
            for outcome in analyzed(items, analyze_articles, n_process, ANALYSIS_BATCH):
                if isinstance(outcome, NewsgraphError):
                    fail(outcome)
                    continue
                read, analysis = outcome
                if isinstance(analysis, NewsgraphError):
                    fail(analysis)
                    continue
                batch.append((analysis, read))
                if len(batch) >= batch_size:
                    _write(store, batch, summary, fail, warn)
                    batch = []
                    bar.show(summary)
            if batch:
                _write(store, batch, summary, fail, warn)
                bar.show(summary)
        unmatched = meta.unmatched_warning() if meta is not None else None
        if unmatched:
            warn(unmatched)
    finally:
        if owned:
            store.close()
    return summary


def _guarded(items: Iterable[ReadArticle | NewsgraphError]) -> Iterator[ReadArticle | NewsgraphError]:
    """Sources report bad inputs as yielded errors; an exception escaping them still ends as one
    E999 line (and the sources' iteration, which cannot be resumed) rather than a traceback."""
    try:
        yield from items
    except NewsgraphError as error:
        yield error
    except Exception as exc:
        yield internal_error("<sources>", exc)


def _write(
    store: Store,
    batch: Sequence[tuple[Analysis, ReadArticle]],
    summary: IngestSummary,
    fail: Callable[[NewsgraphError], None],
    warn: Callable[[str], None] | None = None,
) -> None:
    """Store a batch in one transaction; an article the store refuses fails alone (E019, its input
    named: ``Store.add`` gives each article a savepoint of its own when the batch fails)."""
    from newsgraph.store.write import db_reason, url_warning

    try:
        with signals_held():  # a batch stored is a batch counted: Ctrl-C waits for the tally
            result = store.add([(analysis, read.name) for analysis, read in batch])
            summary.stored += result.stored
            summary.skipped += result.skipped
            summary.duplicates += result.duplicates
    except Exception as exc:
        _stop_if_database_failed(store, exc, summary)
        if len(batch) > 1:  # not expected (``add`` isolates articles itself): still lose only one
            for item in batch:
                _write(store, [item], summary, fail, warn)
            return
        read = batch[0][1]
        if isinstance(exc, NewsgraphError):
            fail(exc)
        else:
            fail(NewsgraphError(Errors.E019, path=label(read), reason=db_reason(exc)))
        return
    failed = {position for position, _ in result.failed}
    for position, reason in result.failed:
        fail(NewsgraphError(Errors.E019, path=label(batch[position][1]), reason=reason))
    if warn is not None:
        for position, (analysis, read) in enumerate(batch):
            message = url_warning(analysis.article.url, label(read))
            if message is not None and position not in failed:
                warn(message)


def _stop_if_database_failed(store: Store, exc: Exception, summary: IngestSummary) -> None:
    """Raise E031 when the database itself failed (disk full, locked past the busy timeout,
    server gone): no article is at fault, and retrying each one would only fail each in turn."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    if not isinstance(exc, OperationalError | InterfaceError):
        return
    from newsgraph.store.db import shown_url

    reason = one_line(str(getattr(exc, "orig", None) or exc))[:300]
    where = shown_url(str(getattr(store, "url", "the database")))
    raise NewsgraphError(Errors.E031, path=where, stored=summary.stored, reason=reason) from None
