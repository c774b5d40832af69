"""Identities recomputed over stored rows (``store.reidentify``) and migration 0005_identity.

Invented articles, analysed once for the module: a lone "Harlow" stored before
any Harlow is named in full becomes Bill Harlow's when his article arrives (the
write path revisits it); a database whose actors were keyed the old way
("Marcus T. Delane" apart from "Marcus Delane", a lone "Delane" left
ambiguous) is upgraded in place by the migration, on SQLite and, with
``NEWSGRAPH_TEST_PG``, PostgreSQL. Real data: two PolNeAR articles where
"Mrs. Clinton" and "Mr. Clinton" must land on Hillary and Bill Clinton
(skipped without ../shared).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from conftest import fresh_postgres

import newsgraph
from newsgraph.models import Analysis
from newsgraph.store import db, open_store, schema

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ACTORS = schema.Actor.__table__
MENTIONS = schema.Mention.__table__
ATTRIBUTIONS = schema.Attribution.__table__
ALIASES = schema.ActorAlias.__table__

TEXTS = {
    "harlow_lone": "Budget Fight Continues\n\nMr. Harlow said the talks would resume next week.\n",
    "harlow_full": "Senate Panel Questions Budget\n\nSen. Bill Harlow said on Monday that the budget was too big.\n",
    "delane_full": "Navy Review\n\nDefense Secretary Marcus Delane said on Tuesday that the contracts would be reviewed.\n",
    "delane_middle": "Shipyards Wait\n\nMarcus T. Delane, the defense secretary, said the yards would stay open.\n",
    "delane_lone": "Unions Welcome Pause\n\nDelane said on Friday that the pause would end in March.\n",
}


@pytest.fixture(scope="module")
def analyses() -> dict[str, Analysis]:
    return {name: newsgraph.analyze(text) for name, text in TEXTS.items()}


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "corpus.db")
        return
    with fresh_postgres() as pg:
        yield pg


def speakers(engine: sa.Engine) -> dict[str, str | None]:
    """First sentence word of each statement's article -> the key of its source actor."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(schema.Article.__table__.c.name, ACTORS.c.key)
            .select_from(ATTRIBUTIONS)
            .join(schema.Article.__table__, schema.Article.__table__.c.id == ATTRIBUTIONS.c.article_id)
            .outerjoin(ACTORS, ACTORS.c.id == ATTRIBUTIONS.c.source_actor_id)
        ).all()
    return {name: key for name, key in rows}


def test_reidentify_write_path_revisits_a_lone_surname(analyses, url):
    with open_store(url) as store:
        store.add([(analyses["harlow_lone"], "harlow_lone")])
        assert speakers(store.engine)["harlow_lone"] == "person?:harlow"
        store.add([(analyses["harlow_full"], "harlow_full")])
        keys = speakers(store.engine)
        assert keys["harlow_full"] == keys["harlow_lone"] == "person:william harlow"
        with store.engine.connect() as conn:
            left = conn.execute(sa.select(ACTORS.c.id).where(ACTORS.c.key == "person?:harlow")).all()
            aliases = set(
                conn.scalars(
                    sa.select(ALIASES.c.alias)
                    .join(ACTORS, ACTORS.c.id == ALIASES.c.actor_id)
                    .where(ACTORS.c.key == "person:william harlow")
                )
            )
        assert left == []  # the emptied ambiguous actor is gone
        assert "harlow" in aliases


def _old_keys(engine: sa.Engine) -> None:
    """Key the Delane actors the way the old rule did: middle initial apart, lone surname ambiguous."""
    with engine.begin() as conn:
        ids = {
            key: i
            for i, key in conn.execute(
                sa.select(ACTORS.c.id, ACTORS.c.key).where(ACTORS.c.key.like("person%"))
            )
        }
        marcus = ids["person:marcus delane"]
        for key, name in (("person:marcus t delane", "Marcus T. Delane"), ("person?:delane", "Delane")):
            new_id = conn.execute(
                sa.insert(ACTORS).values(key=key, name=name, type="PERSON").returning(ACTORS.c.id)
            ).scalar_one()
            article = "delane_middle" if key.startswith("person:") else "delane_lone"
            article_id = conn.execute(
                sa.select(schema.Article.__table__.c.id).where(schema.Article.__table__.c.name == article)
            ).scalar_one()
            conn.execute(
                sa.update(MENTIONS)
                .where(MENTIONS.c.article_id == article_id, MENTIONS.c.actor_id == marcus)
                .values(actor_id=new_id)
            )
            conn.execute(
                sa.update(ATTRIBUTIONS)
                .where(ATTRIBUTIONS.c.article_id == article_id, ATTRIBUTIONS.c.source_actor_id == marcus)
                .values(source_actor_id=new_id)
            )


def test_reidentify_migration_upgrades_old_identities_in_place(analyses, url):
    names = ["delane_full", "delane_middle", "delane_lone"]
    with open_store(url) as store:
        store.add([(analyses[n], n) for n in names])
        engine = store.engine
        fresh = speakers(engine)
        assert set(fresh.values()) == {"person:marcus delane"}
        command.downgrade(db.alembic_config(url), "0004")
        assert db.current_revision(engine) == "0004"
        assert speakers(engine) == fresh  # the downgrade keeps every row
        _old_keys(engine)
        old = speakers(engine)
        assert old["delane_middle"] == "person:marcus t delane" and old["delane_lone"] == "person?:delane"
        db.upgrade(engine)
        assert db.current_revision(engine) == ScriptDirectory.from_config(db.alembic_config(url)).get_current_head()
        assert speakers(engine) == fresh
        with engine.connect() as conn:
            keys = set(conn.scalars(sa.select(ACTORS.c.key).where(ACTORS.c.key.like("person%"))))
        assert "person:marcus t delane" not in keys and "person?:delane" not in keys


@pytest.mark.skipif(not (SHARED / "polnear").exists(), reason="../shared/polnear is missing")
def test_reidentify_real_clintons_each_on_their_own_page(tmp_path):
    """PolNeAR articles where "Mrs. Clinton" and "Mr. Clinton" speak beside the other Clinton."""
    text_dir = SHARED / "polnear" / "train" / "text"
    files = [
        next(text_dir.glob("nyt_2016-05-18_clinton-hints-at-husband*.txt")),
        next(text_dir.glob("nyt_2016-01-29_it-s-still-bill-but-old-magic*.txt")),
    ]
    with open_store(tmp_path / "real.db") as store:
        store.add([(newsgraph.analyze(f.read_text(encoding="utf-8")), f.stem) for f in files])
        with store.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    schema.Article.__table__.c.text,
                    ATTRIBUTIONS.c.source_start,
                    ATTRIBUTIONS.c.source_end,
                    ACTORS.c.key,
                )
                .select_from(ATTRIBUTIONS)
                .join(schema.Article.__table__, schema.Article.__table__.c.id == ATTRIBUTIONS.c.article_id)
                .join(ACTORS, ACTORS.c.id == ATTRIBUTIONS.c.source_actor_id)
            ).all()
    said = {"Mrs. Clinton": set(), "Mr. Clinton": set()}
    for text, start, end, key in rows:
        source = text[start:end]
        if source in said:
            said[source].add(key)
    assert said["Mrs. Clinton"] == {"person:hillary clinton"}
    assert said["Mr. Clinton"] == {"person:william clinton"}
