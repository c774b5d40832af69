"""``newsgraph load``: a Spark run's Parquet dataset into the corpus database.

Why through ``Store.add`` and nothing else: the store's rules (which corpus
actor an article entity is, quote keys and variants, near-duplicate copies,
full-text indexes) are decided on insertion and depend on what was stored
before. Loading the analyses with the same write path, in the same order as
``newsgraph ingest`` would have stored the same files (the run's input order,
then each file's records in order), gives the same corpus: ``quotes``,
``actor``, ``actors`` and ``serve`` answer the same (tested on SQLite and
PostgreSQL).

Reads with pyarrow alone (no Spark, no Java), one input file's partition at a
time, so memory holds one partition plus one batch. Idempotent like ingest:
articles already stored (same content hash or URL) are skipped by
``Store.add``, so loading a dataset again, or after an interruption, stores
only what is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from newsgraph.errors import Errors, NewsgraphError
from newsgraph.io.reading import ReadArticle
from newsgraph.spark import tables

if TYPE_CHECKING:
    from newsgraph.models import Analysis
    from newsgraph.store import Store
    from newsgraph.store.ingest import IngestSummary


def _partitions(root: Path, table: str) -> dict[str, Path]:
    folder = root / table
    if not folder.is_dir():
        return {}
    prefix = f"{tables.PARTITION}="
    return {p.name[len(prefix) :]: p for p in folder.iterdir() if p.is_dir() and p.name.startswith(prefix)}


def _rows(folder: Path | None, columns: list[str] | None = None) -> list[dict[str, Any]]:
    if folder is None:
        return []
    files = sorted(
        f for f in folder.iterdir() if f.suffix == ".parquet" and not f.name.startswith((".", "_"))
    )
    rows: list[dict[str, Any]] = []
    for f in files:
        rows.extend(pq.read_table(f, columns=columns).to_pylist())
    return rows


def analyses(root: str | Path) -> Iterator[tuple[Analysis, str]]:
    """``(analysis, name)`` for every article of the dataset, in the order ingest would store them."""
    root = Path(root)
    if not (root / tables.ARTICLES).is_dir():
        raise NewsgraphError(Errors.E065, path=str(root), reason=f"no {tables.ARTICLES}/ folder")
    articles = _partitions(root, tables.ARTICLES)
    others = {t: _partitions(root, t) for t in tables.row_tables()}
    order = []
    for key, folder in articles.items():
        first = _rows(folder, ["input_index", "input"])
        if first:
            order.append((min(r["input_index"] for r in first), first[0]["input"], key))
    for _, _, key in sorted(order):
        heads = sorted(_rows(articles[key]), key=lambda r: r["record"])
        by_table: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for table, parts in others.items():
            grouped: dict[str, list[dict[str, Any]]] = {}
            for row in _rows(parts.get(key)):
                grouped.setdefault(row["article_id"], []).append(row)
            by_table[table] = grouped
        for head in heads:
            aid = head["article_id"]
            analysis = tables.analysis_from(head, {t: g.get(aid, []) for t, g in by_table.items()})
            yield analysis, head["name"] or ""


def load(
    root: str | Path, *, db: str | Store | None = None, batch_size: int = 32,
    on_error: Callable[[NewsgraphError], None] | None = None,
) -> IngestSummary:
    """Store every article of the dataset at ``root`` in ``db``, ``batch_size`` per transaction."""
    from newsgraph.models import Article
    from newsgraph.outcomes import one_line
    from newsgraph.store.ingest import IngestSummary, _open, _write

    store, owned = _open(db)
    summary = IngestSummary()

    def fail(error: NewsgraphError) -> None:
        summary.failed += 1
        summary.errors.append(one_line(str(error)))
        if on_error is not None:
            on_error(error)

    try:
        batch: list[tuple[Analysis, ReadArticle]] = []
        for analysis, name in analyses(root):
            # _write reports a failed article by its ReadArticle's name
            batch.append((analysis, ReadArticle(name=name, article=Article(text=""))))
            if len(batch) >= batch_size:
                _write(store, batch, summary, fail)
                batch = []
        if batch:
            _write(store, batch, summary, fail)
    finally:
        if owned:
            store.close()
    return summary
