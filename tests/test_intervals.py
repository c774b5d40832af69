"""Interval sweeps give exactly what the all-pairs loops they replace gave."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from newsgraph.analysis.attributions import nest
from newsgraph.analysis.intervals import Spans, first_container

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
