"""Interval sweeps give exactly what the all-pairs loops they replace gave."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from newsgraph.analysis.attributions import nest
from newsgraph.analysis.intervals import Spans, first_container, innermost

spans = st.tuples(st.integers(0, 60), st.integers(0, 12)).map(lambda t: (t[0], t[0] + t[1]))


@settings(max_examples=300)
@given(
    st.lists(st.tuples(spans, st.integers(0, 15)), max_size=40),
    st.lists(st.tuples(spans, st.integers(0, 15)), max_size=40),
)
def test_intervals_first_container_matches_brute_force(containers, queries) -> None:  # type: ignore[no-untyped-def]
    cs = [(s, e, owner) for (s, e), owner in containers]
    qs = [(s, e, owner) for (s, e), owner in queries]
    expected = []
    for q_start, q_end, q_owner in qs:
        owners = [o for s, e, o in cs if o != q_owner and s <= q_start and q_end <= e]
        expected.append(min(owners) if owners else None)
    assert first_container(cs, qs) == expected


@settings(max_examples=300)
@given(st.lists(spans, max_size=40), spans)
def test_intervals_spans_overlap_and_contain_match_brute_force(regions, probe) -> None:  # type: ignore[no-untyped-def]
    start, end = probe
    index = Spans(regions)
    assert index.overlaps(start, end) == any(s < end and start < e for s, e in regions)
    assert index.contains(start, end) == any(s <= start and end <= e for s, e in regions)


def _found(cue: tuple[int, int], content: list[tuple[int, int]], n: int) -> SimpleNamespace:
    span = lambda se: SimpleNamespace(start=se[0], end=se[1])  # noqa: E731
    return SimpleNamespace(id=f"A{n}", cue=span(cue), content=[span(c) for c in content], parent="stale")


def _nest_all_pairs(found: list[SimpleNamespace]) -> list[str | None]:
    """The quadratic loop ``nest`` used to be: the reference."""
    parents = []
    for f in found:
        parent = None
        for g in found:
            if g is not f and any(s.start <= f.cue.start and f.cue.end <= s.end for s in g.content):
                parent = g.id
                break
        parents.append(parent)
    return parents


@settings(max_examples=300)
@given(st.lists(st.tuples(spans, st.lists(spans, max_size=3)), max_size=30))
def test_attributions_nest_matches_all_pairs_reference(items) -> None:  # type: ignore[no-untyped-def]
    items = sorted(items, key=lambda item: item[0][0])  # attributions come in cue order
    found = [_found(cue, content, n) for n, (cue, content) in enumerate(items, 1)]
    expected = _nest_all_pairs(found)
    nest(found)  # type: ignore[arg-type]
    assert [f.parent for f in found] == expected


def test_attributions_nest_finds_a_long_chain() -> None:
    """Many attributions, each nested in the one before: every parent is found (a chain)."""
    found = [_found((10 * k, 10 * k + 1), [(10 * k + 5, 10 * k + 20)], k + 1) for k in range(5_000)]
    nest(found)  # type: ignore[arg-type]
    assert found[0].parent is None
    assert all(f.parent == f"A{k}" for k, f in enumerate(found[1:], 1))


@settings(max_examples=300)
@given(st.lists(st.tuples(spans, st.integers(0, 15)), max_size=40), st.lists(spans, max_size=40))
def test_intervals_innermost_matches_brute_force(containers, queries) -> None:  # type: ignore[no-untyped-def]
    cs = [(s, e, order) for (s, e), order in containers]
    # the loop it replaces: containers by length (then order), the first that holds the query
    by_size = sorted(range(len(cs)), key=lambda k: (cs[k][1] - cs[k][0], cs[k][2]))
    expected = [next((k for k in by_size if cs[k][0] <= qs and qe <= cs[k][1]), None) for qs, qe in queries]
    found = innermost(cs, queries)
    # equal (length, order) pairs may differ in position: compare what identifies them
    key = lambda k: None if k is None else (cs[k][1] - cs[k][0], cs[k][2])  # noqa: E731
    assert [key(k) for k in found] == [key(k) for k in expected]
    assert all(
        k is None or (cs[k][0] <= qs and qe <= cs[k][1]) for k, (qs, qe) in zip(found, queries, strict=True)
    )


@settings(max_examples=300)
@given(st.lists(spans, max_size=30), st.lists(spans, max_size=30))
def test_events_statements_match_the_first_overlapping_cue(cues, triggers) -> None:  # type: ignore[no-untyped-def]
    from newsgraph.analysis.events import _statements

    attributions = [
        SimpleNamespace(id=f"A{n}", cue=SimpleNamespace(start_char=s, end_char=e))
        for n, (s, e) in enumerate(cues)
    ]
    doc = SimpleNamespace(_=SimpleNamespace(attributions=attributions))
    by_cue: dict[tuple[int, int], str] = {}
    for a in attributions:
        by_cue[(a.cue.start_char, a.cue.end_char)] = a.id
    expected = [
        next((ident for (s, e), ident in by_cue.items() if s < te and ts < e), None) for ts, te in triggers
    ]
    assert _statements(doc, triggers) == expected  # type: ignore[arg-type]


def test_actors_entity_at_matches_doc_ents(nlp) -> None:  # type: ignore[no-untyped-def]
    from newsgraph.analysis.actors import entity_at

    doc = nlp("Ruth Adeyemi of the Harbor Council met New York officials in May and June.")
    assert len(doc.ents) >= 2
    for token in doc:
        ent = entity_at(token)
        expected = next((e for e in doc.ents if e.start <= token.i < e.end), None)
        if expected is None:
            assert ent is None
        else:
            assert ent is not None and (ent.start, ent.end, ent.label_) == (
                expected.start,
                expected.end,
                expected.label_,
            )
