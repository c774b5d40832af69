"""Corpus-wide steps over a Spark dataset (placeholder)."""

from __future__ import annotations

from typing import Any


def corpus_tables(spark: Any, out: str) -> None:
    return None
