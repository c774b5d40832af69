"""One catalogue of coded, user-facing error messages.

Why one place: every message a user can see on stderr is listed here with a
stable code, so documentation, tests and bug reports can refer to "E003"
rather than to wording that may change. Raise ``NewsgraphError(Errors.E003,
path=...)``; the CLI prints ``str(error)`` as one line and exits non-zero.
"""

from __future__ import annotations


class Errors:
    """Error codes and their message templates (``str.format`` fields)."""

    E001 = "E001 {path}: file is empty"
    E002 = "E002 {path}: looks like a binary file ({reason}), not an article"
    E003 = "E003 {path}: cannot decode the text (not UTF-8 and no other encoding fits)"
    E004 = "E004 {path}: file is {size:,} bytes, above the limit of {limit:,} bytes (--max-bytes)"
    E005 = "E005 {path}: no such file or directory"
    E006 = "E006 {path}: unsupported input format {fmt!r} (expected txt, html, json or jsonl)"
    E007 = "E007 {path}: invalid JSON on line {line}: {reason}"
    E008 = "E008 {path}: JSON record has no 'text' (or 'html') field"
    E009 = "E009 {path}: HTML page contains no article text"
    E010 = "E010 {path}: cannot read the file: {reason}"
    E011 = "E011 {value!r} is not a date (expected YYYY-MM-DD or an ISO 8601 timestamp)"
    E012 = "E012 {path}: the split directory needs text/ and attributions/ sub-directories"
    E013 = "E013 {path}: --out is required for --format brat"
    E014 = "E014 {path}: no article files found (looked for .txt, .html, .htm, .json, .jsonl)"
    E015 = "E015 {path}: text is {size:,} characters, above the limit of {limit:,}"
    E016 = "E016 {path}: line {line}: malformed BRAT standoff line: {reason}"
    E017 = "E017 {doc}: span {start}-{end} outside the text (length {length})"
    E018 = "E018 {path}: cannot write the output: {reason}"
    E019 = "E019 {path}: cannot store the article in the database: {reason}"
    E020 = "E020 {name!r}: no actor of that name in the database"
    E021 = "E021 {name!r} names {count} actors; pick one by id: newsgraph actor id:N"
    E022 = "E022 {path}: no such database (run newsgraph ingest first, or give --db)"
    E023 = "E023 {path}: cannot download: {reason}"
    E024 = "E024 {path}: cannot fetch {scheme!r} URLs (only http and https)"
    E025 = "E025 {path}: content is over the limit of {limit:,} bytes (--max-bytes)"
    E026 = "E026 {path}: neither an HTML page nor an RSS/Atom feed (content type {ctype})"
    E027 = "E027 {path}: not a readable RSS/Atom feed: {reason}"
    E028 = "E028 {path}: feed entry {n} has no link to its page"
    E029 = "E029 {path}: corrupt WARC data at byte {offset:,}: {reason}"
    E030 = "E030 {path}: cannot open the database: {reason}"
    E031 = "E031 {path}: database failure, ingest stopped after storing {stored} articles: {reason}"
    E032 = "E032 {path}: no trained attribution model there ({reason}); use --model rules or newsgraph train"
    E033 = "E033 unknown attribution model {model!r}: use 'trained', 'rules' or 'neural'"
    E034 = "E034 the trained attribution model needs its extras: pip install 'newsgraph[model]' ({reason})"
    E035 = "E035 {path}: cannot read the metadata file: {reason}"
    E036 = "E036 {path}: cannot use the attribution weights ({reason}): {fix}"
    E037 = "E037 cannot train on device {device!r}: {reason}; use --device cpu"
    E040 = "E040 {path}: analysis stopped after {seconds:.1f} s, over the time budget of {budget:g} s"
    E050 = "E050 {what} {value}: out of range (expected {low} to {high:,})"
    E051 = "E051 {what} {value!r}: not valid UTF-8 (give the text in UTF-8)"
    E052 = "E052 {path}: database error: {reason}"
    E053 = "E053 {path}: JSON nested too deeply (no article record nests like that)"
    E054 = "E054 interrupted by {signal} after {done}: {resume}"
    E060 = "E060 {path}: the analysis crashed its worker process ({reason}); skipped on Spark's retry"
    E061 = "E061 no Java runtime for Spark ({reason}): install Java 17 or set JAVA_HOME"
    E062 = "E062 {master!r} is not a Spark master URL (local[N], local[*], spark://HOST:PORT, yarn, k8s://...)"
    E063 = "E063 {master}: cannot reach the Spark master: {reason}"
    E064 = "E064 the Spark job failed: {reason} (Spark's own log: {log})"
    E065 = "E065 {path}: not a newsgraph Spark dataset: {reason}"
    E066 = "E066 Spark is not installed: pip install 'newsgraph[spark]' ({reason})"
    E067 = (
        "E067 {path}: the tasks wrote files the driver cannot see: --out must be a folder the driver"
        " and every executor share, or a URI (hdfs://, s3a://)"
    )
    E070 = "E070 the event export writes csv or parquet, not {format}"
    E999 = "E999 {path}: internal error: {reason} (please report this with the input)"


class Warnings:
    """Warning codes: the analysis still produces valid output."""

    W001 = "W001 {path}: text looks like {lang!r}, not English; attributions may be missed"
    W002 = "W002 {path}: decoded as {encoding} (not UTF-8)"
    W003 = "W003 {path}: unbalanced quotation marks; a quote may run to the end of its paragraph"
    W004 = "W004 {path}: ignored the published date {value!r} (expected YYYY-MM-DD or ISO 8601)"
    W005 = "W005 {path}: metadata has no id column (expected one of: {expected}); metadata not used"
    W006 = "W006 {path}: {count} metadata row(s) name no input read in this run: {examples}"
    W007 = "W007 {path}: line {line}: duplicate metadata row for {id!r}; the first one is used"
    W008 = "W008 {path}: line {line}: ignored the metadata date {value!r} (expected YYYY-MM-DD or ISO 8601)"
    W009 = "W009 {path}: metadata is not UTF-8; read as {encoding}"
    W010 = "W010 {path}: replaced {count} lone surrogate or NUL character(s) with U+FFFD"
    W011 = "W011 {path}: URL is {length:,} characters, above the limit of {limit:,}; stored without it"
    W070 = "W070 {path}: events could not be coded ({reason}); the rest of the analysis stands"


class NewsgraphError(Exception):
    """An expected failure with a coded, one-line message for the user."""

    def __init__(self, template: str, **fields: object) -> None:
        self.code = template.split(" ", 1)[0]
        self.template = template
        self.fields = fields
        super().__init__(template.format(**fields))

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        """Pickle by template and fields (errors travel back from worker processes)."""
        return _rebuild, (self.template, self.fields)


def _rebuild(template: str, fields: dict[str, object]) -> NewsgraphError:
    return NewsgraphError(template, **fields)
