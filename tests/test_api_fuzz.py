"""The HTTP API fuzzed from its own OpenAPI schema (Schemathesis): no input gives a server error.

Why from the schema: every endpoint, parameter and body the API documents
gets generated values, both valid and invalid ones (wrong types, out-of-range
numbers, odd strings), without a hand-written list that would miss the next
endpoint. The app runs in-process (ASGI), on a small corpus of its own, with
the write token, so the ingest and delete endpoints are exercised too.
Examples are bounded (``max_examples`` per operation, no deadline per
example: the analysis is real spaCy) so the module stays within a minute.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from newsgraph.models import Analysis, Article, Attribution, Entity, LinkedSpan, Span
from newsgraph.web import create_app

TOKEN = "fuzz-token"
MAX_EXAMPLES = 40
"""Requests per operation; fewer for the two that run the analysis (real spaCy on each)."""
SLOW = {("POST", "/api/analyze"): 15, ("POST", "/api/ingest"): 15}


def _analysis(n: int) -> Analysis:
    """A small stored article with one actor and one attribution (no spaCy needed to build it)."""
    name = f"Ada Quill{n}"
    text = f"Harbour report {n}\n\n{name} said the pier would open in May.\n"
    start = text.index(name)
    cue = text.index("said")
    content = text.index("the pier")
    return Analysis(
        article=Article(title=f"Harbour report {n}", published=f"2024-03-0{n + 1}", outlet="Harbor Times",
                        url=f"https://harbor.example/{n}", text=text),
        entities=[Entity(id="E1", name=name, type="PERSON",
                         mentions=[Span(start=start, end=start + len(name), text=name)])],
        attributions=[Attribution(
            id="A1", kind="indirect",
            source=LinkedSpan(start=start, end=start + len(name), text=name, entity="E1"),
            cue=Span(start=cue, end=cue + 4, text="said"),
            content=[Span(start=content, end=len(text) - 2, text=text[content:len(text) - 2])],
        )],
    )


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation in the schema (the schema needs no database)."""
    app = create_app(None, token=TOKEN)
    loaded = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    return [(op.ok().method.upper(), op.ok().path) for op in loaded.get_all_operations()]


OPERATIONS = _operations()


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory, nlp):
    from newsgraph.store import open_store

    db = Path(tmp_path_factory.mktemp("fuzz")) / "corpus.db"
    with open_store(str(db)) as store:
        assert store.add([(_analysis(n), f"report-{n}") for n in range(3)]).stored == 3
    app = create_app(str(db), token=TOKEN)
    yield schemathesis.openapi.from_asgi("/api/openapi.json", app)
    app.state.web.close()


def test_api_fuzz_covers_every_endpoint():
    assert len(OPERATIONS) >= 11
    assert ("POST", "/api/analyze") in OPERATIONS and ("POST", "/api/ingest") in OPERATIONS


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_api_fuzz_no_server_error_on_any_endpoint(api_schema, method, path):
    """Valid and invalid requests (Schemathesis' positive and negative modes): never a 5xx, and
    every error is the API's JSON error object."""
    operation = api_schema[path][method]
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(
        max_examples=SLOW.get((method, path), MAX_EXAMPLES),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,  # the same examples on every run: a failure in CI reproduces locally
        database=None,
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call(headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code < 500, (
            f"{method} {path} answered {response.status_code}: {response.text[:300]}\n"
            f"reproduce: {case.as_curl_command()}"
        )
        if response.status_code >= 400:
            body = response.json()  # every error is JSON with a code and a message
            assert set(body["error"]) >= {"code", "message"}, body

    check()
