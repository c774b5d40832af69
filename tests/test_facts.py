"""Figures, times and places: the facts an article asserts (issue 10).

Short invented sentences; the real corpora are scored by benchmarks/facts.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsgraph.analysis.figures import scan
from newsgraph.analysis.pipeline import analyze
from newsgraph.analysis.times import find_times


def figures_of(text: str) -> list[tuple[str, object, str | None, str]]:
    return [(text[f.start : f.end], f.value, f.unit, f.change) for f in scan(text)]


def values_of(text: str) -> list[object]:
    return [f.value for f in scan(text)]


# --- figures ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("The city holds 1.5 million people.", 1_500_000, "person"),
        ("A 1,5 million euro grant.", 1_500_000, None),
        ("The club paid £1.5m for him.", 1_500_000, "pound"),
        ("Revenue reached $1.2bn last year.", 1_200_000_000, "dollar"),
        ("Prices rose 4.5 per cent.", 4.5, "percent"),
        ("The fine was €300,000.", 300_000, "euro"),
        ("The car does 87 mph at most.", 87, "mile per hour"),
        ("A 50-year-old woman was hurt.", 50, "year of age"),
        ("They met nearly forty times.", 40, "time"),
        ("About a dozen boats sank.", 12, None),
    ],
)
def test_figures_value_and_unit(text: str, value: float, unit: str | None) -> None:
    (found,) = scan(text)
    assert found.value == pytest.approx(value)
    if unit is not None:
        assert found.unit == unit


@pytest.mark.parametrize(
    ("text", "change"),
    [
        ("Some 40 people came.", "~"),
        ("More than 300 homes burned.", ">"),
        ("Fewer than 20 remain.", "<"),
        ("Shares rose 5% on Monday.", "up"),
        ("Sales fell 12% in March.", "down"),
        ("They counted 17 boats.", "="),
    ],
)
def test_figures_change_marker(text: str, change: str) -> None:
    (found,) = scan(text)
    assert found.change == change


def test_figures_ranges() -> None:
    assert values_of("It takes 2-3 days.") == [(2, 3)]
    assert values_of("between 5 and 10 percent") == [(5, 10)]
    assert values_of("a bill of $89 to $93 billion") == [(89e9, 93e9)]
    assert values_of("tens of thousands of protesters") == [(1e4, 1e5)]


@pytest.mark.parametrize(
    "text",
    [
        "The jets include F-35 and F-15 models.",
        "It happened on October 7th, 2023.",
        "The vote is on March 29.",
        "We met at 3 p.m. and again at 10:30.",
        "Under Article 5 of the treaty.",
        "Call 555-123-4567 or +44 20 7946 0958.",
        "ISBN 978-3-16-148410-0 is the book.",
        "They won 3-2 at home.",
        "Henry VIII and World War II.",
        "The storm hit in 2019.",
        "She finished 2nd in the race.",
    ],
)
def test_figures_not_figures(text: str) -> None:
    assert figures_of(text) == []


def test_figures_spelled_out_and_negative() -> None:
    assert values_of("Seven European countries took part.") == [7]
    assert values_of("The low was minus 5 degrees.") == [-5]


# NewsQuant's conventions (issue 10's figures targets), each on invented sentences.


@pytest.mark.parametrize(
    "text",
    [
        "She lives at 42 Elm Road, Springfield, with her aunt.",
        "The office moved to 7 W 54th St, Manhattan, last year.",
        "Homes in the 10027 ZIP code sold quickly.",
        "The airline grounded its 747 Max fleet and sold the 777 Dreamliner.",
        "Traders watched the s&p 500 and the ftse 100 all day.",
        "The drug ABC-R12 failed its trial.",
        "Sales were weak in the second half.",
        "The shop is open 24/7 since 9/11 and splits costs 50/50.",
    ],
)
def test_figures_addresses_models_and_codes_are_not_figures(text: str) -> None:
    assert figures_of(text) == []


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("Each tablet holds 250mg of the drug.", 250, "milligram"),
        ("The engine makes 400 Nm of torque.", 400, "newton metre"),
        ("The chip is built on a 3 nm process.", 3, "nanometre"),
        ("The city switched on its 5G network.", 5, "generation wireless"),
        ("The sample weighs 5 g.", 5, "gram"),
        ("The dollar bought 109.5 JPY on Friday.", 109.5, "yen"),
        ("The council raised NIS 40 million.", 40_000_000, "shekel"),
        ("Water boils at 100 C at sea level.", 100, "celsius"),
        ("The sun weighs about 1.99×10^30 kilograms.", 1.99e30, "kilogram"),
        ("It was about minus 40 Fahrenheit ,minus 40 Celsius there.", -40, "fahrenheit"),
    ],
)
def test_figures_units_as_newsquant_folds_them(text: str, value: float, unit: str) -> None:
    found = scan(text)[0]
    assert found.value == pytest.approx(value)
    assert found.unit == unit


def test_figures_written_fractions() -> None:
    assert values_of("Only 1/4 of the voters came.") == [pytest.approx(0.25)]
    assert values_of("The track is 1\u20448 of a mile.") == [pytest.approx(0.125)]
    assert values_of("The flight took 2½ hours.") == [pytest.approx(2.5)]
    assert values_of("Rent is 1/0 of nothing.") == []


def test_figures_shares_out_of_and_in() -> None:
    assert values_of("One out of four voters stayed home.") == [pytest.approx(0.25)]
    assert values_of("Now 1 in 5 adults smoke.") == [pytest.approx(0.2)]
    assert values_of("He scored 5 in 10 days.") == [5, 10]  # not a share: the second has a unit


@pytest.mark.parametrize(
    ("text", "change"),
    [
        ("The shares are down 20% after plummeting 30% last year.", "down"),
        ("The firm makes sub-5 nanometre chips.", "<"),
        ("The bank plans to cut its workforce by 10%.", "down"),
        ("The chain expects to grow revenue by 8 per cent.", "up"),
        ("The stock trades at barely 3 times earnings.", "~"),
    ],
)
def test_figures_change_conventions(text: str, change: str) -> None:
    assert scan(text)[-1].change == change


def test_figures_ranges_after_by_and_long_from_to() -> None:
    (fell,) = scan("Temperatures fell by 2 to 3 degrees Celsius.")
    assert (fell.value, fell.unit, fell.change) == ((2, 3), "celsius", "down")
    assert values_of("Shares rose by 5 to 105 points.") == [5, 105]  # the change, then the level
    assert values_of("Oil went from $60 a barrel in May to $45 in June.") == [(60, 45)]
    assert values_of("Mileage climbed from 30 mpg combined to 34 last year.") == [(30, 34)]


def test_figures_conversion_after_a_counted_noun_keeps_the_change() -> None:
    found = scan("Savers with more than 2 million Danish crowns (US$300,000) pay a fee.")
    assert [(f.value, f.change) for f in found] == [(2_000_000, ">"), (300_000, ">")]


def test_figures_one_before_a_count_is_not_a_figure() -> None:
    assert values_of("The port has just one 9,000 tonne crane.") == [9_000]


def test_figures_count_per_period_keeps_the_period(nlp) -> None:  # type: ignore[no-untyped-def]
    (figure,) = analyze("The kitchen serves 3,000 meals per day.", "2024-03-26").figures
    assert figure.unit == "meals per day"


def test_figures_scorer_spelling_only_respells_the_pence_symbol() -> None:
    from newsgraph.eval.figures import scorer_unit

    assert scorer_unit("pence", "118.5p") == "p"
    assert scorer_unit("pence", "40 pence") == "pence"
    assert scorer_unit(None, "40") == ""


def test_figures_newsquant_dev_floor(shared: Path, tmp_path: Path) -> None:
    """Regression floor on NewsQuant dev with the official scorer (measured: value 0.971,
    value+change 0.923, value+unit 0.885; issue 10's targets 0.92 / 0.89 / 0.85)."""
    from newsgraph.eval.figures import predict

    gold, scorer_path = shared / "newsquant" / "dev.json", shared / "bench" / "quantity_score.py"
    if not gold.exists() or not scorer_path.exists():
        pytest.skip("../shared/newsquant/dev.json or the quantity scorer is missing")
    out = tmp_path / "figures.jsonl"
    predict(gold, out)
    result = subprocess.run(
        [sys.executable, str(scorer_path), str(gold), str(out), "--json", str(tmp_path / "score.json")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "value+change F1" in result.stdout
    score = json.loads((tmp_path / "score.json").read_text(encoding="utf-8"))
    assert score["value"]["f1"] >= 0.96
    assert score["value+change"]["f1"] >= 0.91
    assert score["value+unit"]["f1"] >= 0.87


# --- times -----------------------------------------------------------------------------------------


def times_of(text: str, published: str | None = "2024-03-26") -> list[tuple[str, str, str]]:
    return [(t.text, t.type, t.value) for t in find_times(text, published)]


def test_times_weekday_is_the_latest_on_or_before_publication() -> None:
    assert times_of("The ministers met on Tuesday.") == [("Tuesday", "DATE", "2024-03-26")]
    assert times_of("The ministers met on Friday.") == [("Friday", "DATE", "2024-03-22")]
    assert times_of("The ministers will meet on Friday.") == [("Friday", "DATE", "2024-03-29")]


def test_times_month_day_without_year_is_the_latest_before_publication() -> None:
    assert times_of("since October 7th") == [("October 7th", "DATE", "2023-10-07")]
    assert times_of("on March 3") == [("March 3", "DATE", "2024-03-03")]


def test_times_relative_and_durations() -> None:
    found = dict(
        (text, value) for text, _, value in times_of("Last year it took two weeks; now it is daily.")
    )
    assert found == {"Last year": "2023", "two weeks": "P2W", "now": "PRESENT_REF", "daily": "P1D"}
    assert times_of("three days ago") == [("three days ago", "DATE", "2024-03-23")]
    assert times_of("in the 1990s") == [("the 1990s", "DATE", "199X")]


def test_times_without_publication_date_stay_unresolved() -> None:
    assert times_of("since October 7th", None) == [("October 7th", "DATE", "XXXX-10-07")]
    assert times_of("on Tuesday", None) == [("Tuesday", "DATE", "XXXX-WXX-2")]


def test_times_impossible_dates_are_dropped() -> None:
    assert times_of("on February 30") == []
    assert times_of("on February 30, 2023") == []


# --- the components in the pipeline --------------------------------------------------------------


def test_places_washington_is_the_capital_unless_the_state(nlp) -> None:  # type: ignore[no-untyped-def]
    capital = analyze("Officials in Washington said the talks in Paris would go on.", "2024-03-26")
    state = analyze("Farmers in Washington state said the harvest in Oregon was poor.", "2024-03-26")
    place = {e.name: e.place for e in capital.entities}
    assert place["Washington"] is not None and place["Washington"].feature == "P"
    assert place["Washington"].country == "US"
    place = {e.name: e.place for e in state.entities}
    assert place["Washington"] is not None and place["Washington"].feature == "A"


def test_places_georgia_by_the_places_around_it(nlp) -> None:  # type: ignore[no-untyped-def]
    us = analyze("Voters in Georgia, Texas and Ohio lined up early.", "2024-03-26")
    caucasus = analyze("Troops from Russia crossed into Georgia near Armenia.", "2024-03-26")
    us_place = next(e.place for e in us.entities if e.name == "Georgia")
    caucasus_place = next(e.place for e in caucasus.entities if e.name == "Georgia")
    assert us_place is not None and us_place.country == "US"
    assert caucasus_place is not None and caucasus_place.country == "GE"


def test_places_unknown_place_resolves_to_nothing(nlp) -> None:  # type: ignore[no-untyped-def]
    analysis = analyze("Rebels seized Zxqvbntown in Narnia on Monday.", "2024-03-26")
    assert all(e.place is None for e in analysis.entities if e.name in ("Zxqvbntown", "Narnia"))
    assert all(e.type != "PERSON" or e.place is None for e in analysis.entities)


def test_figures_claimed_by_the_quoting_attribution(nlp) -> None:  # type: ignore[no-untyped-def]
    text = 'The city has 40,000 residents. "We lost 300 homes," the mayor said on Monday.'
    analysis = analyze(text, "2024-03-26")
    claims = {f.text: f.claimed_by for f in analysis.figures}
    assert claims["40,000"] is None
    assert claims["300"] is not None
    assert claims["300"] in {a.id for a in analysis.attributions}
    assert [t.value for t in analysis.times] == ["2024-03-25"]


# --- arbitrary text --------------------------------------------------------------------------------

NEWSY = st.text(
    alphabet=st.sampled_from(list("0123456789 ,.-–$€£%/:+()'\"abcmxMBkTuesdayOctober7thnearlymillion\n")),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), NEWSY))
def test_facts_spans_match_arbitrary_text(text: str) -> None:
    for figure in scan(text):
        assert 0 <= figure.start < figure.end <= len(text)
    for time in find_times(text, "2024-03-26"):
        assert text[time.start : time.end] == time.text
    for time in find_times(text, None):
        assert text[time.start : time.end] == time.text


@settings(max_examples=25, deadline=None)
@given(st.one_of(st.text(max_size=60), NEWSY))
def test_facts_pipeline_spans_match_arbitrary_text(nlp, text: str) -> None:  # type: ignore[no-untyped-def]
    analysis = analyze(text or "x", "2024-03-26")
    analysis.check_offsets()
    for figure in analysis.figures:
        assert figure.claimed_by is None or figure.claimed_by in {a.id for a in analysis.attributions}


# --- output ---------------------------------------------------------------------------------------


def test_facts_text_report_and_brat(nlp) -> None:  # type: ignore[no-untyped-def]
    from newsgraph.io.brat import parse_ann, to_ann
    from newsgraph.io.render import to_text

    text = 'Officials in Washington said 40,000 people fled on Tuesday. "We need $2bn," the mayor said.'
    analysis = analyze(text, "2024-03-26")
    report = to_text(analysis)
    assert "40,000 person" in report and "the article's own voice" in report
    assert "Tuesday = 2024-03-26" in report
    assert "Washington → Washington, US" in report
    ann = to_ann(analysis)
    labels = {}
    for line in ann.splitlines():
        if line.startswith("T"):
            _tid, middle, covered = line.split("\t")
            label, start, end = middle.split(" ")[:3]
            assert text[int(start) : int(end)] == covered
            labels.setdefault(label, []).append(covered)
    assert labels["Figure"] == ["40,000 people", "$2bn"]
    assert labels["Time"] == ["Tuesday"]
    assert "Washington" in labels["Place"]
    assert len(parse_ann(ann)) == len([a for a in analysis.attributions if a.parent is None])
    assert "value=2e+09 unit=dollar change== claimed_by=A" in ann


def test_facts_absurd_numbers_give_nothing_or_a_figure() -> None:
    huge = "1," + ",".join(["000"] * 120)
    assert scan(f"It cost ${huge}.") == []
    assert times_of("It happened 99999999 days ago.") == []
    assert [t.value for t in find_times("In the year 2099 and on February 29, 2023.", "2024-03-26")] == [
        "2099"
    ]
