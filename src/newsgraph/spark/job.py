"""The Spark job: inputs in, one Parquet table per kind of row out (``newsgraph spark``).

Why Spark and not a home-made scheduler: the people with archives of
millions of articles already have a Spark cluster (Common Crawl's
cc-pyspark, Databricks, EMR, Dataproc, a university Hadoop cluster); the job
must be an ordinary Spark application they can ``spark-submit``.

How it runs:

1. The driver lists the input files (directories are walked as by ``newsgraph
   ingest``: article files and ``.warc``/``.warc.gz`` archives, in sorted
   order; globs are expanded) and packs them into ``--partitions`` bins
   (default ``PARTITIONS_PER_CORE`` per core), largest first onto the least
   loaded bin, so the tasks finish together and each analyses many articles
   as one stream. Inputs written as URIs (``hdfs://``, ``s3a://``,
   ``file://``) are listed through Hadoop's FileSystem API and read by Spark
   (``binaryFiles``, which packs them into about as many partitions); each
   task reads a remote file's bytes through a private local copy, so the
   reader is the same.
2. Each task (``analyse.analyse_partition``, one ``mapPartitions``) reads its
   files and analyses their articles in batches, exactly as ``newsgraph
   analyze`` does, yielding rows for every table.
3. Each table is written as Parquet to ``OUT/<table>/``, one folder
   ``input_key=...`` per input file, and a re-run over the same inputs
   replaces exactly the folders of those inputs (so no row is ever
   duplicated), while a run over other inputs adds folders beside them. A
   killed run commits nothing half-written; running it again leaves every
   article exactly once. Two writers do this:

   * a local ``OUT`` (a path every task can reach): the analysing tasks write
     their rows themselves with pyarrow into a staging folder, in the same
     job, and the driver commits them by renames (``spark.files``, which says
     why: Spark's writer costs a fixed ~8 s per run on one machine);
   * an ``OUT`` URI (``hdfs://``, ``s3a://``, ``file://``): the rows are
     counted (every core analysing) and persisted, then Spark writes each
     table through Hadoop's filesystems with its *dynamic* partition
     overwrite (staging, then whole partitions moved at the end of each
     table's job).
4. The corpus-wide steps (``spark.corpus``) run over the whole dataset.

The user sees no Java: the JVM's own output and Spark's log go to a log file
(``OUT/_logs/spark.log`` when ``OUT`` is local), and every failure is one
coded line (``E061``-``E066``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pickle
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsgraph.analysis.neural import DEFAULT_ENGINE
from newsgraph.errors import Errors, NewsgraphError
from newsgraph.io.reading import MAX_BYTES, iter_inputs
from newsgraph.outcomes import one_line
from newsgraph.spark import tables
from newsgraph.spark.analyse import InputFile, Settings

DEFAULT_MASTER = "local[*]"
TASK_RETRIES = 4
"""Attempts per task in local mode (``local[N,4]``): the first, and a retry that isolates a crash."""
PARTITIONS_PER_CORE = 3
"""Default partitions per core (``--partitions``): a few, so a slow bin does not leave a core idle."""
SHOWN_FAILURES = 20
"""Failure lines printed on stderr; the rest are in ``OUT/failures``."""

_MASTER = re.compile(
    r"^(local(\[(\*|\d+)(,\d+)?\])?|local-cluster\[\d+,\d+,\d+\]|spark://[^/\s:]+(:\d+)?(,[^/\s:]+(:\d+)?)*"
    r"|yarn|k8s://\S+|mesos://\S+)$"
)
_REMOTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass
class RunSummary:
    """What a run did: articles analysed, failures (with the first messages), times in seconds."""

    analysed: int = 0
    failed: int = 0
    messages: list[str] = field(default_factory=list)
    startup_seconds: float = 0.0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds per phase of the job (``analysis``, ``writes``, ``corpus``), for the benchmarks."""
    log: str | None = None

    def __str__(self) -> str:
        return f"analysed {self.analysed}, failed {self.failed}"


# ---------------------------------------------------------------- checks before Spark starts


def check_master(master: str) -> None:
    """``E062`` for a URL Spark would not parse; ``E063`` for a standalone master nobody answers at."""
    if not _MASTER.match(master):
        raise NewsgraphError(Errors.E062, master=master)
    if master.startswith("spark://"):
        for hostport in master[len("spark://") :].split(","):
            host, _, port = hostport.partition(":")
            try:
                with socket.create_connection((host, int(port or 7077)), timeout=5):
                    return
            except OSError as exc:
                reason = one_line(exc.strerror or str(exc) or type(exc).__name__)
        raise NewsgraphError(Errors.E063, master=master, reason=reason)


def check_java() -> None:
    """``E061`` unless a Java runtime answers ``java -version`` (``JAVA_HOME`` first, then ``PATH``)."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java:
        raise NewsgraphError(Errors.E061, reason="no java on PATH and JAVA_HOME is not set")
    try:
        subprocess.run([java, "-version"], capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise NewsgraphError(Errors.E061, reason=one_line(f"{java}: {exc}")) from None


def check_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise NewsgraphError(Errors.E066, reason=str(exc)) from None


# ---------------------------------------------------------------- inputs


def is_remote(spec: str) -> bool:
    """Whether Spark (Hadoop's filesystems) reads this input: a path with a scheme (hdfs://, s3a://, file://)."""
    return bool(_REMOTE.match(spec))


Lister = Callable[[str], tuple[list[tuple[str, int]], list[NewsgraphError]]]
"""Lists one input with a scheme: ``([(uri, size), ...], errors)``."""


def list_inputs(
    specs: list[str], remote: Lister | None = None
) -> tuple[list[InputFile], list[NewsgraphError]]:
    """The input files in run order, and an error per input that gave none (``E005``, ``E014``...).

    A directory gives its article files and WARC archives in sorted path
    order (as ``newsgraph ingest`` reads it); a glob its matches, sorted; a
    file itself. A path with a scheme is listed by ``remote`` (Hadoop's
    filesystem, see ``list_remote``), the others on the local filesystem.
    """
    from newsgraph.io.sources import _walk_warcs, is_warc

    found_files: list[tuple[str, int | None, bool]] = []
    errors: list[NewsgraphError] = []
    for spec in specs:
        if is_remote(spec):
            if remote is None:
                reason = "a path with a scheme needs Spark to list it"
                errors.append(NewsgraphError(Errors.E010, path=spec, reason=reason))
                continue
            listed, failed = remote(spec)
            found_files.extend((uri, size, True) for uri, size in listed)
            errors.extend(failed)
            continue
        matches = sorted(glob.glob(spec)) if glob.has_magic(spec) else [spec]
        if not matches:
            errors.append(NewsgraphError(Errors.E005, path=spec))
        for match in matches:
            root = Path(match)
            if root.is_dir():
                warcs = _walk_warcs(root)
                found: list[Path] = list(warcs)
                for item in iter_inputs([root]):
                    if isinstance(item, NewsgraphError):
                        if not (warcs and item.code == "E014"):
                            errors.append(item)
                    else:
                        found.append(item)
                found.sort(key=lambda f: f.relative_to(root).parts)
                found_files.extend((str(f.absolute()), None, False) for f in found)
            elif root.exists() or is_warc(match):
                found_files.append((str(root.absolute()), None, False))
            else:
                errors.append(NewsgraphError(Errors.E005, path=match))
    files = []
    for path, size, remote_file in dict.fromkeys(found_files):  # a file named twice is read once
        if size is None:
            try:
                size = os.path.getsize(path)
            except OSError:
                size = 0
        files.append(InputFile(path, len(files), size, remote=remote_file))
    return files, errors


def list_remote(spark: Any) -> Lister:
    """A lister of inputs through Hadoop's FileSystem API (the JVM's), as Spark itself lists them.

    A glob gives its matches; a directory its article files and WARC archives
    (the suffixes ``newsgraph ingest`` reads, hidden names skipped), walked
    recursively in sorted order; a file itself. The filesystem's settings
    (S3 credentials, HDFS name node) are Spark's Hadoop configuration.
    """
    from newsgraph.io.reading import SUFFIX_FORMATS
    from newsgraph.io.sources import is_warc

    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()

    def wanted(path: str) -> bool:
        name = path.rstrip("/").rsplit("/", 1)[-1]
        return not name.startswith(".") and (is_warc(name) or Path(name).suffix.lower() in SUFFIX_FORMATS)

    def hidden_below(root: str, path: str) -> bool:
        return any(part.startswith(".") for part in path[len(root):].split("/") if part)

    def lister(spec: str) -> tuple[list[tuple[str, int]], list[NewsgraphError]]:
        try:
            path = jvm.org.apache.hadoop.fs.Path(spec)
            fs = path.getFileSystem(conf)
            statuses = fs.globStatus(path)
            if not statuses:
                return [], [NewsgraphError(Errors.E005, path=spec)]
            out: list[tuple[str, int]] = []
            for status in sorted(statuses, key=lambda st: str(st.getPath().toString())):
                root = str(status.getPath().toString())
                if not status.isDirectory():
                    out.append((root, int(status.getLen())))
                    continue
                below: list[tuple[str, int]] = []
                files = fs.listFiles(status.getPath(), True)
                while files.hasNext():
                    item = files.next()
                    name = str(item.getPath().toString())
                    if wanted(name) and not hidden_below(root, name):
                        below.append((name, int(item.getLen())))
                if not below:
                    return out, [NewsgraphError(Errors.E014, path=spec)]
                out.extend(sorted(below, key=lambda f: f[0][len(root):].split("/")))
            return out, []
        except Exception as exc:  # Py4J: a Java exception, said in one line
            return [], [NewsgraphError(Errors.E010, path=spec, reason=_reason(exc))]

    return lister


def assign(files: list[InputFile], partitions: int) -> list[list[InputFile]]:
    """Files spread over ``partitions`` tasks: largest first, each onto the least loaded task."""
    buckets: list[list[InputFile]] = [[] for _ in range(max(1, partitions))]
    loads = [0] * len(buckets)
    for file in sorted(files, key=lambda f: (-f.size, f.index)):
        i = loads.index(min(loads))
        buckets[i].append(file)
        loads[i] += max(file.size, 1)
    for bucket in buckets:
        bucket.sort(key=lambda f: f.index)
    return buckets


# ---------------------------------------------------------------- Spark


def _local_master(master: str) -> str:
    """``local[N]`` becomes ``local[N,TASK_RETRIES]``: local mode retries nothing by default."""
    m = re.fullmatch(r"local(\[(\*|\d+)\])?", master)
    if m:
        return f"local[{m.group(2) or 1},{TASK_RETRIES}]"
    return master


LOCAL_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
"""The JVM's options in local mode. Why: there the JVM shares the machine's cores with the Python
workers, which do the work (the JVM only moves rows and writes Parquet). The optimising compiler
(C2) and parallel garbage collection spend more CPU than they save on such light work: measured
on 168 articles with ``local[1]``, the JVM used 36 s of CPU with them and 19 s without, for the
same job time. On a cluster the executors' JVMs are the cluster's to tune."""


LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.file.ref = file
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{{HH:mm:ss}} %p %c: %m%n
"""


@contextlib.contextmanager
def spark_session(master: str, log_dir: Path, app_name: str = "newsgraph") -> Iterator[Any]:
    """A SparkSession, quiet: the JVM's stdout/stderr and Spark's log4j go to ``log_dir/spark.log``.

    Under ``spark-submit`` (the JVM exists already) the session the submit
    made is used as it is, with its own logging.
    """
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession

    if SparkContext._active_spark_context is not None:  # type: ignore[attr-defined]
        # A session this process made already (a notebook, the tests): use it, leave it running.
        session = SparkSession.builder.getOrCreate()
        session.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
        yield session
        return
    if "PYSPARK_GATEWAY_PORT" in os.environ:  # run by spark-submit
        session = SparkSession.builder.appName(app_name).getOrCreate()
        session.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
        try:
            yield session
        finally:
            session.stop()
        return
    from pyspark.java_gateway import launch_gateway

    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / "spark.log"
    config = log_dir / "log4j2.properties"
    config.write_text(LOG4J.format(log=log), encoding="utf-8")
    conf = SparkConf().setAppName(app_name).setMaster(_local_master(master))
    java_options = f"-Dlog4j2.configurationFile=file:{config}"
    if master.startswith("local"):
        java_options += " " + LOCAL_JAVA_OPTIONS
    conf.set("spark.driver.extraJavaOptions", java_options)
    conf.set("spark.executor.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{config}")
    conf.set("spark.ui.enabled", "false")
    conf.set("spark.ui.showConsoleProgress", "false")
    conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    conf.set("spark.python.worker.reuse", "true")
    if master.startswith("local"):
        # Spark's default of 200 shuffle partitions is for clusters: on one machine each
        # group-by of the corpus steps would run 200 tiny tasks.
        conf.set("spark.sql.shuffle.partitions", "8")
        conf.set("spark.driver.host", "127.0.0.1")
        conf.set("spark.driver.bindAddress", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    with open(log, "ab") as sink:
        try:
            gateway = launch_gateway(conf, popen_kwargs={"stdout": sink, "stderr": sink})
            context = SparkContext(conf=conf, gateway=gateway)
        except Exception as exc:
            raise NewsgraphError(Errors.E064, reason=_reason(exc), log=str(log)) from None
    session = SparkSession(context)
    try:
        yield session
    finally:
        session.stop()
        with contextlib.suppress(Exception):
            gateway.shutdown()
            SparkContext._gateway = None  # type: ignore[attr-defined]
            SparkContext._jvm = None  # type: ignore[attr-defined]
            proc = getattr(gateway, "proc", None)
            if proc is not None:
                proc.stdin.close()
                proc.wait(timeout=30)


def _reason(exc: BaseException) -> str:
    """A one-line reason from a Spark or Py4J error: the last 'Caused by' or first line, no stack."""
    text = str(exc)
    java = getattr(exc, "java_exception", None)
    if java is not None:
        with contextlib.suppress(Exception):
            cause = java
            while cause.getCause() is not None:
                cause = cause.getCause()
            text = str(cause.toString())
    first = next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)
    first = re.sub(r"^(\S+\.)+(\w+(Exception|Error)): ", r"\2: ", first)
    return one_line(first)[:300]


def _spark_schema(table: str) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema
    from pyspark.sql.types import StringType, StructField

    schema = from_arrow_schema(tables.schemas()[table])
    schema.add(StructField(tables.PARTITION, StringType(), False))
    return schema


def run(
    inputs: list[str],
    out: str,
    *,
    master: str = DEFAULT_MASTER,
    partitions: int | None = None,
    model: str = DEFAULT_ENGINE,
    threshold: float = 0.0,
    published: str | None = None,
    max_bytes: int = MAX_BYTES,
    corpus: bool = True,
    log_dir: str | None = None,
    warm: bool = False,
) -> RunSummary:
    """Analyse ``inputs`` with Spark into the Parquet dataset ``out``; see the module docstring.

    Raises ``NewsgraphError`` (``E061``-``E066``, ``E018``) when the job
    cannot run; failed articles are rows of ``out/failures`` and counted in
    the summary.
    """
    started = time.perf_counter()
    check_pyspark()
    from pyspark import SparkContext

    if "PYSPARK_GATEWAY_PORT" not in os.environ and SparkContext._active_spark_context is None:  # type: ignore[attr-defined]
        check_master(master)
        check_java()
    if model == "trained":  # fail here, once, rather than on every article of every task
        from newsgraph.analysis import learned

        learned.load_trees()  # E036 when the weights file is missing or damaged
    if model == "neural":
        from newsgraph.analysis import neural

        if not neural.available():
            where = neural.model_dir()
            reason = f"no {neural.WEIGHTS_FILE} and {neural.CONFIG_FILE}"
            raise NewsgraphError(Errors.E032, path=where, reason=reason)
        neural.require()
    # A local path is made here (so a bad one fails before Spark starts) and holds the logs; a URI
    # (hdfs://, s3a://, file://) is written by Spark through Hadoop's filesystems, logs kept locally.
    out_uri = out if is_remote(out) else None
    out_path = Path(out[len("file://") :] if out.startswith("file://") else out)
    if out_uri is None:
        try:
            out_path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise NewsgraphError(Errors.E018, path=out, reason=one_line(exc.strerror or str(exc))) from None
    target = out_uri.rstrip("/") if out_uri else str(out_path.absolute())
    remote = any(is_remote(spec) for spec in inputs)
    files, errors = ([], []) if remote else list_inputs(inputs)
    if not files and not remote:  # nothing to analyse: say why, without starting Spark
        summary = RunSummary(failed=len(errors), messages=[str(e) for e in errors])
        summary.seconds = time.perf_counter() - started
        return summary
    settings = Settings(model=model, threshold=threshold, published=published, max_bytes=max_bytes)
    summary = RunSummary()
    logs = Path(log_dir) if log_dir else out_path / "_logs" if out_uri is None else Path(temporary_log_dir())
    summary.log = str(logs / "spark.log")
    with spark_session(master, logs) as spark:
        if warm:  # start every Python worker and load its pipeline now, counted as start-up
            _warm_workers(spark, settings)
        summary.startup_seconds = time.perf_counter() - started
        try:
            if remote:  # listed through Hadoop's filesystems, which need the running JVM
                files, errors = list_inputs(inputs, list_remote(spark))
                if not files:
                    summary.failed, summary.messages = len(errors), [str(e) for e in errors]
                    summary.seconds = time.perf_counter() - started
                    return summary
            _analyse(spark, files, errors, settings, target, partitions, summary)
            if corpus:
                from newsgraph.spark.corpus import corpus_tables

                phase = time.perf_counter()
                corpus_tables(spark, target)
                summary.phases["corpus"] = time.perf_counter() - phase
        except NewsgraphError:
            raise
        except Exception as exc:
            raise NewsgraphError(Errors.E064, reason=_reason(exc), log=summary.log) from None
    summary.seconds = time.perf_counter() - started
    return summary


def _warm_workers(spark: Any, settings: Settings) -> None:
    """One task per core that loads the spaCy pipeline: Spark reuses those Python workers
    (``spark.python.worker.reuse``), so the analysis that follows finds the pipeline loaded."""
    from newsgraph.spark.analyse import load_pipeline

    cores = spark.sparkContext.defaultParallelism
    spark.sparkContext.parallelize(range(cores), cores).foreach(lambda _: load_pipeline(settings))


def _analyse(
    spark: Any, files: list[InputFile], errors: list[NewsgraphError], settings: Settings, out: str,
    partitions: int | None, summary: RunSummary,
) -> None:
    from newsgraph.io.sources import is_warc
    from newsgraph.spark.analyse import analyse_partition

    context = spark.sparkContext
    n = partitions or max(1, min(len(files), PARTITIONS_PER_CORE * context.defaultParallelism))
    local = [f for f in files if not f.remote]
    remote = [f for f in files if f.remote]
    parts = []
    if local:
        buckets = assign(local, max(1, min(n, len(local))) if remote else n)
        pairs = [(i, file) for i, bucket in enumerate(buckets) for file in bucket]
        parts.append(
            context.parallelize(pairs, len(buckets))
            .partitionBy(len(buckets), lambda i: i)
            .mapPartitions(lambda part: analyse_partition((file for _, file in part), settings))
        )
    # Remote files: Spark reads them (Hadoop's filesystems) and packs them into about n partitions.
    # Too big to analyse (and not an archive of many articles): a failure, and never read.
    too_big = [f for f in remote if f.size > settings.max_bytes and not is_warc(f.path)]
    for f in too_big:
        errors.append(NewsgraphError(Errors.E004, path=f.path, size=f.size, limit=settings.max_bytes))
    readable = {f.path: f for f in remote if f not in too_big}
    if readable:
        by_path = {_path_part(f.path): f for f in readable.values()}

        def file_of(key: str) -> InputFile:
            return readable.get(key) or by_path[_path_part(key)]

        parts.append(
            context.binaryFiles(",".join(readable), minPartitions=max(1, min(n, len(readable))))
            .mapPartitions(lambda part: analyse_partition(((file_of(k), data) for k, data in part), settings))
        )
    rows = parts[0] if len(parts) == 1 else context.union(parts) if parts else context.emptyRDD()
    # Inputs the driver could not list are failures too (one row per named input).
    listing = [
        ("failures", tables.input_key(str(e.fields.get("path", ""))), {
            "input": str(e.fields.get("path", "")), "record": 0, "code": e.code, "message": one_line(str(e)),
            "input_index": -1,
        })
        for e in errors
    ]
    if listing:
        rows = rows.union(context.parallelize(listing, 1))
    if is_remote(out):
        _write_with_spark(spark, rows, out, summary)
    else:
        keys = {tables.input_key(f.path) for f in files} | {key for _, key, _ in listing}
        _write_from_tasks(rows, Path(out), keys, summary, shared=context.master.startswith("local"))


def _write_from_tasks(rows: Any, out: Path, keys: set[str], summary: RunSummary, shared: bool) -> None:
    """A local output: the analysing tasks write their rows, the driver commits (``spark.files``).
    ``shared``: the tasks run on the driver's machine (local mode); otherwise that is checked first."""
    from newsgraph.spark import files

    staging = files.new_staging(out)
    phase = time.perf_counter()
    try:
        if not shared:
            files.check_shared(rows.context, staging)
        done = rows.mapPartitionsWithIndex(files.partition_writer(str(staging))).collect()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # the job failed: nothing of it is committed
        raise
    summary.phases["analysis"] = time.perf_counter() - phase
    phase = time.perf_counter()
    files.commit(out, staging, done, keys)
    summary.phases["writes"] = time.perf_counter() - phase
    summary.analysed = sum(task.counts.get(tables.ARTICLES, 0) for task in done)
    summary.failed = sum(task.counts.get(tables.FAILURES, 0) for task in done)
    summary.messages = [m for task in done for m in task.messages][:SHOWN_FAILURES]


def _write_with_spark(spark: Any, rows: Any, out: str, summary: RunSummary) -> None:
    """An output URI (HDFS, S3...): each table written by Spark's Parquet writer through Hadoop's
    filesystems, partitioned by input with dynamic partition overwrite (see the module docstring)."""
    from pyspark import StorageLevel

    # Packed: one pickled block of value tuples per table and input (``tables.pack``), so that a
    # table's write unpickles its own rows only.
    packed = rows.mapPartitions(tables.pack).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        # Counting first analyses every article once, on every core, into the persisted blocks;
        # the tables' writes then only read them (run together with the analysis still to do,
        # a write's task could wait on a partition another task is analysing, leaving a core idle).
        phase = time.perf_counter()
        counts = packed.aggregate({}, _add_block, _add_counts)
        summary.phases["analysis"] = time.perf_counter() - phase
        summary.analysed = counts.get(tables.ARTICLES, 0)
        summary.failed = counts.get(tables.FAILURES, 0)
        if summary.failed:  # (``take`` runs a job per few partitions until it has enough)
            message = tables.schemas()[tables.FAILURES].names.index("message")
            summary.messages = [
                values[message]
                for values in packed.filter(lambda block: block[0] == tables.FAILURES)
                .flatMap(lambda block: pickle.loads(block[3]))
                .take(SHOWN_FAILURES)
            ]

        def write(table: str) -> None:
            values = packed.filter(lambda block, t=table: block[0] == t).flatMap(tables.unpack)
            # verifySchema off: the values are the table's own (``tables.pack``), typed by its schema.
            frame = spark.createDataFrame(values, _spark_schema(table), verifySchema=False)
            frame.write.mode("overwrite").partitionBy(tables.PARTITION).parquet(f"{out}/{table}")

        # One Spark job per table, submitted together: each table's write ends in work on the
        # driver (committing a file per input), which the other tables' tasks overlap.
        phase = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(tables.table_names())) as pool:
            for done in [pool.submit(write, table) for table in tables.table_names()]:
                done.result()
        summary.phases["writes"] = time.perf_counter() - phase
    finally:
        packed.unpersist()


def _add_block(counts: dict[str, int], block: tuple[str, str, int, bytes]) -> dict[str, int]:
    """Rows per table: ``aggregate``'s step over packed blocks (no shuffle, unlike ``reduceByKey``)."""
    counts[block[0]] = counts.get(block[0], 0) + block[2]
    return counts


def _add_counts(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {table: a.get(table, 0) + b.get(table, 0) for table in a.keys() | b.keys()}


def _path_part(uri: str) -> str:
    """A URI without scheme and authority: Hadoop may write ``file:/x`` for ``file:///x``."""
    from urllib.parse import urlparse

    return urlparse(uri).path


def temporary_log_dir() -> str:
    return tempfile.mkdtemp(prefix="newsgraph-spark-")
