"""Spellings that name the same place or body, shared by the analysis and the store.

Why one table: the in-article clustering (``actors.py``) and the corpus
identity (``store/identity.py``) must fold "U.S.", "USA" and "the United
States" the same way, or an actor merged in one article would split across
the archive. This module imports nothing heavy, so the store can use it
without loading spaCy.
"""

from __future__ import annotations

ALIASES = {
    "us": "united states",
    "usa": "united states",
    "america": "united states",
    "united states of america": "united states",
    "uk": "united kingdom",
    "britain": "united kingdom",
    "great britain": "united kingdom",
    "un": "united nations",
    "eu": "european union",
    "ussr": "soviet union",
}
"""Normalised names (lower case, no dots: "U.S." -> "us") that are one place or body whatever the spelling."""
