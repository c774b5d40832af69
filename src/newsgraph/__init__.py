"""newsgraph: who said what, to whom, according to whom — in news articles.

    >>> import newsgraph
    >>> result = newsgraph.analyze("Officials said the bridge will reopen on Monday.")
    >>> [a.cue.text for a in result.attributions]
    ['said']

``analyze`` returns an ``Analysis`` (see ``newsgraph.models``); the spaCy
components ``newsgraph_actors`` and ``newsgraph_attributions`` plug into any
English pipeline with a parser and NER.
"""

from __future__ import annotations

from newsgraph.models import Analysis, Article, Attribution, Entity, LinkedSpan, Span

__version__ = "0.1.0"
__all__ = ["Analysis", "Article", "Attribution", "Entity", "LinkedSpan", "Span", "__version__", "analyze"]

def analyze(
    text: str,
    published: str | None = None,
    *,
    model: str | None = None,
    threshold: float = 0.0,
    time_budget: float | None = 60.0,
) -> Analysis:
    """Analyse one article given as plain text; the first line may be its headline.

    ``model`` is the attribution engine, ``"trained"``, ``"rules"`` or ``"neural"`` (None:
    the default, see README); ``threshold`` the lowest confidence kept;
    ``time_budget`` the seconds the analysis may take (more for a text over
    200,000 characters; None or 0: no limit) before it raises
    ``NewsgraphError`` E040.

    Why a wrapper: importing spaCy and loading the model takes seconds, so the
    pipeline is loaded on first use rather than on ``import newsgraph``.
    """
    from newsgraph.analysis.pipeline import DEFAULT_ATTRIBUTION_MODEL
    from newsgraph.analysis.pipeline import analyze as _analyze

    return _analyze(
        text,
        published=published,
        model=model or DEFAULT_ATTRIBUTION_MODEL,
        threshold=threshold,
        time_budget=time_budget,
    )
