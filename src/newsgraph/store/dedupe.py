"""Near-duplicate articles and quotes: the same words, lightly edited, found again.

Wire copy reaches many outlets with small edits (a new first paragraph, a
dropped last one, straight instead of curly quotes, a word changed), and a
quote travels from article to article the same way, often cut short. The
store links such copies (``articles.copy_of``) and such quote variants, so a
corpus count does not multiply one wire story or one sentence by the number
of outlets that ran it. Everything here is pure (no database):

* :func:`normalize` keeps only case-folded, accent-free words, so trivial
  typographic differences vanish; :func:`quote_key` hashes it (exact match).
* :func:`signature` is a MinHash (datasketch, 64 permutations, 256 bytes)
  of the word 3-shingles of the normalised text; :func:`similarity`
  estimates the Jaccard similarity of two texts' shingle sets from their
  signatures (standard error ``sqrt(J(1-J)/64)``, about 0.06 at J = 0.6).
* :class:`NearDuplicateIndex` finds the stored signatures at or above a
  threshold without comparing against all of them (LSH banding).

Thresholds (estimated Jaccard similarity of word 3-shingles), chosen with an
experiment on the 84 PolNeAR dev texts (341 to 22,068 characters, median
3,918), each turned into synthetic wire-copy variants, against all 3,486
pairs of different texts:

===============================  ====================  =======================
variant of an article            median (5th pct.)     missed at 0.6 / at 0.8
===============================  ====================  =======================
curly vs straight quotes/dashes  1.00 (1.00)           0 / 0
3 words changed                  0.98 (0.89)           0 / 1
10 words changed                 0.92 (0.72)           2 / 12
first paragraph replaced         0.89 (0.64)           4 / 15
last paragraph dropped           0.95 (0.72)           2 / 7
agency boilerplate appended      1.00 (0.95)           0 / 1
all of these at once             0.81 (0.11)           16 / 40
different articles               0.00, max 0.094       (none above 0.1)
===============================  ====================  =======================

Different articles never share more than a few 3-shingles (true Jaccard at
most 0.083), so the gap between unrelated and copied is wide, and 0.8 (the
figure usually quoted) would miss half of the heavily edited copies and a
sixth of those with a rewritten lede. ``ARTICLE_THRESHOLD = 0.6`` sits about
eight standard errors above the most similar unrelated pair and still keeps
the "copy" meaning strict: two texts at 0.6 share about three quarters of
their shingles. The copies it misses are short articles whose edits replace
most of their text, which are no longer copies in any useful sense.

Quotes (739 quotations of 4 words or more found in the same texts, median
14 words) behave differently because they are short: one changed word
removes up to three of a quote's shingles. Median similarity to the original:
straight/curly and case 1.00 at every length; one word changed 0.33 (4-9
words), 0.64 (10-19), 0.80 (20-39), 0.91 (40+); first or last quarter cut
off 0.73-0.77 at every length (5th percentile 0.56-0.67). Across the 272,691
pairs of different quotes the highest scores were the same quote found in
two articles (1.0) and, below them, the same statement quoted differently
(0.28-0.53: with or without a clause, or a quote split over two paragraphs
against one of its parts); different statements stayed at or below 0.23. ``QUOTE_THRESHOLD =
0.5`` therefore links cut-short quotes and one-word edits of quotes of a
dozen words or more, while an edit to a quote of under ten words yields a
new quote (its shingle set really is mostly different); a 4-to-6-word quote
is linked only to quotes that contain it nearly whole.

Speed (2-core development machine, idle; about double under load):
``normalize`` about 50 µs and ``signature`` about 250 µs for a
5,000-character article (17 µs for a one-sentence quote); ``similarity``
2 µs; building an index from 100,000 stored signatures about 0.3 s (0.5 s
under load), a query about 45 µs.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import operator
import re
import unicodedata
import zlib
from collections.abc import Iterable

import numpy as np
from datasketch import MinHash, MinHashLSH

from newsgraph.analysis.quotes import Quote, find_quotes
from newsgraph.models import Analysis, Attribution

ARTICLE_THRESHOLD = 0.6  # near-duplicate articles (see the module docstring for the experiment)
QUOTE_THRESHOLD = 0.5  # variants of one quote
NUM_PERM = 64  # MinHash permutations: 256-byte signatures
MIN_QUOTE_WORDS = 4  # fewer words inside the marks: a scare quote, not a quote
SHINGLE = 3  # words per shingle
# LSH parameter weights (false positives, false negatives): every candidate is
# checked against the full signature, so a false positive costs one comparison
# while a false negative loses a duplicate. With the balanced default only
# ~56% of pairs just above the threshold came back as candidates; with these,
# 97-99% (measured on synthetic signatures at threshold + 0.05).
LSH_WEIGHTS = (0.1, 0.9)

_SCHEME = "affine32"
_SEED = 1
_DTYPE = np.dtype("<u4")
_PERMUTATIONS: dict[int, np.ndarray] = {}


def _fold(ch: str) -> str:
    """One character as ``normalize`` sees it: case-folded, decomposed, marks dropped, punctuation a space."""
    out = "".join(c for c in unicodedata.normalize("NFKD", ch.casefold()) if not unicodedata.combining(c))
    out = unicodedata.normalize("NFKD", out.casefold())
    return "".join(c if c.isalnum() else " " for c in out if not unicodedata.combining(c))


class _FoldTable(dict[int, str]):
    """``str.translate`` table filled on first sight of each character (C-speed lookups after that)."""

    def __missing__(self, codepoint: int) -> str:
        out = _fold(chr(codepoint))
        for _ in range(4):  # fold the fold until stable, so that normalize is idempotent
            again = "".join(_fold(c) for c in out)
            if again == out:
                break
            out = again
        self[codepoint] = out
        return out


_TABLE = _FoldTable()
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def normalize(text: str) -> str:
    """Case-folded words of ``text`` separated by single spaces; accents, quotes, dashes dropped.

    Why drop every punctuation mark rather than map curly to straight: the
    same quote reaches different outlets with curly or straight quotes, an
    em dash or a hyphen pair, a comma moved; none of that makes it another
    statement, and keeping only the words makes all of those variants equal.
    Apostrophes split a word the same way whatever their shape ("don't" and
    "don’t" both give "don t"). Accents go through NFKD decomposition (which
    also folds ligatures, full-width forms and non-breaking spaces). Each
    character is folded on its own through a cached ``str.translate`` table:
    case folding and compatibility decomposition are per character (only the
    order of combining marks depends on context, and they are dropped). The
    few distinct non-ASCII characters of an English article are replaced
    first, so the final ``str.translate`` runs on ASCII (CPython's fast path):
    about 50 µs for 5,000 characters, against ~400 µs for a regex or a
    per-character Python loop.
    """
    if not text.isascii():
        for ch in set(_NON_ASCII.findall(text)):
            text = text.replace(ch, _TABLE[ord(ch)])
    return " ".join(text.translate(_TABLE).split())


def quote_key(text: str) -> str:
    """sha256 hex of ``normalize(text)``: equal for trivially different renderings of a quote."""
    return hashlib.sha256(normalize(text).encode("utf-8")).hexdigest()


_MARKS = '"“”«»„‘’'


def _inner(text: str, start: int, end: int) -> tuple[int, int]:
    """A quote piece's offsets without its quotation marks (``''`` counts as one mark).

    A piece starts with its opening mark and, when closed, ends with its
    closing mark; a quote left open at a paragraph end has no closing mark.
    """
    if text.startswith("''", start):
        start += 2
    elif start < end and text[start] in _MARKS:
        start += 1
    if end - start >= 2 and text[end - 2 : end] == "''":
        end -= 2
    elif end > start and text[end - 1] in _MARKS:
        end -= 1
    return start, end


_QUOTES_CACHE: tuple[str, list[Quote]] = ("", [])


def _quotes_of(text: str) -> list[Quote]:
    """``find_quotes(text)``, remembered for the last text seen.

    Why: the store calls :func:`quoted_text` once per attribution of the same
    article, and finding the quotes of a 5,000-character text costs about a
    millisecond; comparing the text with the last one costs a memcmp.
    """
    global _QUOTES_CACHE
    cached_text, quotes = _QUOTES_CACHE
    if text is not cached_text and text != cached_text:
        quotes = find_quotes(text)
        _QUOTES_CACHE = (text, quotes)
    return quotes


def quoted_text(analysis: Analysis, attribution: Attribution) -> str | None:
    """The words inside quotation marks in ``attribution``'s content, or None under 4 words.

    Why only the marked words: an indirect paraphrase is the reporter's
    wording and differs from outlet to outlet, while the words inside the
    marks are the speaker's and travel unchanged (or nearly) from copy to
    copy, which is what lets the store link one quote across articles. A
    marked stretch of fewer than four words ("a 'disaster'") is a scare
    quote or a label, too common to identify a statement: None. Pieces of
    a quote that runs over several paragraphs, or of a mixed quote, are
    joined by a space; a comma ending a piece (the attribution convention
    "...," she said) is dropped.
    """
    text = analysis.article.text
    content = sorted((s.start, s.end) for s in attribution.content)
    if not content:
        return None
    lo, hi = content[0][0], max(e for _, e in content)
    pieces: list[str] = []
    for quote in _quotes_of(text):
        if quote.end <= lo or quote.start >= hi:
            continue
        for p_start, p_end in quote.pieces:
            q_start, q_end = _inner(text, p_start, p_end)
            for c_start, c_end in content:
                s, e = max(q_start, c_start), min(q_end, c_end)
                piece = text[s:e].strip().rstrip(",;:").rstrip()
                if piece:
                    pieces.append(piece)
    joined = " ".join(" ".join(pieces).split())
    if len(normalize(joined).split()) < MIN_QUOTE_WORDS:
        return None
    return joined


def _permutations(num_perm: int) -> np.ndarray:
    perms = _PERMUTATIONS.get(num_perm)
    if perms is None:
        perms = _PERMUTATIONS[num_perm] = MinHash(num_perm=num_perm, seed=_SEED, scheme=_SCHEME).permutations
    return perms


def signature(text: str, num_perm: int = NUM_PERM) -> bytes:
    """MinHash of the word 3-shingles of ``normalize(text)``: ``4 * num_perm`` bytes.

    A text of fewer than three words is one shingle (all its words); an empty
    text gives the empty signature (every value at its maximum), which is
    similar only to another empty text.

    Why crc32 as the shingle hash: datasketch's "affine32" scheme pre-mixes
    every input hash with the MurmurHash3 finalizer before permuting it, so
    the input hash needs only to be deterministic and spread over 32 bits,
    not cryptographic; ``zlib.crc32`` is a C builtin called directly by
    ``update_batch``, and halves the time of the default SHA-1 (about 250
    against 600 µs for 5,000 characters). The permutations are built once
    per ``num_perm`` and shared, since building them per call costs as much
    as hashing a short quote. Signatures are the 32-bit hash values as
    little-endian ``uint32`` bytes: they round-trip exactly.
    """
    words = normalize(text).encode("utf-8").split()
    if len(words) < SHINGLE:
        shingles = [b" ".join(words)] if words else []
    else:
        shingles = [b" ".join(w) for w in zip(*(words[i:] for i in range(SHINGLE)), strict=False)]
    mh = MinHash(
        num_perm=num_perm,
        seed=_SEED,
        hashfunc=zlib.crc32,
        permutations=_permutations(num_perm),
        scheme=_SCHEME,
    )
    mh.update_batch(shingles)
    return mh.hashvalues.astype(_DTYPE, copy=False).tobytes()


def _values(sig: bytes) -> np.ndarray:
    if not isinstance(sig, bytes | bytearray | memoryview) or len(sig) == 0 or len(sig) % _DTYPE.itemsize:
        raise ValueError(f"not a signature: {len(sig) if hasattr(sig, '__len__') else sig!r} bytes")
    return np.frombuffer(sig, dtype=_DTYPE)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures.

    The share of permutations whose minimum agrees, which is what
    ``MinHash.jaccard`` computes, without building MinHash objects.
    """
    va, vb = _values(a), _values(b)
    if va.shape != vb.shape:
        raise ValueError(f"signatures of different sizes: {len(a)} and {len(b)} bytes")
    return float(np.count_nonzero(va == vb)) / len(va)


_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: multiplying by it is a bijection mod 2**64
_MERGE_AT = 2048  # unsorted rows tolerated before they are merged into the sorted band table


def _band_hashes(matrix: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit hash per (row, band) of a signature matrix, band index mixed in: shape (n, bands).

    Two rows agree on a band's hash when their ``rows`` values in that band
    agree (and, with negligible probability, by collision: a collision only
    adds a candidate, which the exact check then drops).
    """
    values = matrix[:, : bands * rows].reshape(len(matrix), bands, rows).astype(np.uint64)
    h = np.broadcast_to(np.arange(1, bands + 1, dtype=np.uint64) * _MIX, (len(matrix), bands)).copy()
    for j in range(rows):
        h ^= values[:, :, j]
        h *= _MIX
        h ^= h >> np.uint64(29)
    return h


@functools.lru_cache(maxsize=16)
def _lsh_layout(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands and rows per band for ``threshold``: datasketch's optimum, computed once per setting.

    Why cached: datasketch finds it by numerical integration over every
    layout (about 85 ms), and the write path makes a small index per batch.
    """
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=LSH_WEIGHTS)
    return lsh.b, lsh.r


class NearDuplicateIndex:
    """Keys (e.g. article ids) by signature, queried for those at or above ``threshold``.

    Banding as in ``datasketch.MinHashLSH``, whose parameter choice it uses
    (``b`` bands of ``r`` values, chosen for the threshold with
    ``LSH_WEIGHTS``), but stored as one sorted numpy array of 64-bit band
    hashes instead of one Python set per bucket. Why: ``MinHashLSH`` keeps a
    set and a bytes key per (signature, band), about 6.4 KB per signature at
    16 bands (measured: +644 MB RSS for 100,000 signatures, 3.4 s to build),
    and the quote index holds every quote of the corpus; this layout needs
    about 0.5 KB per signature (signature matrix + band hashes + row ids +
    key map) and builds 100,000 signatures in a fraction of a second.

    Candidates (rows sharing a band) are always checked against the full
    signature, so ``query`` returns exactly the keys whose estimated
    similarity (:func:`similarity`) reaches the threshold among those LSH
    proposes. Rows added since the last merge (at most ``_MERGE_AT``, more if
    no query came in between) are compared one by one, which finds them all.
    """

    def __init__(self, threshold: float, num_perm: int = NUM_PERM) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold
        self.num_perm = num_perm
        self.bands, self.rows = _lsh_layout(threshold, num_perm)
        self._matrix = np.empty((64, num_perm), dtype=_DTYPE)  # rows [0, _n) in use
        self._keys = np.empty(64, dtype=np.int64)
        self._n = 0
        self._row_of: dict[int, int] = {}
        self._sorted = np.empty(0, dtype=np.uint64)  # band hashes of rows [0, _merged), sorted
        self._sorted_rows = np.empty(0, dtype=np.int64)
        self._merged = 0

    @classmethod
    def from_signatures(
        cls,
        pairs: Iterable[tuple[int, bytes]],
        threshold: float = ARTICLE_THRESHOLD,
        num_perm: int = NUM_PERM,
    ) -> NearDuplicateIndex:
        """An index over stored ``(key, signature)`` pairs; a key given twice keeps its last signature.

        Rebuilding is cheap: no text is re-hashed, and the band table is
        built with one vectorised pass and one sort.
        """
        index = cls(threshold, num_perm)
        latest = {operator.index(key): sig for key, sig in pairs}
        width = num_perm * _DTYPE.itemsize
        for key, sig in latest.items():
            if not isinstance(sig, bytes | bytearray | memoryview) or len(sig) != width:
                raise ValueError(f"signature of key {key} is not {width} bytes")
        if latest:
            n = len(latest)
            index._matrix = np.frombuffer(b"".join(latest.values()), dtype=_DTYPE).reshape(n, num_perm).copy()
            index._keys = np.fromiter(latest, dtype=np.int64, count=n)
            index._row_of = dict(zip(latest, range(n), strict=True))
            index._n = n
            index._merge()
        return index

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, key: object) -> bool:
        return key in self._row_of

    def _check(self, sig: bytes) -> np.ndarray:
        values = _values(sig)
        if len(values) != self.num_perm:
            raise ValueError(f"signature has {len(values)} permutations, the index {self.num_perm}")
        return values

    def add(self, key: int, sig: bytes) -> None:
        """Index ``sig`` under ``key``; adding a key again replaces its signature."""
        values = self._check(sig)
        key = operator.index(key)
        if self._n == len(self._matrix):
            grow = max(64, self._n)
            self._matrix = np.concatenate([self._matrix, np.empty((grow, self.num_perm), dtype=_DTYPE)])
            self._keys = np.concatenate([self._keys, np.empty(grow, dtype=np.int64)])
        self._matrix[self._n] = values
        self._keys[self._n] = key
        self._row_of[key] = self._n  # an earlier row of this key is now dead
        self._n += 1

    def _merge(self) -> None:
        """Sort the band hashes of the rows added since the last merge into the band table."""
        start, end = self._merged, self._n
        if start == end:
            return
        hashes = _band_hashes(self._matrix[start:end], self.bands, self.rows).ravel()
        rows = np.repeat(np.arange(start, end, dtype=np.int64), self.bands)
        if start == 0 or end - start > start:
            hashes = np.concatenate([self._sorted, hashes])
            rows = np.concatenate([self._sorted_rows, rows])
            order = np.argsort(hashes, kind="stable")
            self._sorted, self._sorted_rows = hashes[order], rows[order]
        else:
            order = np.argsort(hashes, kind="stable")
            hashes, rows = hashes[order], rows[order]
            at = np.searchsorted(self._sorted, hashes, side="right")
            self._sorted = np.insert(self._sorted, at, hashes)
            self._sorted_rows = np.insert(self._sorted_rows, at, rows)
        self._merged = end

    def query(self, sig: bytes) -> list[int]:
        """Keys whose estimated Jaccard similarity to ``sig`` is at least the threshold, best first.

        Equal scores come smallest key first (for store ids: the earliest
        stored), so the answer does not depend on insertion order.
        """
        values = self._check(sig)
        if self._n - self._merged > _MERGE_AT:
            self._merge()
        candidates = np.arange(self._merged, self._n, dtype=np.int64)  # not merged yet: check them all
        if self._merged:
            wanted = _band_hashes(values[None, :], self.bands, self.rows)[0]
            lo = np.searchsorted(self._sorted, wanted, side="left")
            hi = np.searchsorted(self._sorted, wanted, side="right")
            hits = [self._sorted_rows[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True) if b > a]
            if hits:
                candidates = np.concatenate([np.unique(np.concatenate(hits)), candidates])
        if not len(candidates):
            return []
        scores = np.count_nonzero(self._matrix[candidates] == values, axis=1) / self.num_perm
        keep = scores >= self.threshold
        found = []
        for row, score in zip(candidates[keep].tolist(), scores[keep].tolist(), strict=True):
            key = int(self._keys[row])
            if self._row_of.get(key) == row:  # not replaced by a later add of the same key
                found.append((-score, key))
        found.sort()
        return [key for _, key in found]


def diff_words(a: str, b: str) -> list[tuple[str, str]]:
    """Where two variants of a quote differ: ``(words in a, words in b)`` per changed stretch.

    Words are compared by their normalised form, so a curly quote or a
    changed case is not reported as a change; the pairs give the original
    words (an empty string where words were only added or only dropped).
    """
    wa, wb = a.split(), b.split()
    matcher = difflib.SequenceMatcher(
        None, [normalize(w) for w in wa], [normalize(w) for w in wb], autojunk=False
    )
    return [
        (" ".join(wa[i1:i2]), " ".join(wb[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


__all__ = [
    "ARTICLE_THRESHOLD",
    "QUOTE_THRESHOLD",
    "NearDuplicateIndex",
    "diff_words",
    "normalize",
    "quote_key",
    "quoted_text",
    "signature",
    "similarity",
]
