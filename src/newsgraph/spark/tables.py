"""The Parquet tables of a Spark run, derived from the pydantic models: schema, rows, and back.

Why derived rather than written out: ``models.Analysis`` is the one definition
of what an analysis holds, and other components keep adding kinds of rows to
it (figures, times, events, ...). Every list field of ``Analysis`` whose items
are pydantic models becomes a table named like its JSON key, with one row per
item and one column per field of the item's model, so a new kind of row gets
its table, schema and loader without a line changed here. The other fields of
``Analysis`` (``warnings``) and the fields of ``Article`` are columns of the
``articles`` table.

Type mapping (pydantic annotation -> Arrow/Spark type): ``str`` and string
``Literal``s -> string; ``int`` -> int64; ``float`` -> double; ``bool`` ->
boolean; ``list[X]`` -> list of X; a model -> struct of its fields;
``X | None`` -> X, nullable. A union of several types (``Figure.value``, a
number or a range) -> a string holding the value as JSON, since Parquet has no
union type. ``rows_of`` and ``analysis_from`` apply the same mapping both ways,
so an ``Analysis`` written and read back is equal to the original (tested).

Every row carries ``article_id`` (see ``article_id``) and ``position`` (its
index in the analysis list, so order survives), and the partition column
``input_key`` (see ``input_key``).

Imports no Spark: the loader reads the tables with pyarrow alone.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import types
import typing
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, Literal, Union

import pyarrow as pa
from pydantic import BaseModel

from newsgraph.models import Analysis, Article

ARTICLES = "articles"
FAILURES = "failures"
PARTITION = "input_key"
"""The partition column: one folder ``input_key=...`` per input file, overwritten as a whole."""

KEY_COLUMNS = [("article_id", pa.string()), ("position", pa.int64())]


def input_key(path: str) -> str:
    """The partition of an input file: 16 hex digits of sha256 of its path (a safe folder name)."""
    return hashlib.sha256(path.encode("utf-8")).hexdigest()[:16]


def article_id(path: str, record: int) -> str:
    """A deterministic article id: the input file and the article's place in it.

    Why not the content hash: two inputs with the same text are two rows of
    the dataset (the store keeps one); why not a counter: a re-run, or a
    retried task, must give every article the same id again.
    """
    return hashlib.sha256(f"{path}\x00{record}".encode()).hexdigest()[:24]


# ---------------------------------------------------------------- annotations -> Arrow types


def _strip_none(annotation: Any) -> tuple[Any, bool]:
    """``X | None`` -> (X, True); anything else -> (itself, False)."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(annotation))
        if len(args) == 1:
            return args[0], nullable
        return Union[tuple(args)], nullable  # noqa: UP007  (a union of several types stays one)
    return annotation, False


def _is_json_union(annotation: Any) -> bool:
    inner, _ = _strip_none(annotation)
    return typing.get_origin(inner) in (Union, types.UnionType)


def arrow_type(annotation: Any) -> pa.DataType:
    """The Arrow type for a pydantic field annotation (see the module docstring)."""
    inner, _ = _strip_none(annotation)
    origin = typing.get_origin(inner)
    if origin in (Union, types.UnionType):
        return pa.string()  # several types: JSON text
    if origin is Literal:
        values = typing.get_args(inner)
        if all(isinstance(v, bool) for v in values):
            return pa.bool_()
        if all(isinstance(v, int) for v in values):
            return pa.int64()
        return pa.string()
    if origin is list:
        (item,) = typing.get_args(inner)
        return pa.list_(arrow_type(item))
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return pa.struct(_fields(inner))
    if inner is str:
        return pa.string()
    if inner is bool:
        return pa.bool_()
    if inner is int:
        return pa.int64()
    if inner is float:
        return pa.float64()
    return pa.string()  # anything else: JSON text (no model uses one today)


def _fields(model: type[BaseModel]) -> list[pa.Field]:
    out = []
    for name, field in model.model_fields.items():
        out.append(pa.field(name, arrow_type(field.annotation), nullable=True))
    return out


def _item_model(annotation: Any) -> type[BaseModel] | None:
    """``list[M]`` with M a model -> M; otherwise None."""
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
    return None


@lru_cache(maxsize=1)
def row_tables() -> dict[str, type[BaseModel]]:
    """Table name -> item model, for every list-of-models field of ``Analysis`` (in field order)."""
    return {
        name: model
        for name, field in Analysis.model_fields.items()
        if (model := _item_model(field.annotation)) is not None
    }


def _article_extras() -> list[str]:
    """Fields of ``Analysis`` that are neither the article nor a table (``warnings``)."""
    return [n for n in Analysis.model_fields if n != "article" and n not in row_tables()]


ARTICLE_COLUMNS = [("name", pa.string()), ("path", pa.string()), ("content_hash", pa.string()),
                   ("input", pa.string()), ("input_index", pa.int64()), ("record", pa.int64())]
"""Columns of ``articles`` besides the article's and the extras: where the article came from."""

FAILURE_SCHEMA = pa.schema([
    ("input", pa.string()), ("record", pa.int64()), ("code", pa.string()), ("message", pa.string()),
    ("input_index", pa.int64()),
])
"""``failures``: the input (file, and the record's label in it), the error code and the one-line message."""


@lru_cache(maxsize=1)
def schemas() -> dict[str, pa.Schema]:
    """Every table's Arrow schema, without the partition column (Spark adds it as a folder)."""
    out: dict[str, pa.Schema] = {}
    article_fields = [pa.field("article_id", pa.string()), *(pa.field(n, t) for n, t in ARTICLE_COLUMNS)]
    article_fields += _fields(Article)
    article_fields += [
        pa.field(n, arrow_type(Analysis.model_fields[n].annotation)) for n in _article_extras()
    ]
    out[ARTICLES] = pa.schema(article_fields)
    for table, model in row_tables().items():
        out[table] = pa.schema([pa.field(n, t) for n, t in KEY_COLUMNS] + _fields(model))
    out[FAILURES] = FAILURE_SCHEMA
    return out


def table_names() -> list[str]:
    """``articles``, the row tables in ``Analysis`` order, then ``failures``."""
    return list(schemas())


# ---------------------------------------------------------------- Analysis -> rows


def _to_column(value: Any, annotation: Any) -> Any:
    """A ``model_dump(mode="json")`` value in the column's representation (JSON text for unions)."""
    if value is None:
        return None
    if _is_json_union(annotation):
        return json.dumps(value, ensure_ascii=False)
    inner, _ = _strip_none(annotation)
    if typing.get_origin(inner) is list:
        (item,) = typing.get_args(inner)
        return [_to_column(v, item) for v in value]
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return _model_row(value, inner)
    return value


def _model_row(dumped: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    return {n: _to_column(dumped.get(n), f.annotation) for n, f in model.model_fields.items()}


def rows_of(
    analysis: Analysis, *, aid: str, name: str, path: str | None, content_hash: str, input: str,
    input_index: int, record: int,
) -> dict[str, list[dict[str, Any]]]:
    """The rows of every table for one analysed article: ``{table: [row, ...]}``."""
    dumped = analysis.model_dump(mode="json")
    article = {"article_id": aid, "name": name, "path": path, "content_hash": content_hash,
               "input": input, "input_index": input_index, "record": record}
    article.update(_model_row(dumped["article"], Article))
    for extra in _article_extras():
        article[extra] = _to_column(dumped.get(extra), Analysis.model_fields[extra].annotation)
    out: dict[str, list[dict[str, Any]]] = {ARTICLES: [article]}
    for table, model in row_tables().items():
        out[table] = [
            {"article_id": aid, "position": i, **_model_row(item, model)}
            for i, item in enumerate(dumped.get(table) or [])
        ]
    return out


# ---------------------------------------------------------------- rows -> Analysis


def _from_column(value: Any, annotation: Any) -> Any:
    if value is None:
        return None
    if _is_json_union(annotation):
        return json.loads(value)
    inner, _ = _strip_none(annotation)
    if typing.get_origin(inner) is list:
        (item,) = typing.get_args(inner)
        return [_from_column(v, item) for v in value]
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return {n: _from_column(value.get(n), f.annotation) for n, f in inner.model_fields.items()}
    return value


def analysis_from(article: dict[str, Any], rows: dict[str, list[dict[str, Any]]]) -> Analysis:
    """Rebuild the ``Analysis`` of one ``articles`` row and its rows in the other tables."""
    data: dict[str, Any] = {
        "article": {n: _from_column(article.get(n), f.annotation) for n, f in Article.model_fields.items()}
    }
    for extra in _article_extras():
        data[extra] = _from_column(article.get(extra), Analysis.model_fields[extra].annotation)
    for table, model in row_tables().items():
        items = sorted(rows.get(table, []), key=lambda r: r["position"])
        data[table] = [
            {n: _from_column(r.get(n), f.annotation) for n, f in model.model_fields.items()} for r in items
        ]
    return Analysis.model_validate(data)


# ---------------------------------------------------------------- rows -> packed blocks

PACKED_ROWS = 2000
"""Rows per packed block at most: a task holds one block per table and input in memory."""


def pack(rows: Iterable[tuple[str, str, dict[str, Any]]]) -> Iterator[tuple[str, str, int, bytes]]:
    """``(table, input key, row)`` items as ``(table, input key, number of rows, block)``, the
    block a pickled list of value tuples in the table's column order.

    Why: the Spark job writes each table in its own pass over the analysed rows. Kept as dicts,
    every pass would unpickle every table's rows; packed, a pass unpickles only the blocks of
    its table (the others are bytes it skips).
    """
    names = {table: schema.names for table, schema in schemas().items()}
    open_blocks: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for table, key, row in rows:
        block = open_blocks.setdefault((table, key), [])
        block.append(tuple(row.get(n) for n in names[table]))
        if len(block) >= PACKED_ROWS:
            yield table, key, len(block), pickle.dumps(block, protocol=pickle.HIGHEST_PROTOCOL)
            del open_blocks[(table, key)]
    for (table, key), block in open_blocks.items():
        yield table, key, len(block), pickle.dumps(block, protocol=pickle.HIGHEST_PROTOCOL)


def unpack(block: tuple[str, str, int, bytes]) -> list[tuple[Any, ...]]:
    """A block of ``pack`` as its table's rows, the input key as the last value."""
    _, key, _, values = block
    return [(*row, key) for row in pickle.loads(values)]
