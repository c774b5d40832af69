"""Tests for ``newsgraph.io.reading``: structure found in plain text, formats, and bad input.

Every article here is invented for the tests (the town of Fictown, its mayor
Ann Smith, reporter Jane Roe); none is taken from a corpus.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsgraph.errors import NewsgraphError
from newsgraph.io import reading
from newsgraph.io.reading import (
    MAX_BYTES,
    ReadArticle,
    iter_inputs,
    read_html,
    read_json_record,
    read_path,
    read_stdin,
    read_text,
)

HEADLINE = "Fictown mayor pledges a new river bridge"
DEK = "A plan worth millions divides the town council"
BODY_1 = (
    "FICTOWN — The mayor of Fictown, Ann Smith, promised on Tuesday to replace the old iron bridge "
    "over the Glimmer river before the end of her term."
)
BODY_2 = "“We will build it, and we will build it well,” Smith told reporters outside the town hall."
BODY_3 = "Councillor Tom Poe said the cost had not been explained. “Who pays?” he asked."
BYLINE = "Author: Jane Roe"
BIO = "Jane Roe is a reporter for the Daily Example. Follow her on Twitter @janeroe_example."
READ_MORE = "Read more at the Daily Example"

ARTICLE = "\n\n".join([HEADLINE, DEK, BODY_1, BODY_2, BODY_3, BYLINE, BIO, READ_MORE]) + "\n"

GERMAN = (
    "Der Bürgermeister der erfundenen Stadt Neudorf hat am Dienstag eine neue Brücke über den Fluss "
    "eröffnet. Die Bauarbeiten dauerten drei Jahre, sagte eine Sprecherin der Stadtverwaltung. Viele "
    "Bürger kamen zur Feier und lobten das Projekt, obwohl es teurer wurde als geplant."
)


def _articles(items: list[ReadArticle | NewsgraphError]) -> list[ReadArticle]:
    return [item for item in items if isinstance(item, ReadArticle)]


def _errors(items: list[ReadArticle | NewsgraphError]) -> list[NewsgraphError]:
    return [item for item in items if isinstance(item, NewsgraphError)]


def _region_texts(read: ReadArticle) -> list[str]:
    return [read.article.text[s:e] for s, e in read.excluded]


# ---------------------------------------------------------------------------
# Plain-text structure


def test_reading_finds_headline_dek_byline_bio_with_exact_offsets() -> None:
    read = read_text(ARTICLE, name="bridge")
    text = read.article.text
    assert text == ARTICLE
    assert read.article.title == HEADLINE
    assert read.title_span is not None
    assert text[read.title_span[0] : read.title_span[1]] == HEADLINE
    assert read.article.dek == DEK
    assert read.dek_span is not None
    assert text[read.dek_span[0] : read.dek_span[1]] == DEK
    assert read.article.authors == ["Jane Roe"]
    assert _region_texts(read) == [BYLINE, BIO, READ_MORE]
    for body in (BODY_1, BODY_2, BODY_3):
        start = text.index(body)
        assert not any(s < start + len(body) and start < e for s, e in read.excluded)


def test_reading_long_first_line_is_not_a_headline() -> None:
    first = (
        "The mayor of Fictown, Ann Smith, promised on Tuesday to replace the old iron bridge over the "
        "Glimmer river before the end of her term, a pledge her rivals on the council called reckless."
    )
    read = read_text(f"{first}\n\n{BODY_2}\n")
    assert read.article.title is None
    assert read.title_span is None
    assert read.dek_span is None


def test_reading_lone_sentence_is_not_a_headline() -> None:
    read = read_text("The mayor said the bridge would open in May.")
    assert read.title_span is None
    read = read_text("Fictown bridge to open in May")
    assert read.article.title == "Fictown bridge to open in May"


def test_reading_second_paragraph_ending_with_period_is_not_a_dek() -> None:
    second = "The council will vote on the plan next week."
    read = read_text(f"{HEADLINE}\n\n{second}\n\n{BODY_1}")
    assert read.article.title == HEADLINE
    assert read.article.dek is None
    assert read.dek_span is None


@pytest.mark.parametrize("ending", [".", "!", "?", ".”", '."', "?’"])
def test_reading_dek_rejects_sentence_endings(ending: str) -> None:
    read = read_text(f"{HEADLINE}\n\nThe council is split{ending}\n\n{BODY_1}")
    assert read.dek_span is None


def test_reading_byline_after_headline_is_excluded() -> None:
    byline = "By Jane Roe and John Doe, Staff Writers"
    text = f"{HEADLINE}\n\n{byline}\n\n{BODY_1}\n\n{BODY_2}"
    read = read_text(text)
    assert read.article.title == HEADLINE
    assert read.article.authors == ["Jane Roe", "John Doe"]
    assert _region_texts(read) == [byline]


@pytest.mark.parametrize(
    "line",
    [
        "By Tuesday, the council had voted against the plan.",
        "By then it was too late.",
        "Bystanders cheered the mayor.",
    ],
)
def test_reading_sentences_starting_with_by_are_not_bylines(line: str) -> None:
    read = read_text(f"{HEADLINE}\n\n{BODY_1}\n\n{line}")
    assert read.article.authors == []
    assert read.excluded == []


def test_reading_bio_needs_a_known_author() -> None:
    # A closing paragraph opening with a name is only a bio when that name wrote the piece.
    text = f"{HEADLINE}\n\n{BODY_1}\n\nAnn Smith is the mayor of Fictown.\n\n{BYLINE}"
    read = read_text(text)
    assert _region_texts(read) == [BYLINE]


def test_reading_headline_and_subhead_joined_by_semicolon() -> None:
    text = f"{HEADLINE}; \nThe council is split over the cost.\n\n{BODY_1}"
    read = read_text(text)
    assert read.article.title == HEADLINE
    assert read.article.dek == "The council is split over the cost."
    assert read.title_span is not None and read.dek_span is not None
    assert text[read.title_span[0] : read.title_span[1]] == HEADLINE
    assert text[read.dek_span[0] : read.dek_span[1]] == read.article.dek


def test_reading_keeps_quotes_and_line_endings_unchanged() -> None:
    body = (
        "“It began with a promise,” Smith said. “We kept it.\r\n\r\n"
        "“And we will keep the next one, ‘no matter what “they” say’,” she went on.\r\n\r\n"
        'Poe replied: "Unbalanced quotes are fine by me.\r\n\r\n'
        "'Nested \"double\" inside single' was his last word."
    )
    text = f"  {HEADLINE}  \r\n\r\n{body}"
    read = read_text(text)
    assert read.article.text is text
    assert read.article.title == HEADLINE
    assert read.title_span == (2, 2 + len(HEADLINE))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2024-03-05", "2024-03-05"),
        ("2024-03-05T09:30:00Z", "2024-03-05T09:30:00+00:00"),
        ("2024-03-05T09:30:00+01:00", "2024-03-05T09:30:00+01:00"),
        (" 2024-03-05 09:30 ", "2024-03-05T09:30:00"),
    ],
)
def test_reading_published_is_normalised(given: str, expected: str) -> None:
    assert read_text(ARTICLE, published=given).article.published == expected


@pytest.mark.parametrize("bad", ["yesterday", "2024-13-01", "05/03/2024", "", "March 5, 2024"])
def test_reading_bad_published_raises_e011(bad: str) -> None:
    with pytest.raises(NewsgraphError) as info:
        read_text(ARTICLE, published=bad)
    assert info.value.code == "E011"


def test_reading_non_english_text_warns_but_stays_valid() -> None:
    text = f"Neue Brücke in Neudorf\n\n{GERMAN}"
    read = read_text(text, name="neudorf")
    assert read.article.language == "de"
    assert len(read.warnings) == 1
    assert read.warnings[0].startswith("W001 neudorf:")
    assert read.article.text == text
    assert read.article.title == "Neue Brücke in Neudorf"


def test_reading_warnings_name_the_file(tmp_path: Path) -> None:
    f = tmp_path / "neudorf.txt"
    f.write_bytes(f"Neue Brücke in Neudorf\n\n{GERMAN}".encode("cp1252"))
    [read] = _articles(list(read_path(f)))
    assert [w[:4] for w in read.warnings] == ["W002", "W001"]
    assert all(w.split(" ")[1] == f"{f}:" for w in read.warnings)


def test_reading_english_text_does_not_warn() -> None:
    read = read_text(ARTICLE)
    assert read.article.language == "en"
    assert read.warnings == []


def test_reading_short_text_has_no_language_verdict() -> None:
    read = read_text("Hallo")
    assert read.warnings == []


# ---------------------------------------------------------------------------
# Files


def test_reading_path_plain_text(tmp_path: Path) -> None:
    f = tmp_path / "bridge-story.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    items = list(read_path(f, published="2024-03-05"))
    [read] = _articles(items)
    assert read.name == "bridge-story"
    assert read.path == str(f)
    assert read.article.text == ARTICLE
    assert read.article.published == "2024-03-05"


def test_reading_path_bad_published_is_yielded(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    [err] = list(read_path(f, published="soon"))
    assert isinstance(err, NewsgraphError) and err.code == "E011"


@pytest.mark.parametrize("content", [b"", b"   \n\n\t \r\n"])
def test_reading_empty_file_is_e001(tmp_path: Path, content: bytes) -> None:
    f = tmp_path / "empty.txt"
    f.write_bytes(content)
    [err] = list(read_path(f))
    assert isinstance(err, NewsgraphError)
    assert err.code == "E001"
    assert "\n" not in str(err)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"Fictown\x00\x00\x01\x02 mayor", "NUL"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip"),
        (bytes(range(1, 9)) * 20 + b"some text", "control"),
    ],
)
def test_reading_binary_file_is_e002(tmp_path: Path, content: bytes, reason: str) -> None:
    f = tmp_path / "article.txt"
    f.write_bytes(content)
    [err] = list(read_path(f))
    assert isinstance(err, NewsgraphError)
    assert err.code == "E002"
    assert reason in str(err)


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_reading_non_utf8_file_is_decoded_with_w002(tmp_path: Path, encoding: str) -> None:
    text = (
        "Le café de Fictown rouvre\n\n"
        "Les élèves étaient déçus, a dit le maire à la presse. Garçon, crème brûlée, naïve façade."
    )
    f = tmp_path / "cafe.txt"
    f.write_bytes(text.encode(encoding))
    [read] = _articles(list(read_path(f)))
    assert read.article.text == text
    assert any(w.startswith("W002 ") for w in read.warnings)


def test_reading_cp1252_punctuation_is_decoded(tmp_path: Path) -> None:
    text = f"{HEADLINE}\n\n“It costs €5 million — too much,” said Poe. {BODY_1}"
    f = tmp_path / "cost.txt"
    f.write_bytes(text.encode("cp1252"))
    [read] = _articles(list(read_path(f)))
    assert read.article.text == text
    assert "cp1252" in read.warnings[0]


def test_reading_utf8_bom_is_dropped_and_offsets_follow(tmp_path: Path) -> None:
    f = tmp_path / "bom.txt"
    f.write_bytes(b"\xef\xbb\xbf" + ARTICLE.encode("utf-8"))
    [read] = _articles(list(read_path(f)))
    assert read.article.text == ARTICLE
    assert read.title_span == (0, len(HEADLINE))
    assert read.warnings == []


def test_reading_utf16_with_bom(tmp_path: Path) -> None:
    f = tmp_path / "wide.txt"
    f.write_bytes(ARTICLE.encode("utf-16"))
    [read] = _articles(list(read_path(f)))
    assert read.article.text == ARTICLE


def test_reading_undecodable_file_is_e003(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "_charset_normalizer_decode", lambda data: None)
    f = tmp_path / "odd.txt"
    f.write_bytes("Caf\xe9 au lait".encode("latin-1"))
    [err] = list(read_path(f))
    assert isinstance(err, NewsgraphError) and err.code == "E003"


def test_reading_oversized_file_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "huge.txt"
    with f.open("wb") as fh:
        fh.truncate(50_000_000)  # sparse: no 50 MB actually written

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("the oversized file was opened")

    monkeypatch.setattr(Path, "open", no_open)
    [err] = list(read_path(f))
    assert isinstance(err, NewsgraphError)
    assert err.code == "E004"
    assert "50,000,000" in str(err)
    assert f"{MAX_BYTES:,}" in str(err)


def test_reading_max_bytes_is_configurable(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    [err] = list(read_path(f, max_bytes=100))
    assert isinstance(err, NewsgraphError) and err.code == "E004"


def test_reading_missing_file_is_e005(tmp_path: Path) -> None:
    [err] = list(read_path(tmp_path / "nope.txt"))
    assert isinstance(err, NewsgraphError) and err.code == "E005"


def test_reading_directory_given_to_read_path_is_e010(tmp_path: Path) -> None:
    [err] = list(read_path(tmp_path))
    assert isinstance(err, NewsgraphError) and err.code == "E010"


# ---------------------------------------------------------------------------
# HTML

SCRIPT_PAGE = """<!DOCTYPE html>
<html><head><title>Fictown mayor opens bridge | Daily Example</title>
<meta name="author" content="Jane Roe">
<meta property="og:site_name" content="Daily Example">
<meta property="article:published_time" content="2024-03-05T09:30:00Z">
<script>var tracker = "SCRIPT_ONE";</script>
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "SCRIPT_TWO"}</script>
<style>body { color: red; } .STYLE_ONE { }</style>
</head><body>
<script>document.write("SCRIPT_THREE")</script>
<nav><a href="/">Home</a></nav>
<article>
<h1>Fictown mayor opens bridge</h1>
<p>The mayor of Fictown, Ann Smith, opened the new bridge over the Glimmer river on Tuesday, three
years after building began and well over budget, officials said.</p>
<script>window.alert("SCRIPT_FOUR")</script>
<p>“It is a great day for all of us,” Smith told the crowd gathered on the riverbank at noon.</p>
<noscript>NOSCRIPT_ONE</noscript>
<p>Councillor Tom Poe said the town would be paying for the bridge for decades to come.</p>
<script src="x.js">SCRIPT_FIVE</script>
</article></body></html>
"""


def test_reading_html_drops_scripts_and_styles(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bridge.html"
    f.write_text(SCRIPT_PAGE, encoding="utf-8")
    [read] = _articles(list(read_path(f)))
    text = read.article.text
    for leak in ("SCRIPT_", "STYLE_", "NOSCRIPT", "tracker", "window.alert", "{", "<"):
        assert leak not in text
    assert "opened the new bridge" in text
    assert "“It is a great day for all of us,”" in text
    assert read.article.title == "Fictown mayor opens bridge"
    assert read.title_span is not None
    assert text[read.title_span[0] : read.title_span[1]] == read.article.title
    assert text.count("Fictown mayor opens bridge") == 1
    assert read.article.authors == ["Jane Roe"]
    assert read.article.outlet == "Daily Example"
    assert read.article.published == "2024-03-05"
    assert read.name == "bridge"
    assert capfd.readouterr().err == ""


def test_reading_html_without_article_text_is_e009(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(NewsgraphError) as info:
        read_html("<html><head><script>var a = 1;</script></head><body></body></html>", name="blank")
    assert info.value.code == "E009"
    assert capfd.readouterr().err == ""


def test_reading_html_garbage_is_e009_and_quiet(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    # Even with an application's root handler printing everything, trafilatura stays silent.
    f = tmp_path / "junk.htm"
    f.write_text("<<<>>> <<", encoding="utf-8")
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        [err] = list(read_path(f))
        read_html(SCRIPT_PAGE)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    assert isinstance(err, NewsgraphError) and err.code == "E009"
    assert capfd.readouterr().err == ""


def test_reading_html_is_sniffed_without_extension(tmp_path: Path) -> None:
    f = tmp_path / "download"
    f.write_text(SCRIPT_PAGE, encoding="utf-8")
    [read] = _articles(list(read_path(f)))
    assert "SCRIPT_" not in read.article.text
    assert read.article.title == "Fictown mayor opens bridge"


def test_reading_html_url_argument_wins() -> None:
    read = read_html(SCRIPT_PAGE, url="https://example.org/bridge", published="2024-04-01")
    assert read.article.url == "https://example.org/bridge"
    assert read.article.published == "2024-04-01"


# ---------------------------------------------------------------------------
# JSON and JSONL


def test_reading_json_record_prepends_title() -> None:
    record = {
        "title": HEADLINE,
        "text": f"{BODY_1}\n\n{BODY_2}",
        "url": "https://example.org/b",
        "published": "2024-03-05",
        "outlet": "Daily Example",
        "authors": ["Jane Roe", "John Doe"],
    }
    read = read_json_record(record, name="r1")
    assert read.article.text == f"{HEADLINE}\n\n{BODY_1}\n\n{BODY_2}"
    assert read.title_span == (0, len(HEADLINE))
    assert read.article.authors == ["Jane Roe", "John Doe"]
    assert read.article.outlet == "Daily Example"
    assert read.article.url == "https://example.org/b"
    assert read.article.published == "2024-03-05"


def test_reading_json_record_text_already_opening_with_title() -> None:
    read = read_json_record({"title": HEADLINE, "text": ARTICLE}, name="r2")
    assert read.article.text == ARTICLE
    assert read.title_span == (0, len(HEADLINE))


def test_reading_json_record_author_string_and_bio() -> None:
    bio = "Jane Roe covers Fictown for the Daily Example."
    read = read_json_record({"text": f"{BODY_1}\n\n{bio}", "author": "Jane Roe"}, name="r3")
    assert read.article.authors == ["Jane Roe"]
    assert _region_texts(read) == [bio]


def test_reading_json_record_title_then_body_without_blank_line() -> None:
    text = f"{HEADLINE}\n{BODY_1}\n{BODY_2}"
    read = read_json_record({"title": HEADLINE, "text": text}, name="r7")
    assert read.article.text == text
    assert read.title_span == (0, len(HEADLINE))


def test_reading_json_record_without_text_is_e008() -> None:
    with pytest.raises(NewsgraphError) as info:
        read_json_record({"title": HEADLINE, "text": "  "}, name="r4")
    assert info.value.code == "E008"


def test_reading_json_record_bad_date_is_dropped_with_w004() -> None:
    read = read_json_record({"text": BODY_1, "published": "last Tuesday"}, name="r5")
    assert read.article.published is None
    assert read.warnings[0].startswith("W004 r5:")


def test_reading_json_record_with_html() -> None:
    read = read_json_record({"html": SCRIPT_PAGE, "outlet": "Example Weekly"}, name="r6")
    assert "SCRIPT_" not in read.article.text
    assert read.article.outlet == "Example Weekly"
    assert read.article.title == "Fictown mayor opens bridge"


def test_reading_jsonl_bad_line_does_not_stop_the_rest(tmp_path: Path) -> None:
    f = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"id": "first", "title": HEADLINE, "text": BODY_1}),
        '{"title": "broken", "text": ',
        json.dumps({"text": BODY_2}),
        json.dumps({"title": "no text here"}),
        "",
        json.dumps([1, 2]),
        json.dumps({"text": BODY_3}),
    ]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(read_path(f))
    assert [type(i).__name__ for i in items] == [
        "ReadArticle",
        "NewsgraphError",
        "ReadArticle",
        "NewsgraphError",
        "NewsgraphError",
        "ReadArticle",
    ]
    reads = _articles(items)
    assert [r.name for r in reads] == ["first", "feed#3", "feed#7"]
    assert [r.article.text for r in reads][1:] == [BODY_2, BODY_3]
    codes = [(e.code, str(e)) for e in _errors(items)]
    assert codes[0][0] == "E007" and "line 2" in codes[0][1]
    assert codes[1][0] == "E008" and f"{f}#4:" in codes[1][1]
    assert codes[2][0] == "E007" and "line 6" in codes[2][1]


def test_reading_json_file_with_object_or_list(tmp_path: Path) -> None:
    single = tmp_path / "one.json"
    single.write_text(json.dumps({"title": HEADLINE, "text": BODY_1}), encoding="utf-8")
    [read] = _articles(list(read_path(single)))
    assert read.name == "one"
    assert read.article.title == HEADLINE
    many = tmp_path / "many.json"
    many.write_text(json.dumps([{"text": BODY_1}, {"id": 7, "text": BODY_2}, {}]), encoding="utf-8")
    items = list(read_path(many))
    assert [r.name for r in _articles(items)] == ["many#1", "7"]
    assert [e.code for e in _errors(items)] == ["E008"]
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "text": "x",\n  oops\n}', encoding="utf-8")
    [err] = list(read_path(broken))
    assert isinstance(err, NewsgraphError) and err.code == "E007" and "line 3" in str(err)


# ---------------------------------------------------------------------------
# stdin and directories


def test_reading_stdin_sniffs_format() -> None:
    [read] = _articles(list(read_stdin(io.BytesIO(ARTICLE.encode("utf-8")))))
    assert read.name == "<stdin>"
    assert read.article.title == HEADLINE
    [page] = _articles(list(read_stdin(io.BytesIO(SCRIPT_PAGE.encode("utf-8")))))
    assert "SCRIPT_" not in page.article.text
    feed = (json.dumps({"text": BODY_1}) + "\n" + json.dumps({"text": BODY_2}) + "\n").encode()
    assert [r.name for r in _articles(list(read_stdin(io.BytesIO(feed))))] == ["<stdin>#1", "<stdin>#2"]


def test_reading_stdin_limits_and_empty_input() -> None:
    [err] = list(read_stdin(io.BytesIO(b"x" * 5000), max_bytes=1000))
    assert isinstance(err, NewsgraphError) and err.code == "E004" and "5,000" in str(err)
    [err] = list(read_stdin(io.BytesIO(b"")))
    assert isinstance(err, NewsgraphError) and err.code == "E001"


def test_reading_iter_inputs_expands_directories(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "b").mkdir(parents=True)
    (corpus / ".hidden").mkdir()
    for rel in ["b/z.txt", "a.html", "b/c.jsonl", "d.md", "e.JSON"]:
        (corpus / rel).write_text("x", encoding="utf-8")
    for rel in ["a.ann", "notes.csv", ".secret.txt", ".hidden/f.txt"]:
        (corpus / rel).write_text("x", encoding="utf-8")
    lone = tmp_path / "lone.dat"
    lone.write_text("x", encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    items = list(iter_inputs([corpus, lone, tmp_path / "missing.txt", str(empty)]))
    paths = [i.relative_to(tmp_path).as_posix() for i in items if isinstance(i, Path)]
    assert paths == [
        "corpus/a.html",
        "corpus/b/c.jsonl",
        "corpus/b/z.txt",
        "corpus/d.md",
        "corpus/e.JSON",
        "lone.dat",
    ]
    assert [e.code for e in _errors(items)] == ["E005", "E014"]


# ---------------------------------------------------------------------------
# Property: any text reads without a crash, and every reported region is sound

FRAGMENTS = [
    HEADLINE,
    DEK,
    BODY_1,
    BYLINE,
    "By Jane Roe",
    "By Tuesday, it was over.",
    BIO,
    READ_MORE,
    "Follow us on Twitter",
    "“An unbalanced quote",
    "Headline with a semicolon;",
    "   ",
    "",
]
SEPARATORS = ["\n", "\n\n", "\r\n", "\r\n\r\n", "\r", "\n \t\n", " \n\n "]


@st.composite
def article_like(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=60)), max_size=10))
    out = ""
    for part in parts:
        out += part + draw(st.sampled_from(SEPARATORS))
    return out


def _check_line_span(text: str, span: tuple[int, int] | None, value: str | None) -> None:
    if span is None:
        return
    start, end = span
    assert 0 <= start < end <= len(text)
    assert value is not None
    assert text[start:end] == value
    assert text[start:end].strip() == value


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), article_like()))
def test_reading_any_text_gives_sound_regions(text: str) -> None:
    try:
        read = read_text(text)
    except NewsgraphError:
        return
    # NUL (and a lone surrogate) becomes U+FFFD, one for one (W010); everything else is kept as is
    text = re.sub("[\x00\ud800-\udfff]", "\ufffd", text)
    assert read.article.text == text
    _check_line_span(text, read.title_span, read.article.title)
    _check_line_span(text, read.dek_span, read.article.dek)
    previous_end = 0
    for start, end in read.excluded:
        assert 0 <= start < end <= len(text)
        assert start >= previous_end  # sorted, no overlaps
        previous_end = end
        for span in (read.title_span, read.dek_span):
            if span is not None:
                assert end <= span[0] or span[1] <= start
    assert all(isinstance(a, str) and a for a in read.article.authors)


def test_reading_dek_byline_and_dateline() -> None:
    text = (
        "Harbour Town Votes to Dredge Channel\n\n"
        "The project will take two years and will close the marina for one season.\n\n"
        "By Mira Castellanos\n\n"
        "June 9, 2024\n\n"
        "The town council voted on Tuesday to dredge the shipping channel.\n"
    )
    read = read_text(text)
    assert read.article.dek == "The project will take two years and will close the marina for one season."
    assert read.article.authors == ["Mira Castellanos"]
    assert read.article.published == "2024-06-09"
    assert [text[s:e] for s, e in read.excluded] == ["By Mira Castellanos", "June 9, 2024"]


def test_reading_dateline_does_not_override_given_date() -> None:
    text = "Headline Here For Test\n\nBy Ana Ruiz\n\nJune 9, 2024\n\nThe body of the article is here.\n"
    assert read_text(text, published="2024-07-01").article.published == "2024-07-01"
