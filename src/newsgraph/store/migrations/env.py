"""Alembic environment: run the migrations on the connection ``store.db.upgrade`` hands over.

Why no alembic.ini: the migrations travel inside the installed package and
``open_store`` applies them itself, so a user never runs alembic. A developer
who wants to write a new migration can still point alembic at this directory
with a ``sqlalchemy.url`` main option (see ``store.db.alembic_config``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from newsgraph.store.db import include_name
from newsgraph.store.schema import Base

config = context.config
target_metadata = Base.metadata


def _configure(**kwargs: object) -> None:
    context.configure(target_metadata=target_metadata, compare_type=True, include_name=include_name, **kwargs)


def run_offline() -> None:
    """Emit the SQL instead of running it (``alembic upgrade head --sql``)."""
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        # store.db.upgrade already opened the transaction (and took the lock): join it.
        _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=NullPool)
    with engine.begin() as conn:
        _configure(connection=conn, render_as_batch=conn.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
