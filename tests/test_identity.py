"""Corpus-wide actor identity (``newsgraph.store.identity``): the rule on invented names.

The pure tests pin the rule itself with hand-made entities (no model, no
database); the store tests check it end to end on invented articles analysed
once for the module and stored in a SQLite file.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

import newsgraph
from newsgraph.models import Analysis, Entity, Span
from newsgraph.store import identity, open_store, schema

# --- the rule on hand-made entities ------------------------------------------------------------


def person(name: str, id: str = "E1", type: str = "PERSON") -> Entity:
    return Entity(id=id, name=name, type=type, mentions=[Span(start=0, end=len(name), text=name)])


def no_namesakes(words: set[str]) -> dict[str, list[identity.Candidate]]:
    return {}


def stored(*keys: str, **known: identity.Candidate):
    """A namesake look-up over a pretend corpus: each key once per article naming that person."""

    def lookup(words: set[str]) -> dict[str, list[identity.Candidate]]:
        found: dict[str, dict[str, identity.Candidate]] = {}
        for key in keys:
            last = key.split()[-1]
            if last in words:
                cand = found.setdefault(last, {}).setdefault(key, identity.Candidate(key))
                cand.articles += 1
        for cand in known.values():
            last = cand.key.split()[-1]
            if last in words:
                found.setdefault(last, {})[cand.key] = cand
        return {w: list(c.values()) for w, c in found.items()}

    return lookup


def key_of(name: str, type: str = "PERSON") -> str:
    return identity.identify(person(name, type=type), "h" * 64).key


@pytest.mark.parametrize(
    "name",
    [
        "Marcus Delane",
        "Defense Secretary Marcus Delane",
        "Secretary of Defense Marcus Delane",
        "Mr. Marcus Delane",
        "MARCUS DELANE",
        "Marcus Delane's",
        "former Defense Secretary Marcus Delane",
        "Marcus  Delane",
    ],
)
def test_identity_person_surface_forms_share_one_key(name):
    assert key_of(name) == "person:marcus delane"


def test_identity_person_accents_and_case_are_folded():
    assert key_of("José Núñez") == key_of("Jose Nunez") == "person:jose nunez"


def test_identity_person_suffix_keeps_people_apart():
    assert key_of("Carl Benton Jr.") != key_of("Carl Benton")


@pytest.mark.parametrize(
    "name", ["Marcus T. Delane", "Marcus Tobias Delane", "Mr. Marcus T. Delane", "MARCUS DELANE"]
)
def test_identity_person_middle_names_and_initials_share_one_key(name):
    assert key_of(name) == key_of("Marcus Delane") == "person:marcus delane"


def test_identity_person_nicknames_share_one_key():
    assert key_of("Joe Venn") == key_of("Joseph Venn") == key_of("Joseph R. Venn")
    assert key_of("Bill Harlow") == key_of("William Harlow")
    assert key_of("Chris Venn") != key_of("Christine Venn")  # an ambiguous nickname stays as written


def test_identity_person_different_middle_initials_stay_apart():
    # George H. Pell owns the key; George W. Pell, with another middle initial, is someone else.
    owner = identity.Candidate("person:george pell", middle="h", articles=3)
    [first, second, plain] = identity.resolve(
        [
            ("a", [person("George W. Pell")]),
            ("b", [person("George H. Pell")]),
            ("c", [person("George Pell")]),
        ],
        stored(pell=owner),
    )
    assert first["E1"].key == "person:george w pell"
    assert second["E1"].key == plain["E1"].key == "person:george pell"


def test_identity_person_surname_particles_stay_in_the_surname():
    ident = identity.identify(person("Mayor Anna de Vries"), "h")
    assert ident.key == "person:anna de vries" and ident.surname == "de vries"
    assert identity.identify(person("de Vries"), "h").lone == "de vries"


def test_identity_title_like_first_name_is_not_dropped():
    # "Dean" is a title word, but dropping it would leave one word: keep the full name.
    assert key_of("Dean Whitcombe") == "person:dean whitcombe"
    assert identity.identify(person("Dean Whitcombe"), "h").surname == "whitcombe"


def test_identity_surname_skips_suffixes():
    ident = identity.identify(person("Carl Benton Jr."), "h")
    assert ident.surname == "benton"
    assert ident.key == "person:carl benton jr"


def test_identity_lone_surname_with_one_namesake_joins_it():
    [resolved] = identity.resolve([("h1", [person("Delane")])], stored("person:marcus delane"))
    assert resolved["E1"].key == "person:marcus delane"


def test_identity_lone_surname_with_two_balanced_namesakes_stays_apart():
    lookup = stored("person:william harlow", "person:jane harlow")
    [resolved] = identity.resolve([("h1", [person("Mr. Harlow")])], lookup)
    assert resolved["E1"].key == "person?:harlow"


def test_identity_lone_surname_without_namesake_is_its_own_actor():
    [resolved] = identity.resolve([("h1", [person("Harlow")])], no_namesakes)
    assert resolved["E1"].key == "person?:harlow"


def test_identity_lone_surname_beside_a_namesake_of_the_other_gender_stays_apart():
    # The analysis kept "Mrs. Harlow" apart from "Bill Harlow" in the same article: she is not him.
    text = "Bill Harlow spoke. Mrs. Harlow said no."
    bill = Entity(
        id="E1", name="Bill Harlow", type="PERSON", mentions=[Span(start=0, end=11, text="Bill Harlow")]
    )
    her = Entity(id="E2", name="Harlow", type="PERSON", mentions=[Span(start=24, end=30, text="Harlow")])
    [resolved] = identity.resolve([("h1", [bill, her], text)], no_namesakes)
    assert resolved["E1"].key == "person:william harlow"
    assert resolved["E2"].key == "person?:harlow"
    # with a Jane Harlow in the corpus, she is Jane
    [resolved] = identity.resolve([("h1", [bill, her], text)], stored("person:jane harlow"))
    assert resolved["E2"].key == "person:jane harlow"


def lone(word: str, text: str, titles: list[str] | None = None, id: str = "E1") -> tuple[Entity, str]:
    """A lone-surname entity whose one mention is the first ``word`` in ``text``."""
    start = text.index(word)
    mention = Span(start=start, end=start + len(word), text=word)
    return Entity(id=id, name=word, type="PERSON", titles=titles or [], mentions=[mention]), text


BILL = identity.Candidate("person:william harlow", gender="m", articles=4, beside={"person:ada quist": 3})
JANE = identity.Candidate(
    "person:jane harlow", gender="f", articles=4, titles=frozenset({"mayor"}), beside={"person:ivo brandt": 3}
)


@pytest.mark.parametrize(
    ("text", "titles", "expected"),
    [
        ("Mrs. Harlow said the bus ran late.", None, "person:jane harlow"),  # honorific
        ("Mr. Harlow said the bus ran late.", None, "person:william harlow"),
        ("Harlow said the bus ran late.", ["Mayor"], "person:jane harlow"),  # a title only she has
        ("Harlow said the bus ran late.", None, "person?:harlow"),  # balanced: stays ambiguous
    ],
)
def test_identity_lone_surname_resolved_by_evidence(text, titles, expected):
    entity, text = lone("Harlow", text, titles)
    [resolved] = identity.resolve([("h1", [entity], text)], stored(a=BILL, b=JANE))
    assert resolved["E1"].key == expected


def test_identity_lone_surname_pronouns_give_its_gender():
    text = "Harlow said the bus ran late. She said it twice, and she meant it."
    entity, _ = lone("Harlow", text)
    for word, at in (("She", text.index("She")), ("she", text.index("she meant"))):
        entity.mentions.append(Span(start=at, end=at + 3, text=word))
    [resolved] = identity.resolve([("h1", [entity], text)], stored(a=BILL, b=JANE))
    assert resolved["E1"].key == "person:jane harlow"


def test_identity_lone_surname_people_beside_it_decide():
    # Ivo Brandt is named with Jane three times in the corpus, never with Bill.
    text = "Harlow said the bus ran late. Ivo Brandt agreed."
    entity, _ = lone("Harlow", text)
    brandt = Entity(
        id="E2", name="Ivo Brandt", type="PERSON", mentions=[Span(start=30, end=40, text="Ivo Brandt")]
    )
    [resolved] = identity.resolve([("h1", [entity, brandt], text)], stored(a=BILL, b=JANE))
    assert resolved["E1"].key == "person:jane harlow"


def test_identity_lone_surname_prominence_decides_only_with_a_margin():
    entity, text = lone("Harlow", "Harlow said the bus ran late.")
    famous = identity.Candidate("person:william harlow", articles=30)
    for other, expected in ((2, "person:william harlow"), (20, "person?:harlow")):
        rare = identity.Candidate("person:jane harlow", articles=other)
        [resolved] = identity.resolve([("h1", [entity], text)], stored(a=famous, b=rare))
        assert resolved["E1"].key == expected


@pytest.mark.parametrize(
    "name", ["the Harlow campaign", "Harlow's campaign", "Jane Harlow's campaign", "The Harlow Campaign"]
)
def test_identity_campaign_keyed_by_its_person(name):
    text = f"Jane Harlow spoke. {name} said no."
    jane = Entity(
        id="E1", name="Jane Harlow", type="PERSON", mentions=[Span(start=0, end=11, text="Jane Harlow")]
    )
    start = text.index(name)
    campaign = Entity(
        id="E2", name=name, type="GROUP", mentions=[Span(start=start, end=start + len(name), text=name)]
    )
    [resolved] = identity.resolve([("h1", [jane, campaign], text)], stored(a=BILL, b=JANE))
    assert resolved["E2"].key == "org:campaign of jane harlow"
    assert resolved["E2"].type == "ORG"


def test_identity_campaigns_of_two_people_never_share_a_key():
    a = identity.resolve([("h1", [person("the Harlow campaign", type="GROUP")])], stored(a=BILL))
    b = identity.resolve([("h2", [person("the Venn campaign", type="GROUP")])], stored(a=BILL))
    assert a[0]["E1"].key == "org:campaign of william harlow"
    assert b[0]["E1"].key != a[0]["E1"].key
    # a lower-case owner is no person: "his campaign" stays the article's own group
    [c] = identity.resolve([("h3", [person("his campaign", type="GROUP")])], stored(a=BILL))
    assert c["E1"].key.startswith("group@")


def test_identity_batch_counts_earlier_articles_namesakes():
    # Bill Harlow stored earlier in the same batch is the one namesake of a later lone "Harlow";
    # once a Jane Harlow is as prominent, a lone "Harlow" is ambiguous.
    articles = [
        ("h1", [person("Bill Harlow")]),
        ("h2", [person("Harlow")]),
        ("h3", [person("Jane Harlow")]),
        ("h4", [person("Harlow")]),
    ]
    resolved = identity.resolve(articles, no_namesakes)
    assert [r["E1"].key for r in resolved] == [
        "person:william harlow",
        "person:william harlow",
        "person:jane harlow",
        "person?:harlow",
    ]


def test_identity_batch_equals_one_by_one():
    articles = [
        ("h1", [person("Bill Harlow")]),
        ("h2", [person("Harlow"), person("Marcus Delane", "E2")]),
        ("h3", [person("Delane")]),
    ]
    together = [{k: v.key for k, v in r.items()} for r in identity.resolve(articles, no_namesakes)]
    corpus: list[str] = []
    apart = []
    for article in articles:
        [r] = identity.resolve([article], stored(*corpus))
        apart.append({k: v.key for k, v in r.items()})
        corpus.extend(v.key for v in r.values() if v.surname)
    assert together == apart


def test_identity_one_word_group_joins_its_only_namesake():
    # "Delane said ..." typed GROUP by the NER: it joins Marcus Delane, the only Delane.
    [resolved] = identity.resolve([("h1", [person("Delane", type="GROUP")])], stored("person:marcus delane"))
    assert resolved["E1"].key == "person:marcus delane"


def test_identity_groups_are_never_merged_across_articles():
    a = identity.identify(person("officials", type="GROUP"), "a" * 64)
    b = identity.identify(person("officials", type="GROUP"), "b" * 64)
    assert a.key != b.key
    [ra, rb] = identity.resolve(
        [("a", [person("Officials", type="GROUP")]), ("b", [person("Officials", type="GROUP")])],
        no_namesakes,
    )
    assert ra["E1"].key != rb["E1"].key


def test_identity_title_only_person_is_local_to_its_article():
    a = identity.identify(person("the Secretary"), "a" * 64)
    b = identity.identify(person("the Secretary"), "b" * 64)
    assert a.key != b.key


@pytest.mark.parametrize("name", ["the Pentagon", "Pentagon", "The Pentagon", "PENTAGON"])
def test_identity_organisation_drops_article(name):
    assert key_of(name, "ORG") == "org:pentagon"


@pytest.mark.parametrize("name", ["US", "U.S.", "the U.S.", "United States", "the United States", "USA"])
def test_identity_place_aliases(name):
    assert key_of(name, "GPE") == "gpe:united states"


def test_identity_type_is_part_of_the_key():
    assert key_of("Springfield", "GPE") != key_of("Springfield", "ORG")


@given(st.text(max_size=80), st.sampled_from(["PERSON", "ORG", "GPE", "NORP", "GROUP", "LOC"]))
def test_identity_any_name_gives_a_bounded_key(name, type):
    ident = identity.identify(person(name, type=type), "h" * 64)
    assert 0 < len(ident.key) <= identity.KEY_LENGTH
    assert ident.key.startswith(type.lower())
    if ident.key.startswith("person:"):
        assert ident.surname == identity.surname(ident.key[len("person:") :].split())
        assert ident.surname is not None
    if ident.lone is not None:
        assert all(w in identity.PARTICLES for w in ident.lone.split()[:-1])


# --- end to end on analysed invented articles ----------------------------------------------

ARTICLES = {
    "delane_full": """Navy Plans Review of Shipyard Contracts

Defense Secretary Marcus Delane told lawmakers on Tuesday that the shipyard contracts would be reviewed "line by line before a single dollar goes out," according to a statement from the Pentagon.

Delane said the review would take three months. Officials said the first findings could come sooner.
""",
    "delane_second": """Shipyard Review Draws Praise From Unions

Marcus Delane, the defense secretary, said on Thursday that workers would keep their jobs during the review. "Nobody at the yards should lose a paycheck over this," he told reporters.

Pentagon officials said the review had started. The United States has four public shipyards.
""",
    "delane_lone": """Unions Welcome Pause

Delane said on Friday that the pause would end in March. Union leaders said they were relieved.
""",
    "harlow_bill": """Senate Panel Questions Budget

Sen. Bill Harlow said on Monday that the budget was "a waste of money for every single taxpayer in the state," adding that he would vote against it.
""",
    "harlow_jane": """Mayor Backs Transit Plan

Mayor Jane Harlow said on Wednesday that the transit plan would cut commuting times. "We have waited long enough for buses that run on time," she said.
""",
    "harlow_lone": """Budget Fight Continues

Harlow said the talks would resume next week. Aides said no deal was close.
""",
    "pentagon": """Budget Request Sent

A spokesman for the Pentagon said the request was sent to Congress on Tuesday. The U.S. wants more ships, officials said.
""",
}
DATES = {name: f"2024-05-{day:02d}" for day, name in enumerate(ARTICLES, start=1)}


@pytest.fixture(scope="module")
def analyses() -> dict[str, Analysis]:
    """Each invented article analysed once for the module."""
    return {name: newsgraph.analyze(text, published=DATES[name]) for name, text in ARTICLES.items()}


@pytest.fixture(scope="module")
def corpus(analyses, tmp_path_factory):
    """The invented articles stored in order, one batch, in a SQLite file."""
    store = open_store(tmp_path_factory.mktemp("identity") / "corpus.db")
    result = store.add([(analyses[name], name) for name in ARTICLES])
    ids = dict(zip(ARTICLES, result.article_ids, strict=True))
    yield store, ids
    store.close()


def source_actors(store, article_id: int) -> dict[str, schema.Actor | None]:
    """Attribution local id -> the corpus actor of its source."""
    with store.session() as s:
        rows = s.execute(
            select(schema.Attribution.local_id, schema.Actor)
            .outerjoin(schema.Actor, schema.Actor.id == schema.Attribution.source_actor_id)
            .where(schema.Attribution.article_id == article_id)
        ).all()
        s.expunge_all()
        return {local: actor for local, actor in rows}


def actor_by_key(store, key: str) -> schema.Actor | None:
    with store.session() as s:
        actor = s.scalars(select(schema.Actor).where(schema.Actor.key == key)).one_or_none()
        s.expunge_all()
        return actor


def test_identity_store_one_person_across_three_surface_forms(corpus, analyses):
    store, ids = corpus
    delane = actor_by_key(store, "person:marcus delane")
    assert delane is not None and delane.name == "Marcus Delane"
    # Every attribution whose source the analysis linked to Delane (or the lone "Delane") is his.
    for name in ("delane_full", "delane_second", "delane_lone"):
        analysis = analyses[name]
        delane_entities = {e.id for e in analysis.entities if identity.words(e.name)[-1:] == ["delane"]}
        expected = {a.id for a in analysis.attributions if a.source and a.source.entity in delane_entities}
        assert expected, f"the analysis found no Delane attribution in {name}"
        actors = source_actors(store, ids[name])
        assert {local for local, actor in actors.items() if actor and actor.id == delane.id} == expected
    with store.session() as s:
        aliases = set(
            s.scalars(select(schema.ActorAlias.alias).where(schema.ActorAlias.actor_id == delane.id))
        )
    assert {"marcus delane", "delane"} <= aliases
    assert not aliases & {"he", "she"}


def test_identity_store_namesakes_never_merged(corpus):
    store, ids = corpus
    bill = actor_by_key(store, "person:william harlow")
    jane = actor_by_key(store, "person:jane harlow")
    assert bill is not None and jane is not None and bill.id != jane.id
    assert {a.id for a in source_actors(store, ids["harlow_bill"]).values() if a} == {bill.id}
    assert {a.id for a in source_actors(store, ids["harlow_jane"]).values() if a} == {jane.id}
    lone = source_actors(store, ids["harlow_lone"])
    harlow_sources = [a for a in lone.values() if a and "harlow" in a.name.lower()]
    assert harlow_sources, "the lone Harlow's attribution lost its source"
    assert all(a.id not in (bill.id, jane.id) for a in harlow_sources)


def test_identity_store_titles_kept_with_dates(corpus):
    store, ids = corpus
    delane = actor_by_key(store, "person:marcus delane")
    with store.session() as s:
        titles = {
            (title.lower(), published.isoformat(), article_id)
            for title, published, article_id in s.execute(
                select(
                    schema.ActorTitle.title, schema.ActorTitle.published, schema.ActorTitle.article_id
                ).where(schema.ActorTitle.actor_id == delane.id)
            )
        }
    assert ("defense secretary", DATES["delane_full"], ids["delane_full"]) in titles
    assert ("defense secretary", DATES["delane_second"], ids["delane_second"]) in titles


def test_identity_store_places_and_groups(corpus):
    store, ids = corpus
    us = actor_by_key(store, "gpe:united states")
    assert us is not None
    with store.session() as s:
        us_articles = set(
            s.scalars(select(schema.Mention.article_id).where(schema.Mention.actor_id == us.id))
        )
        groups = s.execute(
            select(schema.Actor.id, schema.Mention.article_id)
            .join(schema.Mention, schema.Mention.actor_id == schema.Actor.id)
            .where(schema.Actor.type == "GROUP")
        ).all()
    assert us_articles == {ids["delane_second"], ids["pentagon"]}  # "United States" and "U.S."
    articles_per_group: dict[int, set[int]] = {}
    for actor_id, article_id in groups:
        articles_per_group.setdefault(actor_id, set()).add(article_id)
    assert len(articles_per_group) >= 3  # officials, Pentagon officials, union leaders, aides...
    assert all(len(articles) == 1 for articles in articles_per_group.values())


def test_identity_display_name_drops_a_possessive():
    for written in ("Yara Norvik's", "Yara Norvik’s", "Yara Norvik‘s"):
        ident = identity.identify(Entity(id="E1", name=written, type="PERSON"), "h")
        assert ident.name == "Yara Norvik"
        assert ident.key == "person:yara norvik"
