"""Quotation finding on raw text: pairing, paragraphs, apostrophes, unbalanced marks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from newsgraph.analysis.quotes import find_quotes


def texts(text: str) -> list[str]:
    return [text[q.start : q.end] for q in find_quotes(text)]


def test_quotes_curly_and_straight_pairs() -> None:
    text = 'She said “we are ready,” and he said "not yet" twice.'
    assert texts(text) == ["“we are ready,”", '"not yet"']


def test_quotes_apostrophes_are_not_quotes() -> None:
    text = "The mayor’s plan won’t pass, the council’s clerk said."
    assert texts(text) == []


def test_quotes_single_marks_in_headline() -> None:
    text = "Minister Says Deal Is ‘Done’ and ‘Fair to All’\n\nBody."
    assert texts(text) == ["‘Done’", "‘Fair to All’"]


def test_quotes_multi_paragraph_quote_has_pieces() -> None:
    text = "He said: “First part of it.\n\n“Second part,” he added.\n\nAfter."
    (quote,) = find_quotes(text)
    assert [text[s:e] for s, e in quote.pieces] == ["“First part of it.", "“Second part,”"]
    assert quote.closed


def test_quotes_unbalanced_closes_at_paragraph_end() -> None:
    text = "He said “this never closes\n\nNext paragraph is the reporter’s."
    (quote,) = find_quotes(text)
    assert text[quote.start : quote.end] == "“this never closes"
    assert not quote.closed


def test_quotes_nested_single_inside_double() -> None:
    text = "“They called it ‘a disaster’ on air,” she said."
    assert texts(text) == ["“They called it ‘a disaster’ on air,”"]


@given(st.text(alphabet=st.sampled_from(list("ab “”‘’\"'\n.,")), max_size=200))
def test_quotes_offsets_valid_on_any_text(text: str) -> None:
    last_end = -1
    for q in find_quotes(text):
        assert 0 <= q.start < q.end <= len(text)
        for s, e in q.pieces:
            assert q.start <= s < e <= q.end
        assert q.start >= 0
        last_end = max(last_end, q.end)


def test_quotes_double_apostrophes_pair() -> None:
    text = "He said ''we were floored,'' and ''yes'' twice; it's the mayor's."
    assert texts(text) == ["''we were floored,''", "''yes''"]
