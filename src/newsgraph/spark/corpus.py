"""The corpus-wide steps as Spark jobs: actor identity, quote keys, near-duplicate articles and quotes.

Why here too and not only in the store: on an archive of millions of
articles these are joins and group-bys over the whole dataset, which is what
Spark is for. Each step reuses the store's own functions for everything
per-row (``store.identity.identify`` for an entity's key, ``store.dedupe``
for quoted text, quote keys, MinHash signatures and LSH band hashes), and
expresses only the *corpus* part as Spark operations, in the store's order
of insertion (``load``'s order: the run's input order, then each file's
records): so the tables agree with what ``newsgraph load`` (and ``ingest`` of
the same files) stores (tested).

Tables written into ``OUT`` (each replaced as a whole on every run, since
they describe the whole dataset):

* ``corpus_actor_keys``: ``article_id``, ``entity`` (the analysis' ``E1``...),
  ``actor_key`` (the store's ``actors.key``: ``person:lloyd austin``,
  ``org:pentagon``, ``group@<hash>:E5``, ...). A person named by one word
  joins the full-name person of that surname when exactly one was named in
  an *earlier* article and none in the same article (``identity.resolve``'s
  rule as a join and a count per surname); otherwise it keeps ``person?:<word>``.
* ``corpus_actors``: ``actor_key``, ``type``, ``name`` (the longest name,
  first seen on ties, as the store names actors), ``articles``, ``mentions``.
* ``corpus_quotes``: ``article_id``, ``position`` (of the attribution),
  ``quote_key`` (``dedupe.quote_key``), ``text``, and ``variant_of``: the
  quote key of the first quote of its near-duplicate cluster
  (``QUOTE_THRESHOLD``), or null.
* ``corpus_copies``: ``article_id``, ``copy_of`` (the first article of its
  near-duplicate cluster, ``ARTICLE_THRESHOLD``), for the copies only.

Near duplicates: Spark joins the rows that share an LSH band hash (the band
layout of the store's ``NearDuplicateIndex``), keeps the pairs whose MinHash
similarity reaches the threshold, and the driver walks the (few) pairs in
insertion order with the store's rule: a row joins the earliest cluster root
among the earlier rows it is similar to.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

ACTOR_KEYS = "corpus_actor_keys"
ACTORS = "corpus_actors"
QUOTES = "corpus_quotes"
COPIES = "corpus_copies"


def _local_order(entity_id: str) -> tuple[int, str]:
    return (int(entity_id[1:]) if entity_id[1:].isdigit() else 1 << 30, entity_id)


def _article_identities(item: tuple[str, tuple[Any, Any]]) -> dict[str, Any]:
    """One article's entities identified as the store identifies them before any corpus look-up.

    ``write``: ``identity.identify`` of the analysis' entity (the key ``store.write``
    starts from; it stands for every actor the store never revisits). ``pairs``:
    the entities a full recompute revisits, rebuilt as the stored rows give them
    back (``reidentify.stored_entity``), with their identities, in the store's
    order (``E1``, ``E2``, ...).
    """
    from newsgraph.models import Entity
    from newsgraph.store import identity, reidentify

    article_id, (entity_rows, (order, content_hash, text)) = item
    rows = sorted(entity_rows, key=lambda r: _local_order(r["id"]))
    write: dict[str, Any] = {}
    pairs = []
    for row in rows:
        entity = Entity.model_validate({k: row[k] for k in ("id", "name", "type", "titles", "mentions")})
        ident = identity.identify(entity, content_hash)
        write[row["id"]] = (row["position"], ident.key, ident.type, ident.name, len(row["mentions"] or []))
        if not entity.mentions:
            continue  # the store keeps no mention row for it, so a recompute never sees it
        titles = list(dict.fromkeys(t.strip() for t in entity.titles if t.strip()))
        stored = reidentify.stored_entity(
            entity.id[:16], ident.type, ident.key, ident.name, titles,
            [(m.start, m.end) for m in entity.mentions], text,
        )
        if stored is not None:
            pairs.append((stored, identity.identify(stored, content_hash)))
    return {"article_id": article_id, "order": order, "text": text, "write": write, "pairs": pairs}


def _evidence(article: dict[str, Any]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """What one article says about each person it names in full (the store's per-article evidence)."""
    from newsgraph.store import identity

    text, order = article["text"], article["order"]
    people = sorted({i.key for _, i in article["pairs"] if i.surname})
    for entity, ident in article["pairs"]:
        if ident.surname:
            gender, titles = identity.entity_evidence(entity, text)
            where = (order, _local_order(entity.id))
            yield ident.key, (ident.surname, where, 0, (), titles, [(where, gender)] if gender else [],
                              [(where, ident.middle)] if ident.middle else [])
    for key in people:
        yield key, ("", (1 << 62, (0, "")), 1, tuple(p for p in people if p != key), frozenset(), [], [])


def _merge_evidence(a: tuple[Any, ...], b: tuple[Any, ...]) -> tuple[Any, ...]:
    return (a[0] or b[0], min(a[1], b[1]), a[2] + b[2], a[3] + b[3], a[4] | b[4], a[5] + b[5], a[6] + b[6])


def _candidate(item: tuple[str, tuple[Any, ...]]) -> tuple[str, tuple[Any, Any]]:
    """``(surname, (first seen, Candidate))``: the corpus' evidence on one person, settled as by the store."""
    from collections import Counter

    from newsgraph.store import identity, reidentify

    key, (surname, first, articles, beside, titles, genders, middles) = item
    cand = identity.Candidate(key, articles=articles, titles=frozenset(titles), beside=dict(Counter(beside)))
    votes = Counter(g for _, g in sorted(genders))  # counted in the store's order: ties go to the first
    initials = Counter(m for _, m in sorted(middles))
    return surname, (first, reidentify.settle(cand, votes or None, initials or None))


def _needs(article: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """``(surname, article_id)`` for every surname whose candidates the article's decision reads."""
    words = set()
    for _, ident in article["pairs"]:
        words.update(w for w in (ident.lone, ident.surname, ident.owner[0] if ident.owner else None) if w)
    for word in sorted(words):
        yield word, article["article_id"]


def _decide(item: tuple[str, tuple[dict[str, Any], Any]]) -> Iterator[tuple[Any, ...]]:
    """One article's actor keys: ``identity.resolve_article`` with the whole corpus' candidates."""
    from newsgraph.store import identity

    _, (article, found) = item
    known: dict[str, dict[str, Any]] = {}
    for surname, cands in found or []:
        known[surname] = {c.key: c for _, c in sorted(cands, key=lambda fc: fc[0])}
    decided = identity.resolve_article(article["pairs"], article["text"], known)
    for entity_id, (position, key, type_, name, mentions) in article["write"].items():
        ident = decided.get(entity_id[:16])
        resolved = ident is not None and "@" not in ident.key.split(":", 1)[0] and ident.key != key
        if resolved:
            key, type_ = ident.key, ident.type
        yield (article["article_id"], article["order"], entity_id, position, key, type_, name, resolved,
               mentions)


def actor_keys(articles: Any, entities: Any) -> Any:
    """The actor key of every entity: the store's identity rule over the whole dataset at once.

    The store decides a lone surname by the corpus's evidence on the people of
    that surname (``identity.resolve_article``), and ``reidentify.recompute``
    decides every stored entity again with all of it. Here the same, as Spark
    steps: each article's entities are identified and rebuilt as the store
    keeps them (``_article_identities``); the evidence on each person named in
    full (articles, people named beside, titles, gender and middle-initial
    votes) is summed by key (``reduceByKey``) and settled (``reidentify.settle``);
    candidates are grouped by surname and joined to the articles that need
    them; and each article is decided by the store's own ``resolve_article``.
    Returns an RDD of ``(article_id, order, entity, position, actor_key, type,
    name, resolved, mentions)``.
    """
    per_entity = entities.rdd.map(lambda r: (r["article_id"], r.asDict(recursive=True)))
    texts = articles.rdd.map(lambda r: (r["article_id"], (r["order"], r["content_hash"], r["text"])))
    identified = per_entity.groupByKey().join(texts).map(_article_identities).cache()
    candidates = (
        identified.flatMap(_evidence).reduceByKey(_merge_evidence).map(_candidate).groupByKey()
    )
    found = identified.flatMap(_needs).join(candidates).map(lambda kv: (kv[1][0], (kv[0], list(kv[1][1]))))
    decided = (
        identified.map(lambda a: (a["article_id"], a)).leftOuterJoin(found.groupByKey()).flatMap(_decide)
    )
    return decided, identified


def _quoted(rows: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    """Quote text, key and signature per attribution, by ``dedupe`` (as ``Store.add`` prepares them)."""
    from newsgraph.models import Analysis, Article, Attribution, Span
    from newsgraph.store import dedupe

    for row in rows:
        analysis = Analysis(article=Article(text=row["text"]))
        content = [Span(start=s["start"], end=s["end"], text=s["text"]) for s in row["content"]]
        cue = Span(start=row["cue"]["start"], end=row["cue"]["end"], text=row["cue"]["text"])
        attribution = Attribution(id=row["id"], kind=row["kind"], source=None, cue=cue, content=content)
        quoted = dedupe.quoted_text(analysis, attribution)
        if quoted is not None:
            yield (row["article_id"], row["order"], row["position"], dedupe.quote_key(quoted), quoted,
                   dedupe.signature(quoted))


def _signatures(rows: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    """Article signatures, for the articles the store searches (enough words; see ``store.write``)."""
    from newsgraph.store import dedupe
    from newsgraph.store.write import MIN_ARTICLE_WORDS

    for row in rows:
        text = row["text"]
        if len(dedupe.normalize(text[:2000]).split()) >= MIN_ARTICLE_WORDS:
            yield row["article_id"], row["order"], dedupe.signature(text)


def _bands(threshold: float) -> Any:
    def bands(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        import numpy as np

        from newsgraph.store.dedupe import NearDuplicateIndex, _band_hashes

        index = NearDuplicateIndex(threshold)
        for ident, order, sig in rows:
            values = np.frombuffer(sig, dtype="<u4")[None, :]
            for band, h in enumerate(_band_hashes(values, index.bands, index.rows)[0].tolist()):
                yield band, int(h) - (1 << 63), ident, order, sig  # signed: Spark has no uint64

    return bands


def near_duplicate_roots(spark: Any, signed: Any, threshold: float) -> dict[Any, Any]:
    """``{id: root id}`` for the rows with an earlier near duplicate; ``signed`` is an RDD of
    ``(id, order, signature)`` with a unique ``order`` per id."""
    from newsgraph.store.dedupe import similarity

    banded = signed.mapPartitions(_bands(threshold)).map(lambda r: ((r[0], r[1]), (r[2], r[3], r[4])))
    pairs = (
        banded.join(banded)
        .map(lambda kv: (kv[1][0], kv[1][1]))
        .filter(lambda ab: ab[0][1] < ab[1][1])  # (earlier, later)
        .map(lambda ab: ((ab[1][1], ab[1][0]), (ab[0][1], ab[0][0], ab[0][2], ab[1][2])))
        .distinct()
        .filter(lambda kv: similarity(kv[1][2], kv[1][3]) >= threshold)
        .map(lambda kv: (kv[0][0], kv[0][1], kv[1][0], kv[1][1]))
        .collect()
    )
    # The store's rule, in insertion order: a row joins the earliest root among the earlier rows it matches.
    earlier: dict[tuple[Any, Any], list[tuple[Any, Any]]] = {}
    for order, ident, other_order, other in pairs:
        earlier.setdefault((order, ident), []).append((other_order, other))
    root: dict[Any, tuple[Any, Any]] = {}
    for order, ident in sorted(earlier):
        candidates = [root.get(other, (o, other)) for o, other in earlier[(order, ident)]]
        root[ident] = min(candidates)
    return {ident: r[1] for ident, r in root.items()}


def _read(spark: Any, out: str, table: str) -> Any:
    """A table of the dataset, with its schema given: a table with no rows yet is an empty frame."""
    from newsgraph.spark.job import _spark_schema

    return spark.read.schema(_spark_schema(table)).parquet(f"{out}/{table}")


def corpus_tables(spark: Any, out: str) -> None:
    """Compute and write the ``corpus_*`` tables over the whole dataset in ``out``."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql.types import (
        BinaryType,
        BooleanType,
        IntegerType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    from newsgraph.store.dedupe import ARTICLE_THRESHOLD, QUOTE_THRESHOLD

    articles = _read(spark, out, "articles").select(
        "article_id", "content_hash", "input_index", "input", "record", "text"
    )
    # One insertion order for the whole dataset, as newsgraph load stores it.
    order = Window.orderBy("input_index", "input", "record")
    articles = articles.withColumn("order", F.row_number().over(order)).cache()

    # -- actors
    entities = _read(spark, out, "entities").select("article_id", "id", "position", "name", "type", "titles",
                                                    "mentions")
    keyed_schema = StructType([
        StructField("article_id", StringType()), StructField("order", IntegerType()),
        StructField("entity", StringType()), StructField("position", LongType()),
        StructField("actor_key", StringType()), StructField("type", StringType()),
        StructField("name", StringType()), StructField("resolved", BooleanType()),
        StructField("mentions", LongType()),
    ])
    decided, identified = actor_keys(articles, entities)
    keyed = spark.createDataFrame(decided, keyed_schema).cache()
    keyed.select("article_id", "entity", "actor_key").write.mode("overwrite").parquet(f"{out}/{ACTOR_KEYS}")
    identified.unpersist()
    # Names as the store gives them: the longest, first seen on ties, from the entities not re-keyed.
    naming = keyed.where(~F.col("resolved") | F.col("actor_key").startswith("person?:"))
    by_name = Window.partitionBy("actor_key").orderBy(F.length("name").desc(), "order", "position")
    named = naming.withColumn("n", F.row_number().over(by_name)).where(F.col("n") == 1)
    named = named.select("actor_key", "name")
    first_type = Window.partitionBy("actor_key").orderBy("order", "position")
    typed = keyed.withColumn("n", F.row_number().over(first_type)).where(F.col("n") == 1).select(
        "actor_key", "type", F.col("name").alias("first_name")
    )
    counts = keyed.groupBy("actor_key").agg(
        F.countDistinct("article_id").alias("articles"), F.sum("mentions").alias("mentions")
    )
    (
        typed.join(named, "actor_key", "left").join(counts, "actor_key")
        .select("actor_key", "type", F.coalesce("name", "first_name").alias("name"), "articles", "mentions")
        .write.mode("overwrite").parquet(f"{out}/{ACTORS}")
    )

    # -- quotes
    attributions = _read(spark, out, "attributions").join(
        articles.select("article_id", "text", "order"), "article_id"
    )
    quote_schema = StructType([
        StructField("article_id", StringType()), StructField("order", IntegerType()),
        StructField("position", LongType()), StructField("quote_key", StringType()),
        StructField("text", StringType()), StructField("signature", BinaryType()),
    ])
    quotes = spark.createDataFrame(attributions.rdd.mapPartitions(_quoted), quote_schema).cache()
    # One signature per key, from its first appearance (the store keeps the first quote of a key).
    firsts = quotes.withColumn(
        "n", F.row_number().over(Window.partitionBy("quote_key").orderBy("order", "position"))
    ).where(F.col("n") == 1)
    ranked = firsts.withColumn("rank", F.row_number().over(Window.orderBy("order", "position")))
    roots = near_duplicate_roots(
        spark, ranked.select("quote_key", "rank", "signature").rdd.map(tuple), QUOTE_THRESHOLD
    )
    variants = spark.createDataFrame(
        [(k, v) for k, v in roots.items()],
        StructType([StructField("quote_key", StringType()), StructField("variant_of", StringType())]),
    )
    (
        quotes.join(variants, "quote_key", "left")
        .select("article_id", "position", "quote_key", "text", "variant_of")
        .write.mode("overwrite").parquet(f"{out}/{QUOTES}")
    )

    # -- near-duplicate articles
    signed = articles.select("article_id", "order", "text").rdd.mapPartitions(_signatures)
    copies = near_duplicate_roots(spark, signed, ARTICLE_THRESHOLD)
    spark.createDataFrame(
        [(k, v) for k, v in copies.items()],
        StructType([StructField("article_id", StringType()), StructField("copy_of", StringType())]),
    ).write.mode("overwrite").parquet(f"{out}/{COPIES}")
    for frame in (articles, keyed, quotes):
        frame.unpersist()
