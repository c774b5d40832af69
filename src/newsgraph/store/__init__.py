"""The corpus store: analysed articles in a database, actors and quotes linked across them.

    >>> from newsgraph.store import open_store
    >>> store = open_store("corpus.db")           # SQLite file; or "postgresql://..."
    >>> result = store.add([(analysis, "name")])  # one transaction, idempotent
    >>> store.close()

``open_store`` creates or upgrades the schema (Alembic migrations shipped in
the package); ``Store.add`` is the only write path (see ``store.write``);
``store.identity`` documents how article actors become corpus actors.
"""

from __future__ import annotations

from newsgraph.store.db import DEFAULT_URL, Store, normalize_url, open_store
from newsgraph.store.write import AddResult, content_hash

__all__ = ["DEFAULT_URL", "AddResult", "Store", "content_hash", "normalize_url", "open_store"]
