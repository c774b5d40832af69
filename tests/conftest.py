"""Shared fixtures: the loaded pipeline, the shared data directory, invented articles."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

from newsgraph import pipeline

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def nlp() -> Language:
    """newsgraph's spaCy pipeline, loaded once for the whole test session."""
    return pipeline.load()


@pytest.fixture(scope="session")
def shared() -> Path:
    """``../shared`` beside the repository (PolNeAR, the scorer, the seed); skip when absent."""
    if not (SHARED / "polnear").is_dir():
        pytest.skip(f"{SHARED} is missing: tests on the real corpus need ../shared beside the repo")
    return SHARED


INVENTED = """\
Mayor Tells Council Flood Barrier Is 'Non-Negotiable'

The coastal town's leader wants the money approved before winter

Mayor Ruth Adeyemi of Port Halden told the town council on Monday that the flood barrier was "non-negotiable" as the storm season approached.

"Ruth, our town cannot wait another year. The sea will not wait for us," councillor Tom Briggs said during the debate.

Adeyemi said the barrier would cost about 12 million pounds. "We have studied every option, and this is the only one that protects the harbour," she said.

According to the town's engineers, the old sea wall could fail within five years. The harbour flooded twice last winter.

Critics claimed the plan was rushed. The council will vote next week.
"""


@pytest.fixture(scope="session")
def invented_article() -> str:
    """A short invented news report with direct, indirect and 'according to' attributions."""
    return INVENTED
