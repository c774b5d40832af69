"""Recompute actor identities: one actor per person, lone surnames decided by evidence.

Revision ID: 0005_identity
Revises: 0004 (the file 0004_compact_storage.py)
Create Date: 2026-11-26

Why: the identity rule changed (``store.identity``): middle names and
initials no longer split a person ("Donald J. Trump" = "Donald Trump"),
nicknames are keyed as the full first name, a lone surname is decided by
gender, titles, the people beside it and prominence instead of staying
ambiguous whenever two namesakes exist, and a person's campaign is keyed by
its person. Databases stored before have actors keyed the old way; this
revision runs ``store.reidentify.recompute`` over every stored article, which
moves mentions, statements, titles and aliases to the recomputed actors and
deletes the actors left empty. No schema change.

Unlike the index documents frozen in 0004, this uses today's rule on purpose:
the point is that stored identities agree with what the write path decides
for new articles. The downgrade changes nothing (the old keys cannot be
recovered, and the 0004 schema holds the recomputed rows as they are).
"""

from __future__ import annotations

from alembic import op

revision = "0005_identity"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from newsgraph.store import reidentify

    reidentify.recompute(op.get_bind())


def downgrade() -> None:
    """Nothing to undo: the schema is unchanged and the recomputed actors are valid 0004 rows."""
