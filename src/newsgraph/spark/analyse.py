"""What one Spark task does: read its input files, analyse their articles, return table rows.

Why this is plain Python (no Spark but ``TaskContext``): it is the part that
must behave exactly like ``newsgraph analyze``, so it reuses the same pieces,
in the same order: ``io.sources`` / ``io.reading`` read each file (WARC
archives included), texts over ``pipeline.MAX_CHARS`` become ``E015``, and
``outcomes.analyzed`` runs ``pipeline.analyze_articles`` over the stream in
batches of ``BATCH_SIZE``, turning an exception on one article into ``E999``
for that article alone. The spaCy pipeline is loaded once per Python worker
process (``pipeline.load`` is cached, and Spark reuses its Python workers).

A crash that kills the worker process itself (a segfault in a native
library, the kernel's out-of-memory killer) cannot be caught in the process:
Spark sees the task fail and runs it again. The retry (attempt 1 or later)
analyses each batch in a forked child process; when a child dies, the
batch's articles are analysed one per child, and the article that kills its
child becomes an ``E060`` failure row. So a poison article costs one failed
task attempt, and the job finishes with it in ``failures``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import struct
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from newsgraph.analysis.neural import DEFAULT_ENGINE
from newsgraph.errors import Errors, NewsgraphError
from newsgraph.io.reading import MAX_BYTES, ReadArticle
from newsgraph.outcomes import analyzed, internal_error, label, one_line
from newsgraph.spark import tables

BATCH_SIZE = 8
"""Articles per ``nlp.pipe`` batch, as in ``newsgraph analyze``."""

CRASH_MARKER_ENV = "NEWSGRAPH_TEST_CRASH_MARKER"
"""Test hook: an article whose text holds this string kills its Python worker (``os._exit``)."""


@dataclass(frozen=True)
class InputFile:
    """One input file of a run: its path or URI, its place in the run's listing, its size in bytes."""

    path: str
    index: int
    size: int = 0
    remote: bool = False
    """Read through Spark (Hadoop's filesystems: ``path`` is a URI) rather than from the local disk."""


@dataclass(frozen=True)
class Settings:
    """The options of a run that the tasks need."""

    model: str = DEFAULT_ENGINE  # as `newsgraph analyze`: the same answers
    threshold: float = 0.0
    published: str | None = None
    max_bytes: int = MAX_BYTES


Row = tuple[str, str, dict[str, Any]]
"""What a task yields: ``(table, input_key, row)``."""


def read_file(
    path: str, published: str | None, max_bytes: int
) -> Iterator[ReadArticle | NewsgraphError]:
    """The articles of one input file, read exactly as ``newsgraph ingest`` reads that file."""
    from newsgraph.io import reading, sources

    try:
        if sources.is_warc(path):
            yield from sources.iter_warc(path, published=published, max_bytes=max_bytes)
        else:
            yield from reading.read_path(path, published=published, max_bytes=max_bytes)
    except NewsgraphError as error:
        yield error
    except Exception as exc:
        yield internal_error(path, exc)


def failure_row(file: InputFile, record: int, error: NewsgraphError | tuple[str, str]) -> Row:
    code, message = (error.code, str(error)) if isinstance(error, NewsgraphError) else error
    row = {"input": file.path, "record": record, "code": code, "message": one_line(message),
           "input_index": file.index}
    return tables.FAILURES, tables.input_key(file.path), row


def article_rows(file: InputFile, record: int, read: ReadArticle, analysis: Any) -> Iterator[Row]:
    aid = tables.article_id(file.path, record)
    content_hash = hashlib.sha256(analysis.article.text.encode("utf-8")).hexdigest()
    key = tables.input_key(file.path)
    rows = tables.rows_of(
        analysis, aid=aid, name=read.name, path=read.path, content_hash=content_hash, input=file.path,
        input_index=file.index, record=record,
    )
    for table, items in rows.items():
        for row in items:
            yield table, key, row


def _crash_if_poisoned(reads: Iterable[ReadArticle]) -> Iterator[ReadArticle]:
    """The test hook (see ``CRASH_MARKER_ENV``): a worker crash no ``except`` can catch."""
    marker = os.environ.get(CRASH_MARKER_ENV)
    for read in reads:
        if marker and marker in read.article.text:
            os._exit(70)
        yield read


def load_pipeline(settings: Settings) -> None:
    """Load this worker's pipeline now (cached per process; one BLAS thread: ``pipeline.load_in_worker``)."""
    from newsgraph.analysis import pipeline

    pipeline.load_in_worker(settings.model, settings.threshold)
    time.sleep(0.5)  # hold the core a moment, so the next warm-up task starts a worker of its own


def _analyzer(settings: Settings) -> Callable[..., Iterator[Any]]:
    from newsgraph.analysis import pipeline

    def analyze_articles(reads: Iterable[ReadArticle], n_process: int = 1, batch_size: int = BATCH_SIZE):
        return pipeline.analyze_articles(
            _crash_if_poisoned(reads), n_process, batch_size,
            model=settings.model, threshold=settings.threshold,
        )

    return analyze_articles


def _with_uri(item: ReadArticle | NewsgraphError, local: str, uri: str) -> ReadArticle | NewsgraphError:
    """An article or error read from a local copy of a remote file, labelled with the file's URI."""
    if isinstance(item, NewsgraphError):
        return _relabelled(item, local, uri)
    path = uri if item.path == local else item.path
    name = item.name.replace(local, uri)
    return dataclasses.replace(item, path=path, name=name)


def _relabelled(error: NewsgraphError, local: str, uri: str) -> NewsgraphError:
    fields = {k: (v.replace(local, uri) if isinstance(v, str) else v) for k, v in error.fields.items()}
    return NewsgraphError(error.template, **fields)


def read_remote(
    uri: str, data: bytes, published: str | None, max_bytes: int
) -> Iterator[ReadArticle | NewsgraphError]:
    """The articles of a file Spark read from its filesystem (HDFS, S3...): ``read_file`` on a local copy.

    The copy keeps the file's name (so the format and the WARC test go by the
    same extension), lives only while it is read, and every label says the URI.
    """
    with tempfile.TemporaryDirectory(prefix="newsgraph-input-") as tmp:
        local = os.path.join(tmp, uri.rstrip("/").rsplit("/", 1)[-1] or "input")
        with open(local, "wb") as sink:
            sink.write(data)
        for item in read_file(local, published, max_bytes):
            yield _with_uri(item, local, uri)


def analyse_partition(
    files: Iterable[InputFile | tuple[InputFile, bytes]], settings: Settings
) -> Iterator[Row]:
    """Every row of every table for the articles of ``files`` (a task's share of the inputs).

    An item is a local input file, or a remote one with the bytes Spark read for it.
    """
    from pyspark import TaskContext

    from newsgraph.analysis import pipeline

    context = TaskContext.get()
    isolated = context is not None and context.attemptNumber() > 0
    where: dict[int, tuple[InputFile, int]] = {}

    def items() -> Iterator[ReadArticle | NewsgraphError]:
        for entry in files:
            if isinstance(entry, tuple):
                file, data = entry
                reads = read_remote(file.path, data, settings.published, settings.max_bytes)
            else:
                file = entry
                reads = read_file(file.path, settings.published, settings.max_bytes)
            for record, item in enumerate(reads):
                if isinstance(item, ReadArticle) and len(item.article.text) > pipeline.MAX_CHARS:
                    item = NewsgraphError(
                        Errors.E015, path=label(item), size=len(item.article.text), limit=pipeline.MAX_CHARS
                    )
                where[id(item)] = (file, record)
                yield item

    analyze_articles = _analyzer(settings)
    outcomes = _isolated(items(), analyze_articles) if isolated else analyzed(
        items(), analyze_articles, n_process=1, batch_size=BATCH_SIZE
    )
    for outcome in outcomes:
        if isinstance(outcome, NewsgraphError):
            file, record = where.pop(id(outcome))
            yield failure_row(file, record, outcome)
            continue
        read, analysis = outcome
        file, record = where.pop(id(read))
        if isinstance(analysis, NewsgraphError | tuple):
            yield failure_row(file, record, analysis)
        else:
            yield from article_rows(file, record, read, analysis)


# ---------------------------------------------------------------- the retry: one child process per batch


def _isolated(
    items: Iterable[ReadArticle | NewsgraphError], analyze_articles: Callable[..., Iterator[Any]]
) -> Iterator[Any]:
    """Like ``outcomes.analyzed``, but each batch runs in a forked child, and a dead child costs
    only the article that killed it (an ``E060`` pair ``(read, (code, message))``)."""
    batch: list[ReadArticle] = []

    def flush() -> Iterator[Any]:
        results = _in_child(batch, analyze_articles)
        if results is None:
            results = []
            for read in batch:
                alone = _in_child([read], analyze_articles)
                if alone is None:
                    error = NewsgraphError(Errors.E060, path=label(read), reason="the process died")
                    alone = [(error.code, str(error))]
                results.extend(alone)
        for read, result in zip(batch, results, strict=True):
            yield read, result
        batch.clear()

    for item in items:
        if isinstance(item, NewsgraphError):
            yield item
            continue
        batch.append(item)
        if len(batch) == BATCH_SIZE:
            yield from flush()
    if batch:
        yield from flush()


def _in_child(reads: list[ReadArticle], analyze_articles: Callable[..., Iterator[Any]]) -> list[Any] | None:
    """Analyse ``reads`` in a forked child: an ``Analysis`` or ``(code, message)`` each; None if it died."""
    from newsgraph.models import Analysis

    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: analyse, send the results, leave without any clean-up of the parent's
        try:
            os.close(rfd)
            out: list[Any] = []
            for outcome in analyzed(reads, analyze_articles, n_process=1, batch_size=BATCH_SIZE):
                _, result = outcome  # type: ignore[misc]  (no reading errors: reads only)
                if isinstance(result, NewsgraphError):
                    out.append(("error", result.code, str(result)))
                else:
                    out.append(("analysis", result.model_dump_json()))
            data = pickle.dumps(out)
            with os.fdopen(wfd, "wb") as pipe:
                pipe.write(struct.pack("<Q", len(data)) + data)
        finally:
            os._exit(0)
    os.close(wfd)
    with os.fdopen(rfd, "rb") as pipe:
        payload = pipe.read()
    _, status = os.waitpid(pid, 0)
    if len(payload) < 8 or len(payload) - 8 != struct.unpack("<Q", payload[:8])[0]:
        return None  # died before it could answer
    results: list[Any] = []
    for entry in pickle.loads(payload[8:]):
        if entry[0] == "analysis":
            results.append(Analysis.model_validate_json(entry[1]))
        else:
            results.append((entry[1], entry[2]))
    del status
    return results


__all__ = ["BATCH_SIZE", "CRASH_MARKER_ENV", "InputFile", "Settings", "analyse_partition", "one_line"]
