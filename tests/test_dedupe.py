"""Near-duplicate detection: normalisation, quote keys, quoted words, MinHash signatures, the index."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import newsgraph
from newsgraph.models import Analysis, Article, Attribution, Span
from newsgraph.store import dedupe
from newsgraph.store.dedupe import (
    ARTICLE_THRESHOLD,
    QUOTE_THRESHOLD,
    NearDuplicateIndex,
    diff_words,
    normalize,
    quote_key,
    quoted_text,
    signature,
    similarity,
)

# An invented wire story and the kind of copy another outlet would run.
WIRE = """\
Lakeside Town Votes to Rebuild Its Old Pier

The town council of Marlow Bay voted on Thursday to rebuild the wooden pier that storms damaged last autumn, ending a dispute that had divided residents for months.

"The pier is the heart of this town, and we are not going to let it fall into the water," said councillor Hannah Reyes, who led the campaign for the repairs.

The project will cost about four million dollars, to be paid from a regional tourism fund and a small increase in harbour fees. Work is expected to begin in the spring and to last eighteen months.

Fishing crews, who moor their boats along the pier, had warned that another winter without repairs could close the harbour entirely.

Opponents argued that the money should go to the flood defences on the north shore instead. Their petition gathered more than two thousand signatures.

The council also approved a study of the north shore defences, with a report due next year.
"""

COPY = """\
Lakeside Town Votes to Rebuild Its Old Pier

MARLOW BAY (Coast Wire) — Councillors in the small lakeside town agreed on Thursday to pay for a new pier after a long and bitter argument among residents.

“The pier is the heart of this town, and we are not going to let it fall into the water,” said councillor Hannah Reyes, who led the campaign for the repairs.

The project will cost about four million dollars, to be paid from a regional tourism fund and a small increase in harbour fees. Work is expected to begin in the spring and to last eighteen months.

Fishing crews, who moor their boats along the pier, had warned that another winter without repairs could close the harbour entirely.

Opponents argued that the money should go to the flood defences on the north shore instead. Their petition gathered more than two thousand signatures.
"""

UNRELATED = """\
Orchard Growers Expect a Record Apple Harvest

Apple growers in the Kessel valley say warm weather in May and steady rain over the summer have produced the largest crop in a decade.

"We have never had to hire so many pickers, and the packing sheds are running around the clock," said grower Tomas Lindqvist.

Prices at the regional market fell by a fifth last week as the first varieties arrived, and cider makers are buying the surplus at a discount.
"""


def _analysis(text: str, *attributions: Attribution) -> Analysis:
    return Analysis(article=Article(text=text), attributions=list(attributions))


def _span(text: str, part: str, start: int = 0) -> Span:
    at = text.index(part, start)
    return Span(start=at, end=at + len(part), text=part)


def _attribution(text: str, cue: str, *content: str, kind: str = "direct") -> Attribution:
    return Attribution(
        id="a1", kind=kind, source=None, cue=_span(text, cue), content=[_span(text, c) for c in content]
    )


# --- normalize / quote_key ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("“We will win,” she said.", '"We will win," she said.'),
        ("the mayor’s ‘plan’", "the mayor's 'plan'"),
        ("peace — at last", "peace -- at last"),
        ("peace – at last", "peace - at last"),
        ("Bridge CLOSED Tonight", "bridge closed tonight"),
        ("a  new\tpier\n\nnow\u00a0open ", "a new pier now open"),
        ("Café naïve façade in São Paulo", "cafe naive facade in sao paulo"),
        ("cafe\u0301", "café"),  # decomposed accent
        ("Straße", "strasse"),
        ("ﬁnal ofﬁce", "final office"),  # ligatures
    ],
)
def test_dedupe_normalize_equalities(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)


def test_dedupe_normalize_keeps_only_words() -> None:
    assert normalize("  “Don’t — EVER — say ‘never,’” he said!  ") == "don t ever say never he said"
    assert normalize("The vote: 12 to 3.") == "the vote 12 to 3"
    assert normalize("") == ""
    assert normalize("— … !?") == ""


def test_dedupe_normalize_different_words_stay_different() -> None:
    assert normalize("we will not back down") != normalize("we will now back down")
    assert normalize("resign") != normalize("re sign")


def test_dedupe_quote_key_equal_for_trivial_variants() -> None:
    key = quote_key("“We will rebuild the pier, whatever it costs,”")
    assert key == quote_key("we will rebuild the pier -- whatever it costs.")
    assert key == quote_key("WE WILL REBUILD THE PIER, WHATEVER IT COSTS")
    assert key == hashlib.sha256(b"we will rebuild the pier whatever it costs").hexdigest()


def test_dedupe_quote_key_differs_for_different_quotes() -> None:
    assert quote_key("We will rebuild the pier") != quote_key("We will not rebuild the pier")
    assert quote_key("We will rebuild the pier") != quote_key("We will rebuild the bridge")


# --- quoted_text ---------------------------------------------------------------------------

ARTICLE = """\
Harbour Board Backs New Ferry Plan

The chair of the Westmoor harbour board, Elena Marsh, said on Tuesday that "the new ferry will carry twice as many passengers every single day."

"We have waited far too long for a reliable crossing, and the islanders deserve better," Marsh told reporters.

Marsh called the old ferry a "relic" and said the contract was signed last week.

Opposition councillor Paul Ortega said the plan was "a costly gamble with public money that nobody asked for" and urged a review.
"""


@pytest.fixture(scope="module")
def ferry() -> Analysis:
    return newsgraph.analyze(ARTICLE)


def _covering(analysis: Analysis, phrase: str) -> Attribution:
    """The attribution whose content covers ``phrase`` (first occurrence)."""
    at = analysis.article.text.index(phrase)
    for attribution in analysis.attributions:
        if any(s.start <= at < s.end for s in attribution.content):
            return attribution
    raise AssertionError(f"no attribution covers {phrase!r}: {analysis.attributions}")


def test_dedupe_quoted_text_direct_quote(ferry: Analysis) -> None:
    attribution = _covering(ferry, "We have waited")
    assert quoted_text(ferry, attribution) == (
        "We have waited far too long for a reliable crossing, and the islanders deserve better"
    )


def test_dedupe_quoted_text_mixed_quote_keeps_only_marked_words(ferry: Analysis) -> None:
    attribution = _covering(ferry, "a costly gamble")
    assert quoted_text(ferry, attribution) == "a costly gamble with public money that nobody asked for"
    quoted = _covering(ferry, "the new ferry will")
    assert quoted_text(ferry, quoted) == "the new ferry will carry twice as many passengers every single day."


def test_dedupe_quoted_text_scare_quote_is_none(ferry: Analysis) -> None:
    attribution = _covering(ferry, '"relic"')
    assert quoted_text(ferry, attribution) is None


def test_dedupe_quoted_text_offsets_are_the_article_words(ferry: Analysis) -> None:
    text = ferry.article.text
    for attribution in ferry.attributions:
        quoted = quoted_text(ferry, attribution)
        if quoted is not None:
            assert quoted.rstrip(",") in text


def test_dedupe_quoted_text_joins_paragraph_pieces_without_the_cue() -> None:
    text = (
        "The minister said: “We are ready for the storm season this year.\n\n"
        "“Every shelter has food and water for a week,” she added.\n\nOther news."
    )
    attribution = _attribution(
        text,
        "said",
        "“We are ready for the storm season this year.",
        "“Every shelter has food and water for a week,”",
    )
    assert quoted_text(_analysis(text, attribution), attribution) == (
        "We are ready for the storm season this year. Every shelter has food and water for a week"
    )


def test_dedupe_quoted_text_interrupted_quote_skips_the_attribution() -> None:
    text = '"The roads will stay closed," the chief said, "until the water goes down completely."'
    attribution = _attribution(
        text, "said", '"The roads will stay closed,"', '"until the water goes down completely."'
    )
    assert quoted_text(_analysis(text, attribution), attribution) == (
        "The roads will stay closed until the water goes down completely."
    )


def test_dedupe_quoted_text_double_apostrophe_marks() -> None:
    text = "He said ''we will rebuild every single house'' on Friday."
    attribution = _attribution(text, "said", "''we will rebuild every single house''")
    assert quoted_text(_analysis(text, attribution), attribution) == "we will rebuild every single house"


def test_dedupe_quoted_text_indirect_speech_is_none() -> None:
    text = "The chief said the roads would stay closed until the water went down."
    attribution = _attribution(
        text, "said", "the roads would stay closed until the water went down", kind="indirect"
    )
    assert quoted_text(_analysis(text, attribution), attribution) is None


def test_dedupe_quoted_text_ignores_quotes_outside_the_content() -> None:
    text = '"We will never give up on this town," the mayor said. The chief said roads would reopen.'
    attribution = _attribution(text, "said", "roads would reopen", kind="indirect")
    attribution.cue = _span(text, "said", text.index("chief"))
    assert quoted_text(_analysis(text, attribution), attribution) is None


# --- signature / similarity ------------------------------------------------------------------


def test_dedupe_signature_is_compact_and_round_trips() -> None:
    sig = signature(WIRE)
    assert isinstance(sig, bytes) and len(sig) == 256
    values = np.frombuffer(sig, dtype="<u4")
    assert values.tobytes() == sig and len(set(values.tolist())) > 32  # real minima, not a constant
    assert bytes(bytearray(sig)) == sig and similarity(bytes(memoryview(sig)), sig) == 1.0
    assert len(signature(WIRE, num_perm=128)) == 512


def test_dedupe_signature_is_stable_across_processes() -> None:
    """No per-process hash seed: signatures stored by one run must match those of the next."""
    code = (
        "import sys; from newsgraph.store.dedupe import signature; sys.stdout.write(signature(sys.argv[1]).hex())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code, UNRELATED], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert bytes.fromhex(out) == signature(UNRELATED)


def test_dedupe_similarity_high_for_wire_copy_low_for_unrelated() -> None:
    assert similarity(signature(WIRE), signature(COPY)) >= ARTICLE_THRESHOLD
    assert similarity(signature(WIRE), signature(WIRE.replace('"', "”"))) == 1.0
    assert similarity(signature(WIRE), signature(UNRELATED)) < 0.2
    assert similarity(signature(COPY), signature(UNRELATED)) < 0.2


def test_dedupe_similarity_quote_variants() -> None:
    full = "We are not going to let the pier fall into the water, whatever the cost to the town budget"
    cut = "we are not going to let the pier fall into the water"
    other = "The harbour fees will rise by a small amount from next spring onwards"
    assert similarity(signature(full), signature(cut)) >= QUOTE_THRESHOLD
    assert similarity(signature(full), signature(other)) < QUOTE_THRESHOLD / 2


def test_dedupe_similarity_rejects_mismatched_signatures() -> None:
    with pytest.raises(ValueError):
        similarity(signature(WIRE), signature(WIRE, num_perm=128))
    with pytest.raises(ValueError):
        similarity(b"", b"")
    with pytest.raises(ValueError):
        similarity(b"abc", b"abc")


def test_dedupe_signature_short_and_empty_texts() -> None:
    assert similarity(signature("Resign"), signature("resign!")) == 1.0
    assert similarity(signature("Resign"), signature("Stay")) == 0.0
    assert similarity(signature(""), signature("— !")) == 1.0
    assert similarity(signature(""), signature("a real sentence here")) == 0.0


# --- NearDuplicateIndex ------------------------------------------------------------------------


def test_dedupe_index_finds_near_duplicate_not_unrelated() -> None:
    index = NearDuplicateIndex(ARTICLE_THRESHOLD)
    index.add(1, signature(WIRE))
    index.add(2, signature(UNRELATED))
    assert index.query(signature(COPY)) == [1]
    assert index.query(signature(UNRELATED)) == [2]
    assert index.query(signature("Something else entirely about trains and timetables.")) == []
    assert len(index) == 2 and 1 in index and 3 not in index


def test_dedupe_index_best_first_then_smallest_key() -> None:
    rng = np.random.default_rng(3)
    base = rng.integers(0, 2**32, 64, dtype=np.uint32)
    near, nearer = base.copy(), base.copy()
    near[:20] = 1  # 44/64 agree
    nearer[:5] = 2  # 59/64 agree
    index = NearDuplicateIndex(0.6)
    for key, values in [(5, near), (9, nearer), (7, base), (4, base)]:
        index.add(key, values.tobytes())
    assert index.query(base.tobytes()) == [4, 7, 9, 5]


def test_dedupe_index_add_again_replaces_signature() -> None:
    index = NearDuplicateIndex(ARTICLE_THRESHOLD)
    index.add(1, signature(WIRE))
    index.add(1, signature(UNRELATED))
    assert index.query(signature(WIRE)) == []
    assert index.query(signature(UNRELATED)) == [1]
    assert len(index) == 1


def test_dedupe_index_bulk_build_matches_incremental_adds() -> None:
    """Both paths (bulk, and adds past the merge point) find exactly the planted near copies."""
    rng = np.random.default_rng(11)
    n = dedupe._MERGE_AT * 2 + 100
    matrix = rng.integers(0, 2**32, (n, 64), dtype=np.uint32)
    pairs = [(i * 10, matrix[i].tobytes()) for i in range(n)]
    bulk = NearDuplicateIndex.from_signatures(pairs, 0.8)
    incremental = NearDuplicateIndex(0.8)
    for key, sig in pairs:
        incremental.add(key, sig)
    probes = rng.choice(n, 200, replace=False)
    for i in probes:
        copy = matrix[i].copy()
        copy[rng.choice(64, 4, replace=False)] = 0  # 60/64 agree: far above 0.8
        assert bulk.query(copy.tobytes()) == [i * 10]
        assert incremental.query(copy.tobytes()) == [i * 10]
        far = matrix[i].copy()
        far[:32] = 0  # 32/64 agree: below 0.8
        assert bulk.query(far.tobytes()) == []
    assert len(bulk) == len(incremental) == n


def test_dedupe_index_from_signatures_keeps_last_and_checks_size() -> None:
    index = NearDuplicateIndex.from_signatures([(1, signature(WIRE)), (1, signature(UNRELATED))])
    assert index.threshold == ARTICLE_THRESHOLD and len(index) == 1
    assert index.query(signature(UNRELATED)) == [1] and index.query(signature(WIRE)) == []
    with pytest.raises(ValueError):
        NearDuplicateIndex.from_signatures([(1, signature(WIRE, num_perm=128))])
    with pytest.raises(ValueError):
        NearDuplicateIndex(0.5).add(1, b"\x00" * 12)
    with pytest.raises(ValueError):
        NearDuplicateIndex(1.5)


# --- diff_words ------------------------------------------------------------------------------


def test_dedupe_diff_words_shows_changed_word() -> None:
    a = "We will rebuild the pier before the winter storms"
    b = "We will repair the pier before the winter storms"
    assert diff_words(a, b) == [("rebuild", "repair")]


def test_dedupe_diff_words_ignores_typography_and_reports_cuts() -> None:
    assert diff_words("“We will WIN,” she said", '"we will win," she said') == []
    assert diff_words("we will win this fight", "we will win") == [("this fight", "")]
    assert diff_words("we will win", "frankly, we will win") == [("", "frankly,")]


# --- properties ------------------------------------------------------------------------------

TEXTS = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)


@given(TEXTS)
def test_dedupe_normalize_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert once == " ".join(once.split())  # single spaces, no ends


@settings(max_examples=60)
@given(TEXTS)
def test_dedupe_signature_deterministic_and_self_similar(text: str) -> None:
    sig = signature(text)
    assert sig == signature(text) == signature(normalize(text))
    assert len(sig) == 256
    assert similarity(sig, sig) == 1.0


@settings(max_examples=60)
@given(TEXTS, TEXTS)
def test_dedupe_similarity_symmetric_and_bounded(a: str, b: str) -> None:
    sa, sb = signature(a), signature(b)
    assert similarity(sa, sb) == similarity(sb, sa)
    assert 0.0 <= similarity(sa, sb) <= 1.0
    if normalize(a) == normalize(b):
        assert sa == sb
