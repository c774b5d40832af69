"""Interval queries in O(n log n): which spans contain, or overlap, which others.

Why here: nesting attributions, merging the two engines' attributions and
keeping single quotation marks out of double quotes all ask "which of these
spans contains (or touches) that one?". Asked pair by pair, that is
quadratic in the number of spans, and a long article (a 2,000,000-character
file has tens of thousands of attributions) then takes minutes. These
helpers sort once and sweep, so the cost grows as n log n.

Spans are half-open ``(start, end)`` pairs of character (or token) offsets.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

_NONE = 1 << 62  # "no owner": larger than any index


def first_container(
    containers: Sequence[tuple[int, int, int]], queries: Sequence[tuple[int, int, int]]
) -> list[int | None]:
    """For each query ``(start, end, owner)``, the smallest container owner that contains it.

    ``containers`` are ``(start, end, owner)``: a span belonging to item
    ``owner`` (an item may own several spans). A container contains a query
    when ``c.start <= q.start and q.end <= c.end``; a query is never answered
    by its own owner. The answer is the smallest owner index, the same one a
    loop "for each item in order, does any of its spans contain the query"
    finds first; ``None`` where no other item's span contains the query.

    How: sweep the queries by start, adding every container that starts at or
    before it to a Fenwick tree indexed by container end (largest end first),
    where each node keeps the two smallest owners below it (two, so that the
    query's own owner can be skipped). A prefix query then gives the smallest
    owners among containers ending at or after the query's end.
    """
    if not containers or not queries:
        return [None] * len(queries)
    negated_ends = sorted({-c[1] for c in containers})  # largest end first
    size = len(negated_ends)
    best = [(_NONE, _NONE)] * (size + 1)

    def merge(a: tuple[int, int], owner: int) -> tuple[int, int]:
        first, second = a
        if owner in (first, second):
            return a
        if owner < first:
            return owner, first
        if owner < second:
            return first, owner
        return a

    by_start = sorted(containers)
    order = sorted(range(len(queries)), key=lambda k: queries[k][0])
    out: list[int | None] = [None] * len(queries)
    added = 0
    for k in order:
        q_start, q_end, q_owner = queries[k]
        while added < len(by_start) and by_start[added][0] <= q_start:
            _, c_end, c_owner = by_start[added]
            i = bisect_left(negated_ends, -c_end) + 1  # 1-based Fenwick position
            while i <= size:
                best[i] = merge(best[i], c_owner)
                i += i & -i
            added += 1
        # containers with end >= q_end: positions 1 .. (number of ends >= q_end)
        i = bisect_right(negated_ends, -q_end)
        found = (_NONE, _NONE)
        while i > 0:
            for owner in best[i]:
                if owner != _NONE:
                    found = merge(found, owner)
            i -= i & -i
        first, second = found
        answer = second if first == q_owner else first
        out[k] = None if answer == _NONE else answer
    return out


class Spans:
    """A fixed set of spans, sorted once, answering "does anything overlap / contain this?"."""

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [s for s, _ in ordered]
        # running maximum of the ends: the farthest any span starting up to here reaches
        self.reach: list[int] = []
        far = -(1 << 62)
        for _, e in ordered:
            far = max(far, e)
            self.reach.append(far)

    def overlaps(self, start: int, end: int) -> bool:
        """True if some span shares a character with ``[start, end)`` (``s < end and start < e``)."""
        i = bisect_left(self.starts, end)  # spans with s < end
        return i > 0 and self.reach[i - 1] > start

    def contains(self, start: int, end: int) -> bool:
        """True if some span holds all of ``[start, end)`` (``s <= start and end <= e``)."""
        i = bisect_right(self.starts, start)  # spans with s <= start
        return i > 0 and self.reach[i - 1] >= end


def innermost(
    containers: Sequence[tuple[int, int, int]], queries: Sequence[tuple[int, int]]
) -> list[int | None]:
    """For each query ``(start, end)``, the index of the shortest container that holds it.

    ``containers`` are ``(start, end, order)``; a container holds a query when
    ``c.start <= q.start and q.end <= c.end``. Among equally short ones the
    smallest ``order`` wins (the first a loop in that order would keep).
    Returns the container's position in ``containers``, or None.

    How: sweep the queries by start; a container joins the active list when
    the sweep reaches its start and leaves once the sweep has passed its end.
    Each query looks only at the active containers, the ones spanning its
    start: as many as spans nest there (a few in any text; the quotes nested
    5,000 deep of the adversarial benchmark hold no figures or events), so
    the cost is n log n for the sorting plus queries x nesting depth, never
    queries x containers as a loop over every container was.
    """
    if not containers or not queries:
        return [None] * len(queries)
    by_start = sorted(range(len(containers)), key=lambda k: containers[k][0])
    order = sorted(range(len(queries)), key=lambda k: queries[k][0])
    out: list[int | None] = [None] * len(queries)
    active: list[int] = []
    added = 0
    for k in order:
        q_start, q_end = queries[k]
        while added < len(by_start) and containers[by_start[added]][0] <= q_start:
            active.append(by_start[added])
            added += 1
        active = [c for c in active if containers[c][1] >= q_start]  # those it has passed leave
        best: tuple[int, int] | None = None
        answer = None
        for c in active:
            c_start, c_end, c_order = containers[c]
            if q_end <= c_end:
                key = (c_end - c_start, c_order)
                if best is None or key < best:
                    best, answer = key, c
        out[k] = answer
    return out
