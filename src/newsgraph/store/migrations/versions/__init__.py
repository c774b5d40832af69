"""Migration scripts, applied in order by ``store.db.upgrade`` (alembic skips this file)."""
