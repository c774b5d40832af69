"""Writing a run's tables from the tasks themselves, then committing them: the local-output path.

Why not Spark's own Parquet writer here: every table is a Spark job of its
own, and on one machine those eight jobs cost a fixed ~8 s per run (mostly the
JVM loading and compiling its Parquet and code-generation paths for the first
time), whatever the number of articles: +10% on 500 articles. Each task
already holds its rows as Python values, and pyarrow (the loader's reader)
writes them as Parquet in milliseconds, inside the one job that analyses
them. So for an output folder on a filesystem every task can reach (a local
path, or a shared mount on a cluster) the tasks write, and the driver commits;
an output URI (``hdfs://``, ``s3a://``, ``file://``) keeps Spark's writer, which
knows Hadoop's filesystems (``job._write_with_spark``). Both give the same
dataset: the same folders, files readable by Spark and pyarrow, the same rows
(tested).

How a run stays exactly-once, as Spark's commit protocol does it:

1. Each task attempt writes into a staging folder of its own,
   ``OUT/_staging/<run>/<partition>-<attempt>/<table>/input_key=<key>/``, and
   returns what it wrote (``TaskFiles``). A failed or killed attempt returns
   nothing, so its files are never committed.
2. ``commit`` (on the driver, after every task succeeded) replaces, in every
   table, the folder of every input of the run with the successful attempt's
   folder: a rename each, so a table never holds a half-written input. An
   input that now has no rows in a table loses its old folder there (Spark's
   dynamic overwrite would keep it: a fixed file's old failure row stayed).
3. A run killed before its commit leaves only its staging folder, which the
   next run removes; killed during it, some inputs are replaced and the rest
   keep their previous rows, never both: running again makes every article
   appear exactly once.

One run at a time per output folder (as with Spark's own writer).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from newsgraph.errors import Errors, NewsgraphError
from newsgraph.spark import tables
from newsgraph.spark.analyse import Row

STAGING = "_staging"
"""The folder in ``OUT`` where tasks write before the commit (hidden from readers: leading ``_``)."""
FLUSHED_ROWS = 2000
"""Rows a task buffers per table and input before writing them out as a Parquet row group."""
SHOWN_MESSAGES = 20
"""Failure messages a task returns (all are rows of ``failures``)."""


@dataclass
class TaskFiles:
    """What one task attempt wrote: its folder, the (table, input key) pairs in it, and counts."""

    folder: str
    written: set[tuple[str, str]] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def new_staging(out: Path) -> Path:
    """A fresh staging folder for a run, after removing what killed runs left."""
    root = out / STAGING
    shutil.rmtree(root, ignore_errors=True)
    run = root / uuid.uuid4().hex[:12]
    run.mkdir(parents=True)
    return run


def write_rows(rows: Iterable[Row], folder: str | Path) -> TaskFiles:
    """Write ``(table, input key, row)`` items as Parquet under ``folder/<table>/input_key=<key>/``.

    Rows come input by input (a task reads its files one after the other), so
    the files of an input are closed when the next input's rows begin: a task
    of a thousand small inputs never holds more than a table's worth of open
    files. Rows are written in the order they come, in row groups of up to
    ``FLUSHED_ROWS`` (the most a task buffers per table); an input whose rows
    come back later gets a further file (``part-00001.parquet``...).
    """
    schemas = tables.schemas()
    result = TaskFiles(folder=str(folder))
    buffers: dict[tuple[str, str], list[dict[str, Any]]] = {}
    writers: dict[tuple[str, str], pq.ParquetWriter] = {}
    parts: dict[tuple[str, str], int] = {}

    def flush(where: tuple[str, str]) -> None:
        rows_here = buffers.pop(where, [])
        if not rows_here:
            return
        table, key = where
        writer = writers.get(where)
        if writer is None:
            part = parts[where] = parts.get(where, -1) + 1
            path = _input_folder(folder, table, key) / f"part-{part:05d}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = writers[where] = pq.ParquetWriter(path, schemas[table], compression="snappy")
            result.written.add(where)
        writer.write_table(pa.Table.from_pylist(rows_here, schema=schemas[table]))

    def close_all() -> None:
        for where in list(buffers):
            flush(where)
        while writers:
            writers.popitem()[1].close()

    current = None
    try:
        for table, key, row in rows:
            if key != current:
                close_all()
                current = key
            buffer = buffers.setdefault((table, key), [])
            buffer.append(row)
            result.counts[table] = result.counts.get(table, 0) + 1
            if table == tables.FAILURES and len(result.messages) < SHOWN_MESSAGES:
                result.messages.append(row["message"])
            if len(buffer) >= FLUSHED_ROWS:
                flush((table, key))
        close_all()
    finally:
        for writer in writers.values():
            writer.close()
    return result


def _input_folder(root: str | Path, table: str, key: str) -> Path:
    """Where a table's rows of one input live under ``root``: ``<table>/input_key=<key>``."""
    return Path(root) / table / f"{tables.PARTITION}={key}"


def task_folder(staging: str, partition: int, attempt: int) -> str:
    return os.path.join(staging, f"{partition:05d}-{attempt}")


def commit(out: Path, staging: Path, done: Iterable[TaskFiles], keys: Iterable[str]) -> None:
    """Replace the folders of ``keys`` (the run's inputs) in every table with the tasks' files.

    ``done`` holds the results of the successful attempts only (what Spark's
    ``collect`` returns); every other attempt's files stay in ``staging``,
    which is removed at the end.
    """
    new: dict[tuple[str, str], list[Path]] = {}
    for task in done:
        for table, key in sorted(task.written):
            new.setdefault((table, key), []).append(_input_folder(task.folder, table, key))
    keys = set(keys) | {key for _, key in new}
    for folders in new.values():  # checked before anything moves: a cluster's local disks are not shared
        if not all(folder.is_dir() for folder in folders):
            raise NewsgraphError(Errors.E067, path=str(out))
    trash = staging / "_replaced"
    trash.mkdir(exist_ok=True)
    for table in tables.table_names():
        folder = out / table
        folder.mkdir(parents=True, exist_ok=True)
        for key in sorted(keys):
            target = _input_folder(out, table, key)
            if target.exists():
                os.replace(target, trash / f"{table}-{target.name}")
            first, *more = new.get((table, key), [None])
            if first is None:
                continue
            for other in more:  # an input two tasks wrote (not done today): keep every file
                for f in sorted(other.iterdir()):
                    os.replace(f, first / f"{other.parent.parent.name}-{f.name}")
            os.replace(first, target)
        (folder / "_SUCCESS").touch()
    shutil.rmtree(staging, ignore_errors=True)
    if staging.parent.name == STAGING:
        with contextlib.suppress(OSError):  # another run's staging is there
            staging.parent.rmdir()


def executors_see(context: Any, path: str) -> bool:
    """Whether ``path`` exists for every task slot: one task per core looks for it."""
    tasks = max(1, context.defaultParallelism)
    return all(context.parallelize(range(tasks), tasks).map(lambda _: os.path.exists(path)).collect())


def check_shared(context: Any, staging: Path) -> None:
    """``E067`` before any analysis when the executors do not see ``staging`` (the driver's folder).

    Local mode shares the driver's disk by construction; on a cluster a local
    ``--out`` must be a shared mount, and the tasks look for a file the driver
    has just written there, so a wrong ``--out`` costs seconds, not the whole
    job's analysis.
    """
    probe = staging / "_probe"
    probe.write_text("newsgraph\n", encoding="utf-8")
    try:
        if not executors_see(context, str(probe)):
            raise NewsgraphError(Errors.E067, path=str(staging.parent.parent))
    finally:
        probe.unlink()


def partition_writer(staging: str) -> Any:
    """The function a ``mapPartitionsWithIndex`` task runs: write its rows, return its ``TaskFiles``."""

    def write(partition: int, rows: Iterator[Row]) -> Iterator[TaskFiles]:
        from pyspark import TaskContext

        context = TaskContext.get()
        attempt = context.attemptNumber() if context is not None else 0
        yield write_rows(rows, task_folder(staging, partition, attempt))

    return write
