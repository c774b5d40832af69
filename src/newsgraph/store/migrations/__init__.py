"""Alembic migrations for the corpus database, shipped inside the package (see ``store.db``)."""
