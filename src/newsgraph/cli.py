"""The ``newsgraph`` command: a thin shell over the library.

Why thin: every decision about reading, analysing and formatting lives in the
library (``reading``, ``pipeline``, ``render``, ``brat``, ``evaluation``), so
the command line and Python users get the same results. What the CLI adds is
the contract with the shell: output goes to stdout (or ``--out``), every
problem is one ``newsgraph: error: E0NN ...`` line on stderr, one bad file
never stops the others, and no traceback ever reaches the user. Exit status:
0 when every input was analysed, 1 when any failed, 2 for usage errors.

spaCy is imported only inside the commands that analyse, so ``--help`` and
``--version`` answer at once.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from newsgraph.analysis.budget import DEFAULT_TIME_BUDGET
from newsgraph.analysis.neural import DEFAULT_ENGINE
from newsgraph.errors import Errors, NewsgraphError
from newsgraph.io.reading import MAX_BYTES, ReadArticle, parse_published
from newsgraph.models import Analysis
from newsgraph.outcomes import analyzed, internal_error, label, one_line
from newsgraph.shutdown import interruptible

PROG = "newsgraph"

BATCH_SIZE = 8
"""Articles per ``nlp.pipe`` batch; also how many articles are re-checked one by one after a crash."""

app = typer.Typer(
    name=PROG,
    help="Who said what, to whom, according to whom: attribution analysis for news articles.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


class Engine(StrEnum):
    """Which attribution engine finds the spans (see ``newsgraph.analysis.attributions``)."""

    trained = "trained"
    rules = "rules"
    neural = "neural"


ModelOption = Annotated[
    Engine,
    typer.Option(
        "--model", "-m",
        help="Attribution engine: trained (learned trees over the rules' candidates, shipped), "
        "rules (the rules alone, faster), or neural (the MiniLM tagger; weights not shipped).",
    ),
]
DEFAULT_ENGINE_OPTION = Engine(DEFAULT_ENGINE)
ThresholdOption = Annotated[
    float,
    typer.Option(
        "--threshold", min=0.0, max=1.0,
        help="Drop attributions less confident than this (0-1): higher trades recall for precision.",
    ),
]
TimeBudgetOption = Annotated[
    float,
    typer.Option(
        "--time-budget", min=0.0, metavar="SECONDS",
        help="Give up on an article (E040) after this many seconds, more for one over 200,000 "
        "characters; 0: no limit.",
    ),
]


class OutputFormat(StrEnum):
    json = "json"
    text = "text"
    brat = "brat"


# ---------------------------------------------------------------- messages


# One-line messages, E999 for the unexpected, and article labels are shared with ingest.
_one_line = one_line
_internal = internal_error
_label = label


def _error_line(error: NewsgraphError | str) -> None:
    typer.echo(f"{PROG}: error: {_one_line(str(error))}", err=True)


def _warning_line(warning: str) -> None:
    typer.echo(f"{PROG}: warning: {_one_line(warning)}", err=True)


class _Tally:
    """Counts for the end-of-run summary and the exit status."""

    def __init__(self) -> None:
        self.analysed = 0
        self.failed = 0
        self.warnings = 0

    def error(self, error: NewsgraphError | str) -> None:
        self.failed += 1
        _error_line(error)

    def warn(self, warning: str) -> None:
        self.warnings += 1
        _warning_line(warning)

    def summary(self) -> str:
        return f"{PROG}: analysed {self.analysed}, failed {self.failed}, warnings {self.warnings}"


# ---------------------------------------------------------------- inputs


def _guarded(path: str, make: Callable[[], Iterable[Any]]) -> Iterator[Any]:
    """Iterate a reader, turning a raised error into a yielded one so the other inputs go on."""
    try:
        yield from make()
    except NewsgraphError as error:
        yield error
    except Exception as exc:
        yield _internal(path, exc)


def _reads(
    inputs: Iterable[str], *, published: str | None, max_bytes: int, stdin: IO[Any]
) -> Iterator[ReadArticle | NewsgraphError]:
    """Every article of every input, in order; ``-`` is stdin, directories are expanded."""
    from newsgraph.io.reading import iter_inputs, read_path, read_stdin

    for arg in inputs:
        if arg == "-":
            yield from _guarded(
                "<stdin>", lambda: read_stdin(stdin, published=published, max_bytes=max_bytes)
            )
            continue
        for item in _guarded(arg, lambda arg=arg: iter_inputs([Path(arg)])):  # type: ignore[misc]
            if isinstance(item, NewsgraphError):
                yield item
            else:
                yield from _guarded(
                    str(item),
                    lambda item=item: read_path(item, published=published, max_bytes=max_bytes),  # type: ignore[misc]
                )


def _within(
    items: Iterable[ReadArticle | NewsgraphError], max_chars: int
) -> Iterator[ReadArticle | NewsgraphError]:
    """Turn texts longer than spaCy accepts into E015 here, rather than a crash in the parser."""
    for item in items:
        if isinstance(item, ReadArticle) and len(item.article.text) > max_chars:
            yield NewsgraphError(Errors.E015, path=_label(item), size=len(item.article.text), limit=max_chars)
        else:
            yield item


# ---------------------------------------------------------------- analysis


def _analysed(
    items: Iterable[ReadArticle | NewsgraphError], analyze_articles: Callable[..., Iterator[Analysis]],
    n_process: int,
) -> Iterator[Any]:
    """``(read, analysis)`` pairs and errors in input order, surviving crashes: see ``outcomes.analyzed``."""
    return analyzed(items, analyze_articles, n_process=n_process, batch_size=BATCH_SIZE)


# ---------------------------------------------------------------- output


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class _Output:
    """Writes each analysis in the chosen format as soon as it is ready (nothing is kept)."""

    def __init__(self, fmt: OutputFormat, out: Path | None) -> None:
        self.fmt = fmt
        self.out = out
        self.used: set[str] = set()
        self.held: dict[str, Any] | None = None  # first JSON object, until we know if it is alone
        self.emitted = 0

    def file_name(self, name: str) -> str:
        """A safe, unique file stem for an article name (``a/b.txt#3`` -> ``a_b.txt_3``)."""
        stem = _UNSAFE.sub("_", name).strip("._") or "article"
        unique, n = stem, 1
        while unique in self.used:
            n += 1
            unique = f"{stem}-{n}"
        self.used.add(unique)
        return unique

    def write(self, read: ReadArticle, analysis: Analysis) -> None:
        from newsgraph.io import render

        if self.fmt is OutputFormat.json:
            obj = render.to_json(analysis, name=read.name, path=read.path)
            if self.out is not None:
                self._write_file(f"{self.file_name(read.name)}.json", _dumps(obj, pretty=True))
            elif self.held is None and self.emitted == 0:
                self.held = obj
            else:
                if self.held is not None:
                    self._emit(_dumps(self.held, pretty=False))
                    self.held = None
                self._emit(_dumps(obj, pretty=False))
        elif self.fmt is OutputFormat.text:
            if self.out is not None:
                stem = self.file_name(read.name)
                self._write_file(f"{stem}.report.txt", render.to_text(analysis, name=read.name))
            else:
                from rich.console import Console

                if self.emitted:
                    sys.stdout.write("\n")
                console = Console(file=sys.stdout, highlight=False)
                if console.is_terminal:  # colours and the terminal's width
                    console.print(render.report(analysis, name=read.name))
                else:  # piped or redirected: plain text without trailing blanks
                    sys.stdout.write(render.to_text(analysis, console.width, name=read.name))
                self.emitted += 1
        else:
            from newsgraph.io.brat import to_ann

            assert self.out is not None
            stem = self.file_name(read.name)
            ann = to_ann(analysis)
            self._write_file(f"{stem}.txt", analysis.article.text)
            self._write_file(f"{stem}.ann", ann)

    def close(self) -> None:
        if self.held is not None:
            self._emit(_dumps(self.held, pretty=True))
            self.held = None

    def _emit(self, line: str) -> None:
        sys.stdout.write(line + "\n")
        self.emitted += 1

    def _write_file(self, name: str, content: str) -> None:
        assert self.out is not None
        # newline="" keeps the text byte-for-byte, so BRAT offsets stay valid on every platform.
        with open(self.out / name, "w", encoding="utf-8", newline="") as f:
            f.write(content)


def _dumps(obj: Any, *, pretty: bool) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2 if pretty else None)


# ---------------------------------------------------------------- commands


def _version(value: bool) -> None:
    if value:
        try:
            version = metadata.version("newsgraph")
        except metadata.PackageNotFoundError:
            version = "unknown"
        typer.echo(f"{PROG} {version}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Who said what, to whom, according to whom: attribution analysis for news articles."""


@app.command()
def analyze(
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE_OR_DIR",
            help="Articles (.txt, .html, .json, .jsonl) or directories of them; - reads stdin.",
            show_default=False,
        ),
    ],
    format: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="json (JSON Lines for several articles), text, or brat."),
    ] = OutputFormat.json,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Write one file per article into this directory instead of stdout.",
            file_okay=False,
        ),
    ] = None,
    published: Annotated[
        str | None,
        typer.Option(help="Publication date (YYYY-MM-DD) for articles that do not carry one."),
    ] = None,
    processes: Annotated[int, typer.Option("--processes", "-p", min=1, help="Worker processes.")] = 1,
    max_bytes: Annotated[
        int, typer.Option(min=1, help="Skip input files larger than this many bytes (E004).")
    ] = MAX_BYTES,
    model: ModelOption = DEFAULT_ENGINE_OPTION,
    threshold: ThresholdOption = 0.0,
    time_budget: TimeBudgetOption = DEFAULT_TIME_BUDGET,
) -> None:
    """Find attributions, actors and authorial sentences in news articles."""
    if published is not None:
        try:
            published = parse_published(published)
        except NewsgraphError as error:
            _error_line(error)
            raise typer.Exit(2) from None
    if format is OutputFormat.brat and out is None:
        _error_line(NewsgraphError(Errors.E013, path=inputs[0]))
        raise typer.Exit(2)
    tally = _Tally()
    try:
        with interruptible():
            _run_analyze(
                inputs, format, out, published, processes, max_bytes, model.value, threshold, time_budget,
                tally,
            )
    except (typer.Exit, BrokenPipeError):
        raise
    except KeyboardInterrupt as stop:
        _interrupted(stop, f"analysing {tally.analysed} articles", "run again on the inputs not yet analysed")
    except NewsgraphError as error:
        _error_line(error)
        raise typer.Exit(1) from None
    except Exception as exc:
        _error_line(_internal("-", exc))
        raise typer.Exit(1) from None
    if tally.analysed + tally.failed > 1:
        typer.echo(tally.summary(), err=True)
    if tally.failed:
        raise typer.Exit(1)


def _run_analyze(
    inputs: list[str],
    fmt: OutputFormat,
    out: Path | None,
    published: str | None,
    processes: int,
    max_bytes: int,
    model: str,
    threshold: float,
    time_budget: float = DEFAULT_TIME_BUDGET,
    tally: _Tally | None = None,
) -> _Tally:
    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise NewsgraphError(Errors.E018, path=str(out), reason=_one_line(str(exc))) from None
    from newsgraph.analysis import pipeline  # spaCy: only now

    pipeline.load(model, threshold)  # fail once, clearly, if a model is missing; forked workers inherit it
    tally = tally if tally is not None else _Tally()
    output = _Output(fmt, out)
    reads = _within(
        _reads(inputs, published=published, max_bytes=max_bytes, stdin=sys.stdin), pipeline.MAX_CHARS
    )
    analyze_articles = partial(
        pipeline.analyze_articles, model=model, threshold=threshold, time_budget=time_budget
    )
    for outcome in _analysed(reads, analyze_articles, processes):
        if isinstance(outcome, NewsgraphError):
            tally.error(outcome)
            continue
        read, analysis = outcome
        if isinstance(analysis, NewsgraphError):
            tally.error(analysis)
            continue
        try:
            output.write(read, analysis)
        except BrokenPipeError:
            raise
        except OSError as exc:
            tally.error(NewsgraphError(Errors.E018, path=_label(read), reason=_one_line(str(exc))))
            continue
        except Exception as exc:
            tally.error(_internal(_label(read), exc))
            continue
        tally.analysed += 1
        for warning in analysis.warnings:
            tally.warn(warning)
    output.close()
    return tally


@app.command("eval")
def eval_(
    split_dir: Annotated[
        Path,
        typer.Argument(
            metavar="SPLIT_DIR", help="A split in PolNeAR layout: text/NAME.txt and attributions/NAME_*.ann."
        ),
    ],
    processes: Annotated[int, typer.Option("--processes", "-p", min=1, help="Worker processes.")] = 1,
    limit: Annotated[
        int | None, typer.Option(min=0, help="Score only the first N documents (0: all).")
    ] = None,
    predictions: Annotated[
        Path | None,
        typer.Option(help="Also write the predictions as JSONL, for the official scorer.", dir_okay=False),
    ] = None,
    model: ModelOption = DEFAULT_ENGINE_OPTION,
    threshold: ThresholdOption = 0.0,
) -> None:
    """Score newsgraph's attributions against gold annotations (the official scorer's table)."""
    try:
        from newsgraph.eval.scoring import evaluate, format_table

        result = evaluate(
            split_dir, n_process=processes, limit=limit, predictions_out=predictions,
            model=model.value, threshold=threshold,
        )
        table = format_table(result)
    except (typer.Exit, BrokenPipeError, KeyboardInterrupt):
        raise
    except NewsgraphError as error:
        _error_line(error)
        raise typer.Exit(1) from None
    except OSError as exc:
        _error_line(NewsgraphError(Errors.E010, path=str(split_dir), reason=_one_line(str(exc))))
        raise typer.Exit(1) from None
    except Exception as exc:
        _error_line(_internal(str(split_dir), exc))
        raise typer.Exit(1) from None
    typer.echo(table)


@app.command("ingest")
def ingest_(
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="PATH_OR_URL",
            help="Article files or directories, feed or page URLs (http, https), .warc / .warc.gz files.",
            show_default=False,
        ),
    ],
    db: Annotated[
        str | None,
        typer.Option("--db", help="SQLite file or database URL (postgresql://...); default ./newsgraph.db."),
    ] = None,
    processes: Annotated[int, typer.Option("--processes", "-p", min=1, help="Worker processes.")] = 2,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Articles stored per transaction.")
    ] = 32,
    published: Annotated[
        str | None,
        typer.Option(help="Publication date (YYYY-MM-DD) for articles that do not carry one."),
    ] = None,
    max_bytes: Annotated[
        int, typer.Option(min=1, help="Skip files, pages and WARC records larger than this many bytes.")
    ] = MAX_BYTES,
    no_progress: Annotated[
        bool, typer.Option("--no-progress", help="No progress line on stderr (it shows only on a terminal).")
    ] = False,
    model: ModelOption = DEFAULT_ENGINE_OPTION,
    threshold: ThresholdOption = 0.0,
    time_budget: TimeBudgetOption = DEFAULT_TIME_BUDGET,
    metadata: Annotated[
        Path | None,
        typer.Option(
            "--metadata",
            help="TSV or CSV with a header: an id/filename column and any of title, published, "
            "outlet (publisher), author, url; fills those fields of the matching articles.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Analyse articles, feeds and web archives and store them in a corpus database."""
    from newsgraph.store.ingest import IngestSummary, ingest

    try:
        published = parse_published(published)
        _check_text("--db", db)
    except NewsgraphError as error:
        _error_line(error)
        raise typer.Exit(2) from None

    def error_above_progress(error: NewsgraphError) -> None:
        # print(), not typer.echo: while the progress line is live, rich redirects sys.stderr and
        # prints the message above it, where click would write it onto the progress line.
        print(f"{PROG}: error: {_one_line(str(error))}", file=sys.stderr, flush=True)

    def warning_above_progress(message: str) -> None:
        print(f"{PROG}: warning: {_one_line(message)}", file=sys.stderr, flush=True)

    # Filled in as articles are stored: the summary line is printed however the run ends.
    summary = IngestSummary()
    try:
        with interruptible():
            ingest(
                inputs, db=db, n_process=processes, batch_size=batch_size, published=published,
                max_bytes=max_bytes, progress=not no_progress, on_error=error_above_progress,
                model=model.value, threshold=threshold, time_budget=time_budget,
                metadata=metadata, on_warning=warning_above_progress, summary=summary,
            )
    except (typer.Exit, BrokenPipeError):
        raise
    except KeyboardInterrupt as stop:
        _interrupted(
            stop, f"storing {summary.stored} articles",
            "run the same command again to go on (stored articles are skipped)", summary=f"{PROG}: {summary}",
        )
    except NewsgraphError as error:
        _error_line(error)
        typer.echo(f"{PROG}: {summary}", err=True)
        raise typer.Exit(1) from None
    except Exception as exc:
        _error_line(_store_failure(db, exc))
        typer.echo(f"{PROG}: {summary}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{PROG}: {summary}", err=True)
    if summary.failed:
        raise typer.Exit(1)


@app.command("train")
def train_(
    train_dir: Annotated[
        Path, typer.Option("--train", help="Training split in PolNeAR layout (text/, attributions/).")
    ],
    dev_dir: Annotated[
        Path,
        typer.Option("--dev", help="Development split: picks the threshold (trained) or epoch (neural)."),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Directory for the weights and their config.", file_okay=False)
    ],
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine", help="What to train: trained (LightGBM trees, minutes on a CPU) or neural (MiniLM)."
        ),
    ] = Engine.trained,
    epochs: Annotated[int, typer.Option(min=1, help="neural: passes over the training split.")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed (same seed and data: same weights).")] = 13,
    threads: Annotated[int, typer.Option(min=1, help="CPU threads for LightGBM or PyTorch.")] = 2,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Train on the first N training articles only (quick checks).")
    ] = None,
    device: Annotated[
        str, typer.Option(help="neural: where PyTorch runs, cpu or cuda (a GPU: fast, not bit-repeatable).")
    ] = "cpu",
) -> None:
    """Train an attribution engine on PolNeAR-style data.

    trained: writes OUT/attribution-trees.json (use it with NEWSGRAPH_TREES=OUT);
    neural: writes OUT/weights.safetensors and config.json (NEWSGRAPH_MODEL=OUT).
    """
    started = time.perf_counter()
    log = lambda line: typer.echo(f"{PROG}: {line}", err=True)  # noqa: E731
    if engine is Engine.rules:
        raise typer.BadParameter("the rules are not trained: use trained or neural", param_hint="--engine")
    if device != "cpu" and engine is not Engine.neural:
        raise typer.BadParameter("only --engine neural runs on a GPU", param_hint="--device")
    try:
        if engine is Engine.trained:
            from newsgraph.analysis.learned import WEIGHTS_FILE
            from newsgraph.eval.trees import train as train_trees

            meta = train_trees(
                train_dir, dev_dir, out / WEIGHTS_FILE, seed=seed, threads=threads, limit=limit, log=log
            )
            f1 = meta["dev_who_what_f1"]
            typer.echo(
                f"{PROG}: trained in {time.perf_counter() - started:.0f} s on {threads} thread(s): "
                f"dev who-said-what F1 {f1:.3f} at threshold {meta['threshold']}; "
                f"use it with NEWSGRAPH_TREES={out}",
                err=True,
            )
            return
        from newsgraph.eval.training import train

        config = train(
            train_dir, dev_dir, out, epochs=epochs, seed=seed, threads=threads, limit=limit, device=device,
            log=log,
        )
    except (typer.Exit, BrokenPipeError, KeyboardInterrupt):
        raise
    except NewsgraphError as error:
        _error_line(error)
        raise typer.Exit(1) from None
    except OSError as exc:
        _error_line(NewsgraphError(Errors.E010, path=str(out), reason=_one_line(str(exc))))
        raise typer.Exit(1) from None
    except Exception as exc:
        _error_line(_internal(str(train_dir), exc))
        raise typer.Exit(1) from None
    f1 = config["dev_who_what_f1"]
    typer.echo(
        f"{PROG}: kept epoch {config['epoch']}: dev who-said-what F1 {f1:.3f} "
        f"(trained in {time.perf_counter() - started:.0f} s)",
        err=True,
    )


# ---------------------------------------------------------------- corpus queries


class ListFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class DetailFormat(StrEnum):
    table = "table"
    json = "json"


class ExportFormat(StrEnum):
    parquet = "parquet"
    jsonl = "jsonl"
    csv = "csv"


_DB_HELP = "SQLite file or database URL (postgresql://...); default ./newsgraph.db."
# The options every list command shares (quotes, figures, events), declared once.
SinceOption = Annotated[str | None, typer.Option("--since", help="Published on or after this date.")]
UntilOption = Annotated[str | None, typer.Option("--until", help="Published on or before this date.")]
LimitOption = Annotated[int, typer.Option("--limit", help="At most this many rows.")]
OffsetOption = Annotated[int, typer.Option("--offset", help="Skip this many first (paging).")]
ListFormatOption = Annotated[ListFormat, typer.Option("--format", "-f", help="table, json or csv.")]


def _query_store(db: str | None) -> Any:
    """Open an existing corpus for reading; a SQLite file that does not exist is E022, not a new corpus."""
    from newsgraph.store import open_store
    from newsgraph.store.queries import sqlite_path

    path = sqlite_path(db)
    if path is not None and not path.is_file():
        raise NewsgraphError(Errors.E022, path=str(path))
    return open_store(db)


def _run_query(db: str | None, what: Callable[[Any], None]) -> None:
    """Open the store, answer, close; every failure is one coded line and exit status 1."""
    store = None
    try:
        store = _query_store(db)
        what(store)
    except (typer.Exit, BrokenPipeError, KeyboardInterrupt):
        raise
    except NewsgraphError as error:
        _error_line(error)
        raise typer.Exit(1) from None
    except Exception as exc:
        _error_line(_store_failure(db, exc))
        raise typer.Exit(1) from None
    finally:
        if store is not None:
            store.close()


def _print_table(table: Any) -> None:
    from rich.console import Console

    console = Console(file=sys.stdout, highlight=False)
    if not console.is_terminal:  # piped: wide enough that columns are not squeezed to a few letters
        console = Console(file=sys.stdout, highlight=False, width=max(console.width, 160))
    console.print(table)


_MIN_CONFIDENCE_HELP = "Only statements the analysis is at least this sure of (0 to 1)."


@app.command("quotes")
def quotes_(
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
    speaker: Annotated[
        str | None, typer.Option("--speaker", help="Who said it: a name or alias (any case), or id:N.")
    ] = None,
    outlet: Annotated[str | None, typer.Option("--outlet", help="Only this outlet (any case).")] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    search: Annotated[
        str | None,
        typer.Option("--search", help='Words and "phrases" that must all occur (content, source, cue).'),
    ] = None,
    no_copies: Annotated[
        bool, typer.Option("--no-copies", help="Leave out near-duplicate copies of earlier articles.")
    ] = False,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    format: ListFormatOption = ListFormat.table,
    min_confidence: Annotated[
        float | None, typer.Option("--min-confidence", min=0.0, max=1.0, help=_MIN_CONFIDENCE_HELP)
    ] = None,
) -> None:
    """Statements in the corpus: who said what, where and when, newest first."""
    from newsgraph.store import queries

    try:
        since_d, until_d = queries.as_date(since), queries.as_date(until)
        _check_args(
            db=db, speaker=speaker, outlet=outlet, search=search, limit=limit, offset=offset
        )
    except NewsgraphError as error:
        _error_line(error)
        raise typer.Exit(2) from None

    def answer(store: Any) -> None:
        rows = queries.quotes(
            store, speaker=speaker, outlet=outlet, since=since_d, until=until_d, search=search,
            include_copies=not no_copies, limit=limit, offset=offset, min_confidence=min_confidence,
        )
        _emit_rows(rows, format, queries.quotes_csv, queries.quotes_table)

    _run_query(db, answer)


def _emit_rows(rows: list[Any], format: ListFormat, as_csv: Any, as_table: Any) -> None:
    """Print query rows as JSON, CSV or a table: the one output switch of quotes and actors."""
    if format is ListFormat.json:
        typer.echo(_dumps([row.to_dict() for row in rows], pretty=True))
    elif format is ListFormat.csv:
        sys.stdout.write(as_csv(rows))
    else:
        _print_table(as_table(rows))


@app.command("actors")
def actors_(
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
    top: Annotated[int, typer.Option("--top", help="How many actors, most quoted first.")] = 20,
    no_copies: Annotated[
        bool, typer.Option("--no-copies", help="Do not count statements in near-duplicate copies.")
    ] = False,
    format: ListFormatOption = ListFormat.table,
) -> None:
    """The most quoted actors in the corpus, with how often and when they were quoted."""
    from newsgraph.store import queries

    _usage_check(lambda: _check_args(db=db, top=top))

    def answer(store: Any) -> None:
        rows = queries.actors(store, top=top, include_copies=not no_copies)
        _emit_rows(rows, format, queries.actors_csv, queries.actors_table)

    _run_query(db, answer)


@app.command("actor")
def actor_(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="A name or alias (any case), or id:N.", show_default=False)
    ],
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
    limit: Annotated[int, typer.Option("--limit", help="List at most this many statements.")] = 20,
    format: Annotated[
        DetailFormat, typer.Option("--format", "-f", help="table or json.")
    ] = DetailFormat.table,
    min_confidence: Annotated[
        float | None, typer.Option("--min-confidence", min=0.0, max=1.0, help=_MIN_CONFIDENCE_HELP)
    ] = None,
) -> None:
    """One actor: titles over time, statements by date, whom they address, who addresses and quotes them."""
    from newsgraph.store import queries

    _usage_check(lambda: _check_args(db=db, name=name, limit=limit))

    def answer(store: Any) -> None:
        try:
            detail = queries.actor(store, name, limit=limit, min_confidence=min_confidence)
        except queries.AmbiguousActor as error:
            _error_line(error)
            for row in error.candidates:
                plural = "" if row.statements == 1 else "s"
                line = f"  id:{row.actor_id}  {row.name} ({row.type}), {row.statements} statement{plural}"
                typer.echo(line, err=True)
            raise typer.Exit(1) from None
        if detail is None:
            raise NewsgraphError(Errors.E020, name=name)
        if format is DetailFormat.json:
            typer.echo(_dumps(detail.to_dict(), pretty=True))
        else:
            for part in queries.actor_tables(detail):
                _print_table(part)

    _run_query(db, answer)


@app.command("figures")
def figures_(
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
    speaker: Annotated[
        str | None, typer.Option("--speaker", help="Who puts the figure forward: a name or alias, or id:N.")
    ] = None,
    author_only: Annotated[
        bool, typer.Option("--author-only", help="Only figures the articles state in their own voice.")
    ] = False,
    unit: Annotated[
        str | None, typer.Option("--unit", help="Only this unit (percent, dollar, person, ...).")
    ] = None,
    concept: Annotated[
        str | None,
        typer.Option("--concept", help="Words that must all occur in the concept or around the figure."),
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    format: ListFormatOption = ListFormat.table,
) -> None:
    """Figures in the corpus and who claims each (the claims ledger), newest first."""
    from newsgraph.store import facts, queries

    _usage_check(lambda: _check_args(db=db, speaker=speaker, limit=limit, offset=offset))
    _usage_check(lambda: [_check_text(o, v) for o, v in (("--unit", unit), ("--concept", concept))])
    try:
        since_d, until_d = queries.as_date(since), queries.as_date(until)
    except NewsgraphError as error:
        _error_line(error)
        raise typer.Exit(2) from None

    def answer(store: Any) -> None:
        rows = facts.claims(
            store, speaker=speaker, author_only=author_only, unit=unit, concept=concept, since=since_d,
            until=until_d, limit=limit, offset=offset,
        )
        _emit_rows(rows, format, facts.claims_csv, facts.claims_table)

    _run_query(db, answer)


class ExportWhat(StrEnum):
    attributions = "attributions"
    events = "events"


@app.command("export")
def export_(
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="parquet, jsonl or csv.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write.", dir_okay=False)],
    what: Annotated[
        ExportWhat, typer.Argument(help="attributions (default) or events (event data, csv or parquet).")
    ] = ExportWhat.attributions,
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
) -> None:
    """Every attribution (or every event), one row each with its article's metadata and offsets, to a file."""
    from newsgraph.store import queries
    from newsgraph.store.events import EVENT_EXPORT_FORMATS, export_events

    if what is ExportWhat.events and format.value not in EVENT_EXPORT_FORMATS:
        _error_line(NewsgraphError(Errors.E070, format=format.value))
        raise typer.Exit(2)

    _usage_check(lambda: _check_args(db=db))

    def answer(store: Any) -> None:
        if what is ExportWhat.events:
            written = export_events(store, format.value, out)
        else:
            written = queries.export(store, format.value, out)
        typer.echo(f"{PROG}: wrote {written}", err=True)

    _run_query(db, answer)


class EventSource(StrEnum):
    author = "author"
    attributed = "attributed"


@app.command("events")
def events_(
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="Who acted (the agent): a name or alias, or id:N.")
    ] = None,
    target: Annotated[
        str | None, typer.Option("--target", help="Whom it was done to: a name or id:N.")
    ] = None,
    type: Annotated[
        str | None, typer.Option("--type", help="A PLOVER type: CONSULT, ASSAULT, REJECT, ... (any case).")
    ] = None,
    place: Annotated[str | None, typer.Option("--place", help="Where: a place name or id:N.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="The event's date on or after this.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="The event's date on or before this.")] = None,
    source: Annotated[
        EventSource | None,
        typer.Option("--source", help="author (the article's own voice) or attributed (in a statement)."),
    ] = None,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    format: ListFormatOption = ListFormat.table,
) -> None:
    """Events in the corpus (PLOVER): who did what to whom, where and when, newest first."""
    from newsgraph.store import queries
    from newsgraph.store.events import events, events_csv, events_table

    def check() -> None:
        _check_args(db=db, limit=limit, offset=offset)
        for option, value in (("--actor", actor), ("--target", target), ("--place", place), ("--type", type)):
            _check_text(option, value)
            if value is not None and option != "--type":
                queries.check_actor_name(value, f"{option} id")

    _usage_check(check)
    try:
        since_d, until_d = queries.as_date(since), queries.as_date(until)
    except NewsgraphError as error:
        _error_line(error)
        raise typer.Exit(2) from None

    def answer(store: Any) -> None:
        rows = events(
            store, actor=actor, target=target, type=type, place=place, since=since_d, until=until_d,
            source=source.value if source else None, limit=limit, offset=offset,
        )
        _emit_rows(rows, format, events_csv, events_table)

    _run_query(db, answer)


@app.command("serve")
def serve_(
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            "--token", envvar="NEWSGRAPH_TOKEN", show_envvar=True,
            help="API token: needed to ingest and delete (and to read with --private).",
        ),
    ] = None,
    private: Annotated[
        bool, typer.Option("--private", help="Require the token for reading too (pages and API).")
    ] = False,
    max_bytes: Annotated[
        int | None, typer.Option("--max-bytes", min=1, help="Largest request body accepted (413 above).")
    ] = None,
    time_budget: TimeBudgetOption = DEFAULT_TIME_BUDGET,
    max_analyses: Annotated[
        int, typer.Option("--max-analyses", min=1, help="Analyze requests in progress at once (503 beyond).")
    ] = 4,
) -> None:
    """Serve the web app and the HTTP API on the corpus database."""
    if private and not token:
        _error_line("--private needs a token (--token or the NEWSGRAPH_TOKEN environment variable)")
        raise typer.Exit(2)
    _usage_check(lambda: _check_args(db=db))
    try:
        from newsgraph.web import MAX_BYTES as WEB_MAX_BYTES
        from newsgraph.web import create_app
        from newsgraph.web import server as web_server

        web_app = create_app(
            db, token=token, private=private, max_bytes=max_bytes or WEB_MAX_BYTES,
            time_budget=time_budget, max_analyses=max_analyses,
        )
        web_app.state.web.store()  # open (and migrate) now: a bad --db fails here, not on the first request
    except NewsgraphError as error:
        _error_line(error)
        raise typer.Exit(1) from None
    except Exception as exc:
        _error_line(_internal(db or "newsgraph.db", exc))
        raise typer.Exit(1) from None
    web_server.serve(web_app, host=host, port=port)


# ---------------------------------------------------------------- checks at the edge


def _check_text(option: str, value: str | None) -> None:
    """E051 for an argument that is not valid UTF-8 (the shell passed bytes Python could only
    smuggle in as lone surrogates): no name, search or database URL can be made of it."""
    if value is None:
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        shown = value.encode("utf-8", "backslashreplace").decode("utf-8")
        raise NewsgraphError(Errors.E051, what=option, value=shown) from None


def _check_args(
    *,
    db: str | None = None,
    speaker: str | None = None,
    outlet: str | None = None,
    search: str | None = None,
    name: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
    top: int | None = None,
) -> None:
    """The query commands' arguments checked before any database is opened: E050 (a number out
    of range, ``id:N`` beyond any row id) or E051 (not UTF-8)."""
    from newsgraph.store import queries

    for option, text in (("--db", db), ("--speaker", speaker), ("--outlet", outlet),
                         ("--search", search), ("NAME", name)):
        _check_text(option, text)
    for option, number in (("--limit", limit), ("--offset", offset), ("--top", top)):
        if number is not None:
            queries.check_count(option, number)
    if speaker is not None:
        queries.check_actor_name(speaker, "--speaker id")
    if name is not None:
        queries.check_actor_name(name, "id")


def _usage_check(check: Callable[[], None]) -> None:
    """Run ``check``; a coded error it raises is a usage error: one line and exit status 2."""
    try:
        check()
    except NewsgraphError as error:
        _error_line(error)
        raise typer.Exit(2) from None


def _store_failure(db: str | None, exc: Exception) -> NewsgraphError:
    """A database error as E052 (the driver's one-line reason, never the SQL statement); anything
    else as E999."""
    from sqlalchemy.exc import SQLAlchemyError

    from newsgraph.store.db import normalize_url, shown_url
    from newsgraph.store.write import db_reason

    if isinstance(exc, SQLAlchemyError):
        try:
            where = shown_url(normalize_url(db))
        except Exception:
            where = db or "newsgraph.db"
        return NewsgraphError(Errors.E052, path=where, reason=db_reason(exc))
    return _internal(db or "newsgraph.db", exc)


def _interrupted(stop: BaseException, done: str, resume: str, summary: str | None = None) -> None:
    """Ctrl-C or SIGTERM: one line (E054) saying what was done and how to go on, the summary, and
    the shell's exit status for the signal (130, 143). The workers are stopped by then."""
    from newsgraph.shutdown import exit_status, signal_name

    _error_line(NewsgraphError(Errors.E054, signal=signal_name(stop), done=done, resume=resume))
    if summary is not None:
        typer.echo(summary, err=True)
    raise typer.Exit(exit_status(stop)) from None
# ---------------------------------------------------------------- Spark


@app.command("spark")
def spark_(
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUT",
            help="Article files, directories, globs, .warc / .warc.gz archives.",
            show_default=False,
        ),
    ],
    out: Annotated[
        str, typer.Option("--out", "-o", help="The Parquet dataset's directory (one folder per table).")
    ],
    master: Annotated[
        str,
        typer.Option("--master", help="Spark master URL: local[*] (every core here), local[N], spark://HOST:PORT."),
    ] = "local[*]",
    partitions: Annotated[
        int | None,
        typer.Option("--partitions", min=1, help="Bins of input files, one task each (default 3 per core)"),
    ] = None,
    published: Annotated[
        str | None,
        typer.Option(help="Publication date (YYYY-MM-DD) for articles that do not carry one."),
    ] = None,
    max_bytes: Annotated[
        int, typer.Option(min=1, help="Skip files and WARC records larger than this many bytes.")
    ] = MAX_BYTES,
    model: ModelOption = DEFAULT_ENGINE_OPTION,
    threshold: ThresholdOption = 0.0,
) -> None:
    """Analyse articles as an Apache Spark job into a Parquet dataset (one table per kind of row)."""
    try:
        published = parse_published(published)
    except NewsgraphError as error:
        _error_line(error)
        raise typer.Exit(2) from None
    try:
        from newsgraph.spark.job import is_remote, run

        summary = run(
            inputs, out, master=master, partitions=partitions, model=model.value, threshold=threshold,
            published=published, max_bytes=max_bytes,
        )
    except (typer.Exit, BrokenPipeError):
        raise
    except KeyboardInterrupt:
        _error_line("interrupted: run the same command again to finish (nothing is duplicated)")
        raise typer.Exit(130) from None
    except NewsgraphError as error:
        _error_line(error)
        raise typer.Exit(1) from None
    except Exception as exc:
        _error_line(_internal(out, exc))
        raise typer.Exit(1) from None
    for message in summary.messages:
        _error_line(message)
    if summary.failed > len(summary.messages):
        more = summary.failed - len(summary.messages)
        typer.echo(f"{PROG}: ... and {more} more in {out}/failures", err=True)
    if is_remote(out) and summary.log:
        typer.echo(f"{PROG}: spark: Spark's log is {summary.log}", err=True)
    typer.echo(
        f"{PROG}: spark: {summary} (start-up {summary.startup_seconds:.1f} s, total {summary.seconds:.1f} s)",
        err=True,
    )
    if summary.failed:
        raise typer.Exit(1)


@app.command("load")
def load_(
    dataset: Annotated[
        Path, typer.Argument(metavar="DIR", help="A dataset written by newsgraph spark.", show_default=False)
    ],
    db: Annotated[str | None, typer.Option("--db", help=_DB_HELP)] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Articles stored per transaction.")
    ] = 32,
) -> None:
    """Store a newsgraph spark dataset in the corpus database (idempotent, like ingest)."""
    try:
        from newsgraph.spark.load import load

        summary = load(dataset, db=db, batch_size=batch_size, on_error=_error_line)
    except (typer.Exit, BrokenPipeError, KeyboardInterrupt):
        raise
    except NewsgraphError as error:
        _error_line(error)
        raise typer.Exit(1) from None
    except Exception as exc:
        _error_line(_internal(str(dataset), exc))
        raise typer.Exit(1) from None
    typer.echo(f"{PROG}: {str(summary).replace('ingested', 'loaded', 1)}", err=True)
    if summary.failed:
        raise typer.Exit(1)


def main() -> None:
    """Console-script entry point (``newsgraph``); ``python -m newsgraph`` runs the same."""
    app(prog_name=PROG)
