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
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from importlib import metadata
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from newsgraph.errors import Errors, NewsgraphError
from newsgraph.models import Analysis
from newsgraph.reading import MAX_BYTES, ReadArticle, parse_published

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


class OutputFormat(StrEnum):
    json = "json"
    text = "text"
    brat = "brat"


# ---------------------------------------------------------------- messages


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


def _internal(path: str, exc: BaseException) -> NewsgraphError:
    """An unexpected exception as a coded one-line error (E999) naming the input it happened on."""
    return NewsgraphError(Errors.E999, path=path, reason=_one_line(f"{type(exc).__name__}: {exc}"))


def _label(read: ReadArticle) -> str:
    """How messages name an article: its file, plus the record name for one of several in a file."""
    if read.path is None:
        return read.name
    if Path(read.path).stem == read.name:
        return read.path
    return f"{read.path}: {read.name}"


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
    from newsgraph.reading import iter_inputs, read_path, read_stdin

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


Outcome = tuple[ReadArticle, Analysis | NewsgraphError] | NewsgraphError
AnalyzeArticles = Callable[..., Iterator[Analysis]]


def _analysed(
    items: Iterable[ReadArticle | NewsgraphError], analyze_articles: AnalyzeArticles, n_process: int
) -> Iterator[Outcome]:
    """Stream ``(read, analysis)`` pairs and reading errors, in input order, surviving crashes.

    ``analyze_articles`` works in batches, so an unexpected exception on one
    article ends the whole stream. We keep the articles handed over but not
    yet returned in ``pending``; after a crash the first batch of them is
    analysed one by one (the culprit becomes an E999 line, its neighbours
    still get their analysis) and the stream restarts with the rest.
    Reading errors wait in the same queue so that messages keep input order.
    """
    pending: deque[ReadArticle | NewsgraphError] = deque()

    def feed(source: Iterator[ReadArticle | NewsgraphError]) -> Iterator[ReadArticle]:
        for item in source:
            pending.append(item)
            if isinstance(item, ReadArticle):
                yield item

    def leading_errors() -> Iterator[NewsgraphError]:
        while pending and isinstance(pending[0], NewsgraphError):
            yield pending.popleft()  # type: ignore[misc]

    source: Iterator[ReadArticle | NewsgraphError] = iter(items)
    while True:
        try:
            for analysis in analyze_articles(feed(source), n_process=n_process, batch_size=BATCH_SIZE):
                yield from leading_errors()
                read = pending.popleft()  # leading_errors() left a ReadArticle in front
                yield read, analysis  # type: ignore[misc]
        except Exception:
            stuck = list(pending)
            pending.clear()
            if not any(isinstance(item, ReadArticle) for item in stuck):
                raise  # not about any article (e.g. the model failed to load)
            suspects: list[ReadArticle | NewsgraphError] = []
            while stuck and sum(isinstance(i, ReadArticle) for i in suspects) < BATCH_SIZE:
                suspects.append(stuck.pop(0))
            for item in suspects:
                if isinstance(item, NewsgraphError):
                    yield item
                    continue
                try:
                    yield item, next(iter(analyze_articles([item], n_process=1)))
                except Exception as single:
                    yield item, _internal(_label(item), single)
            source = _chain(stuck, source)
            continue
        yield from leading_errors()
        return


def _chain(
    first: list[ReadArticle | NewsgraphError], rest: Iterator[ReadArticle | NewsgraphError]
) -> Iterator[ReadArticle | NewsgraphError]:
    yield from first
    yield from rest


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
        from newsgraph import render

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
            from newsgraph.brat import to_ann

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
    try:
        tally = _run_analyze(inputs, format, out, published, processes, max_bytes)
    except (typer.Exit, BrokenPipeError, KeyboardInterrupt):
        raise
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
) -> _Tally:
    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise NewsgraphError(Errors.E018, path=str(out), reason=_one_line(str(exc))) from None
    from newsgraph import pipeline  # spaCy: only now

    pipeline.load()  # fail once, clearly, if the model is missing; forked workers inherit it
    tally = _Tally()
    output = _Output(fmt, out)
    reads = _within(
        _reads(inputs, published=published, max_bytes=max_bytes, stdin=sys.stdin), pipeline.MAX_CHARS
    )
    for outcome in _analysed(reads, pipeline.analyze_articles, processes):
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
) -> None:
    """Score newsgraph's attributions against gold annotations (the official scorer's table)."""
    try:
        from newsgraph.evaluation import evaluate, format_table

        result = evaluate(split_dir, n_process=processes, limit=limit, predictions_out=predictions)
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


def main() -> None:
    """Console-script entry point (``newsgraph``); ``python -m newsgraph`` runs the same."""
    app(prog_name=PROG)
