"""The whole analysis on arbitrary and awkward text: never raises, every offset holds."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsgraph import analyze
from newsgraph.analysis.pipeline import analyze_articles
from newsgraph.io.reading import read_text

WORDS = ["Mayor", "Ruth", "Adeyemi", "said", "told", "the", "council", "that", "“", "”", '"', "‘", "’",
         "according", "to", "officials", ",", ".", ":", "\n", "\n\n", "he", "she", "claimed", "—", "We", "will"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS), max_size=60).map(" ".join))
@example(", : to Ruth according council")  # a speaker colon after bare punctuation: once an empty source
def test_pipeline_newsy_text_offsets_hold(nlp, text: str) -> None:  # type: ignore[no-untyped-def]
    analyze(text).check_offsets()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_pipeline_any_text_offsets_hold(nlp, text: str) -> None:  # type: ignore[no-untyped-def]
    result = analyze(text)
    result.check_offsets()
    assert result.article.text == text.replace("\x00", "\ufffd")  # NUL is cleaned at the reader (W010)


def test_pipeline_unbalanced_and_nested_quotes(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Ministers Say Talks Are ‘Stuck’\n\n"
        "“We asked them, ‘Where is the money?’ and heard nothing,” the minister said.\n\n"
        "A spokesman said “this will never close.\n\n"
        "Officials said the talks would resume.\n"
    )
    result = analyze(text)
    result.check_offsets()
    said = [a for a in result.attributions if a.source and a.source.text == "Officials"]
    assert said and said[0].content[0].text == "the talks would resume"


def test_pipeline_processes_give_identical_results(nlp) -> None:  # type: ignore[no-untyped-def]
    texts = [
        "Officials said the bridge will reopen on Monday.",
        "“It is safe,” the engineer told reporters. The river rose overnight.",
        "According to the agency, rents rose by 4 percent.",
    ]
    one = [a.model_dump() for a in analyze_articles([read_text(t) for t in texts])]
    two = [a.model_dump() for a in analyze_articles([read_text(t) for t in texts], n_process=2, batch_size=1)]
    assert one == two


def test_pipeline_reads_inputs_lazily_with_processes(nlp) -> None:  # type: ignore[no-untyped-def]
    seen = 0

    def inputs():  # type: ignore[no-untyped-def]
        nonlocal seen
        for i in range(120):
            seen += 1
            yield read_text(f"Officials said bridge {i} will reopen on Monday.")

    results = analyze_articles(inputs(), n_process=2, batch_size=2)
    first = next(results)
    assert first.attributions[0].cue.text == "said"
    assert seen < 40  # a bounded window in flight, not the whole archive
    assert sum(1 for _ in results) == 119
