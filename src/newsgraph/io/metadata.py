"""Metadata for plain-text corpora: a TSV or CSV file that dates and names the articles.

Why: a directory of ``.txt`` files carries no dates, outlets or authors, so
timelines, date filters and "who quotes X" stay empty; corpora such as
PolNeAR ship that metadata in a side file instead. ``newsgraph ingest DIR
--metadata FILE`` reads it here and fills each article's fields before it
is analysed and stored.

The file: TSV or CSV (recognised from the header line), UTF-8 (other
encodings are read as Windows-1252 with a warning), a header row naming the
columns. One column names the input (``id``, ``filename``, ``file``,
``name``, ``record_id`` or ``path``; with or without the file extension);
any of these fill the article's fields (first column name found wins):

* ``title``/``headline``
* ``published``/``publication_date``/``date``/``pubdate``
* ``outlet``/``publisher``/``source``
* ``author``/``authors``/``byline`` (several separated by ``;``)
* ``url``/``link``

Values given in the file replace what the reader found in the text (the file
is what the user chose). Empty cells and ``None``/``null``/``NA`` are ignored.

Bad rows never stop an ingest: each problem is one coded warning line
(``W005`` missing id column, ``W006`` rows naming no input, ``W007`` a
duplicate id, ``W008`` a bad date, ``W009`` the encoding), and the articles
are stored with whatever metadata could be used.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsgraph.errors import Errors, NewsgraphError, Warnings
from newsgraph.io.reading import ReadArticle, _normalise_date

ID_COLUMNS = ("id", "filename", "file", "name", "record_id", "path")
FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "published": ("published", "publication_date", "date", "pubdate"),
    "outlet": ("outlet", "publisher", "source"),
    "authors": ("author", "authors", "byline"),
    "url": ("url", "link"),
}
MISSING = frozenset({"", "none", "null", "na", "n/a", "nan"})
EXAMPLES = 3
"""How many unmatched ids a W006 line names (it gives the full count)."""


@dataclass
class Metadata:
    """The rows of a metadata file by id, and the warnings found while reading it."""

    path: str
    rows: dict[str, dict[str, object]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    def lookup(self, read: ReadArticle) -> tuple[str, dict[str, object]] | None:
        """The row naming this article: by its name, its file name, or either without extension."""
        for key in _keys_of(read):
            row = self.rows.get(key)
            if row is not None:
                return key, row
        return None

    def apply(self, items: Iterable[ReadArticle | NewsgraphError]) -> Iterator[ReadArticle | NewsgraphError]:
        """The same items, each article with its row's fields filled in."""
        for item in items:
            if isinstance(item, ReadArticle):
                found = self.lookup(item)
                if found is not None:
                    key, row = found
                    self.used.add(key)
                    item.article = item.article.model_copy(update=row)
            yield item

    def unmatched_warning(self) -> str | None:
        """One ``W006`` line for the rows that named no input read in this run (None if none)."""
        unused = [key for key in self.rows if key not in self.used]
        if not unused:
            return None
        examples = ", ".join(repr(k) for k in unused[:EXAMPLES]) + (", ..." if len(unused) > EXAMPLES else "")
        return Warnings.W006.format(path=self.path, count=len(unused), examples=examples)


def _keys_of(read: ReadArticle) -> list[str]:
    keys = [read.name, Path(read.name).stem]
    if read.path:
        keys += [Path(read.path).name, Path(read.path).stem]
    return [k.casefold() for k in dict.fromkeys(keys) if k]


def _key(value: str) -> str:
    """A row's id as looked up: the base name, without a text extension, case-folded."""
    base = value.strip().replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    if dot and suffix.lower() in ("txt", "text", "md", "html", "htm", "json"):
        base = stem
    return base.casefold()


def _decode(data: bytes, path: str) -> tuple[str, list[str]]:
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        encoding = "Windows-1252"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "Latin-1"
    return text, [Warnings.W009.format(path=path, encoding=encoding)]


def read_metadata(path: str | Path) -> Metadata:
    """Read a metadata file; ``E035`` if it cannot be read at all, warnings for everything else."""
    shown = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise NewsgraphError(Errors.E005, path=shown) from None
    except OSError as exc:
        raise NewsgraphError(Errors.E035, path=shown, reason=" ".join(str(exc).split())) from None
    text, warnings = _decode(data, shown)
    meta = Metadata(shown, warnings=warnings)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") >= max(1, first.count(",")) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().casefold() for h in next(reader)]
    except StopIteration:
        raise NewsgraphError(Errors.E035, path=shown, reason="the file is empty") from None
    except csv.Error as exc:
        raise NewsgraphError(Errors.E035, path=shown, reason=str(exc)) from None
    id_col = next((header.index(c) for c in ID_COLUMNS if c in header), None)
    if id_col is None:
        meta.warnings.append(Warnings.W005.format(path=shown, expected=", ".join(ID_COLUMNS)))
        return meta
    columns = {
        name: header.index(found)
        for name, options in FIELD_COLUMNS.items()
        for found in [next((c for c in options if c in header), None)]
        if found is not None
    }
    try:
        for line, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            raw_id = cells[id_col].strip() if id_col < len(cells) else ""
            if not raw_id:
                no_id = Warnings.W006.format(path=shown, count=1, examples=f"line {line} (no id)")
                meta.warnings.append(no_id)
                continue
            key = _key(raw_id)
            if key in meta.rows:
                meta.warnings.append(Warnings.W007.format(path=shown, line=line, id=raw_id))
                continue
            meta.rows[key] = _fields(cells, columns, shown, line, meta.warnings)
    except csv.Error as exc:
        raise NewsgraphError(Errors.E035, path=shown, reason=str(exc)) from None
    return meta


def _fields(
    cells: list[str], columns: dict[str, int], path: str, line: int, warnings: list[str]
) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, index in columns.items():
        value = " ".join(cells[index].split()) if index < len(cells) else ""
        if value.casefold() in MISSING:
            continue
        if name == "published":
            normalised = _normalise_date(value)
            if normalised is None:
                warnings.append(Warnings.W008.format(path=path, line=line, value=value))
                continue
            out[name] = normalised
        elif name == "authors":
            out[name] = [a.strip() for a in value.split(";") if a.strip().casefold() not in MISSING]
        else:
            out[name] = value
    return out
