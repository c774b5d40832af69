"""The learned engine's content chooser: the readings of a kept attribution's content, and the models
choosing its start and end."""

from __future__ import annotations

import json
from dataclasses import replace

from conftest import candidate, damaged_weights_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language

from newsgraph.analysis import attributions as rules
from newsgraph.analysis import content_readings, learned, pipeline


def _read(f: rules.Found, side: str) -> list[str]:
    """The content of each reading of ``side``, its offsets checked."""
    out = []
    text = f.cue.doc.text
    for bound, g in content_readings.readings(f, side):
        assert g.cue == f.cue and g.source == f.source
        for span in g.content:  # offsets are sacred
            assert text[span.start_char : span.end_char] == span.text
        edge = g.content[0].start if side == "start" else g.content[-1].end
        assert edge == bound.at
        out.append(" / ".join(s.text for s in g.content))
    return out


def test_content_readings_ends_at_each_clause_boundary(parser: Language) -> None:
    f = candidate(parser, "The mayor said the pier will reopen in May, which pleased traders, and more.", "said")
    assert _read(f, "end") == [
        "the pier will reopen in May",  # as found: the candidates stop before ", which"
        "the pier will reopen in May, which pleased traders",
        "the pier will reopen in May, which pleased traders, and more",
    ]


def test_content_readings_starts_at_markers_and_back_towards_the_cue(parser: Language) -> None:
    f = candidate(parser, "Ms. Okafor cited the flood report as proof that the barrier works.", "cited")
    assert _read(f, "start") == [
        "the flood report as proof that the barrier works",
        "as proof that the barrier works",
        "that the barrier works",
    ]
    f = candidate(parser, "The minister told reporters on Monday that the bridge was safe.", "told")
    starts = _read(f, "start")
    assert starts[0] == "that the bridge was safe"
    assert "reporters on Monday that the bridge was safe" in starts  # back to the cue, never over it
    assert all("told" not in s for s in starts)


def test_content_readings_content_before_its_cue_stays_before_it(parser: Language) -> None:
    f = candidate(parser, "“The pier will reopen soon,” the mayor said, and the ferry will follow.", "said")
    ends = _read(f, "end")
    assert ends[0] == "“The pier will reopen soon,”"
    assert all("mayor" not in e and "ferry" not in e for e in ends)
    assert "”" not in _read(f, "start")  # a reading with no word in it is not made


def test_content_readings_spans_drop_the_first_or_the_last(parser: Language) -> None:
    text = "“The pier is safe,” the mayor said. “The ferry will return in May.”"
    f = candidate(parser, text, "said")
    assert [s.text for s in f.content] == ["“The pier is safe,”", "“The ferry will return in May.”"]
    readings = content_readings.readings(f, "spans")
    assert [(b.mark, [s.text for s in g.content]) for b, g in readings] == [
        ("found", ["“The pier is safe,”", "“The ferry will return in May.”"]),
        ("drop-first", ["“The ferry will return in May.”"]),
        ("drop-last", ["“The pier is safe,”"]),
    ]
    rows = [content_readings.features(f, "spans", b, -1, frozenset()) for b, _ in readings]
    assert rows[0]["found"] == 1.0 and rows[0]["dropped_len"] == 0.0
    assert rows[2]["dropped_after_cue"] == 1.0 and rows[1]["dropped_after_cue"] == 0.0
    one = candidate(parser, "The mayor said the pier was safe.", "said")
    assert [b.mark for b, _ in content_readings.readings(one, "spans")] == ["found"]


def test_content_readings_end_does_not_grow_over_another_cue(parser: Language) -> None:
    f = candidate(parser, "The mayor said the pier will reopen, and the harbour master warned of delays.", "said")
    doc = f.cue.doc
    warned = next(t.i for t in doc if t.text == "warned")
    grown = _read(f, "end")
    assert any("warned" in e for e in grown)  # with no other cue there, the end may run on
    ends = [g for _, g in content_readings.readings(f, "end", frozenset({warned}))]
    assert all(g.content[-1].end <= warned for g in ends)


def _teach(parser: Language) -> content_readings.ContentChooser:
    """A chooser taught that a content stops before ", which" but runs on over ", and"."""
    examples = [
        ("The mayor said the pier was sound, which pleased traders.", "the pier was sound"),
        ("The judge said the law was clear, which angered critics.", "the law was clear"),
        ("The chief said the bridge was safe, and the works would start soon.",
         "the bridge was safe, and the works would start soon"),
        ("The union said the talks were over, and a strike would follow.",
         "the talks were over, and a strike would follow"),
    ] * 8
    samples = []
    for text, gold in examples:
        f = candidate(parser, text, "said")

        def test(g: rules.Found, side: str, gold: str = gold) -> bool:
            content = g.content[0].text
            return gold.startswith(content) if side == "start" else content.endswith(gold[-12:])

        samples.append((f, frozenset(), test))
    chooser = content_readings.fit(samples, seed=13)
    assert chooser is not None and chooser.ends is not None
    return chooser


def test_content_readings_chooser_learns_and_round_trips(parser: Language) -> None:
    chooser = _teach(parser)
    tests = [
        candidate(parser, "The captain said the ship was late, which annoyed passengers.", "said"),
        candidate(parser, "The council said the road was closed, and the detour would last a week.", "said"),
    ]
    chosen = [f.content[-1].text for f in chooser.choose(tests)]
    assert chosen == ["the ship was late", "the road was closed, and the detour would last a week"]
    again = content_readings.ContentChooser.from_json(json.loads(json.dumps(chooser.to_json())))
    assert [f.content[-1].text for f in again.choose(tests)] == chosen


def test_content_readings_spans_chooser_learns_and_round_trips(parser: Language) -> None:
    """Taught that after 'said' both quotations are the content but after 'insisted' only the first."""
    examples = [
        ("“The pier is safe,” the mayor said. “The ferry will return in May.”", "said", 2),
        ("“The road is open,” the chief said. “The detour ends today.”", "said", 2),
        ("“The pier is safe,” the mayor insisted. “The ferry will return in May.”", "insisted", 1),
        ("“The road is open,” the chief insisted. “The detour ends today.”", "insisted", 1),
    ] * 8
    samples = []
    for text, cue, keep in examples:
        f = candidate(parser, text, cue)
        assert len(f.content) == 2
        right = {(s.start, s.end) for s in f.content[:keep]}

        def test(g: rules.Found, side: str, right: set[tuple[int, int]] = right) -> bool:
            return side != "spans" or {(s.start, s.end) for s in g.content} == right

        samples.append((f, frozenset(), test))
    chooser = content_readings.fit(samples, seed=13)
    assert chooser is not None and chooser.spans is not None
    tests = [
        candidate(parser, "“The school is closed,” the head said. “Lessons resume on Monday.”", "said"),
        candidate(parser, "“The school is closed,” the head insisted. “Lessons resume on Monday.”", "insisted"),
    ]
    assert [len(f.content) for f in chooser.spans.choose(tests)] == [2, 1]
    again = content_readings.ContentChooser.from_json(json.loads(json.dumps(chooser.to_json())))
    assert again.spans is not None
    assert [len(f.content) for f in again.spans.choose(tests)] == [2, 1]


def test_content_readings_fit_without_a_choice_to_learn(parser: Language) -> None:
    f = candidate(parser, "The mayor said the pier was sound, which pleased traders.", "said")
    assert content_readings.fit([], seed=13) is None
    assert content_readings.fit([(f, frozenset(), lambda g, side: True)], seed=13) is None


VOCABULARY = (
    "the mayor said that pier will reopen , which and . “ ” told reporters cited report as proof -- ; "
    "warned of delays on Monday ( )"
)
WORDS = st.sampled_from(VOCABULARY.split(" "))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(WORDS, min_size=1, max_size=30))
def test_content_readings_any_text_reads_within_the_text(parser: Language, words: list[str]) -> None:
    text = " ".join(words)
    doc = parser(text, disable=pipeline._late(parser))
    for f in learned.Candidates(doc).readings():
        cue = set(range(f.cue.start, f.cue.end))
        for side in content_readings.SIDES:
            for _, g in content_readings.readings(f, side):
                for span in g.content:
                    assert text[span.start_char : span.end_char] == span.text
                    assert any(not (t.is_punct or t.is_space) for t in span)
                    assert not cue & set(range(span.start, span.end))


def test_content_readings_damaged_chooser_is_one_coded_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    end = {"side": "end", "booster": "not a model", "tables": {}}
    error, damaged = damaged_weights_error(tmp_path, "contents", {"start": None, "end": end})
    assert error.code == "E036" and str(damaged) in str(error)
    assert "\n" not in str(error)


def test_content_readings_paired_quotes_keep_a_quotation_whole(parser: Language) -> None:
    f = candidate(parser, '"We cannot wait," the mayor said. "It floods," she added.', "said")
    doc = f.cue.doc
    one_sided = doc.char_span(1, 17)  # 'We cannot wait,"': the opening mark left out
    assert one_sided is not None and one_sided.text == 'We cannot wait,"'
    (whole,) = content_readings.paired_quotes(replace(f, content=[one_sided])).content
    assert whole.text == '"We cannot wait,"' and doc.text[whole.start_char : whole.end_char] == whole.text
    plain = replace(f, content=[doc.char_span(1, 15)])  # no mark inside: nothing to pair
    assert content_readings.paired_quotes(plain) is plain
