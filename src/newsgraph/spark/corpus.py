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


def _identities(rows: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    """``identity.identify`` per entity row (the store's per-entity rule, not a copy of it)."""
    from newsgraph.models import Entity
    from newsgraph.store import identity

    for row in rows:
        entity = Entity(id=row["id"], name=row["name"], type=row["type"])
        ident = identity.identify(entity, row["content_hash"])
        yield (row["article_id"], row["order"], row["id"], row["position"], ident.key, ident.type, ident.name,
               ident.surname, ident.lone, len(row["mentions"] or []))


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
    entities = _read(spark, out, "entities").join(
        articles.select("article_id", "content_hash", "order"), "article_id"
    )
    ident_schema = StructType([
        StructField("article_id", StringType()), StructField("order", IntegerType()),
        StructField("entity", StringType()), StructField("position", LongType()),
        StructField("key", StringType()), StructField("type", StringType()),
        StructField("name", StringType()),
        StructField("surname", StringType()), StructField("lone", StringType()),
        StructField("mentions", LongType()),
    ])
    idents = spark.createDataFrame(entities.rdd.mapPartitions(_identities), ident_schema).cache()
    full = idents.where(F.col("surname").isNotNull())
    first_seen = full.groupBy("surname", "key").agg(F.min("order").alias("first"))
    here = full.select("article_id", F.col("surname").alias("lone")).distinct()
    lone = idents.where(F.col("lone").isNotNull()).join(here, ["article_id", "lone"], "left_anti")
    namesakes = (
        lone.select("article_id", "entity", "lone", "order")
        .join(first_seen.withColumnRenamed("surname", "lone"), "lone")
        .where(F.col("first") < F.col("order"))
        .groupBy("article_id", "entity")
        .agg(F.countDistinct("key").alias("n"), F.min("key").alias("namesake"))
        .where(F.col("n") == 1)
        .select("article_id", "entity", "namesake")
    )
    keyed = (
        idents.join(namesakes, ["article_id", "entity"], "left")
        .withColumn("resolved", F.col("namesake").isNotNull())
        .withColumn("actor_key", F.coalesce("namesake", "key"))
        .withColumn("type", F.when(F.col("resolved"), F.lit("PERSON")).otherwise(F.col("type")))
        .cache()
    )
    keyed.select("article_id", "entity", "actor_key").write.mode("overwrite").parquet(f"{out}/{ACTOR_KEYS}")
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
    for frame in (articles, idents, keyed, quotes):
        frame.unpersist()
