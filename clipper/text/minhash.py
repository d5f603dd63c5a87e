"""Story signatures: syndicated copies of one article (wire copy, press release, rewrites) grouped as
one story with many outlets, by MinHash near-duplicate detection.

How an article finds its story:

1. **Normalise** (``normalise``): the text outlets change when they reprint a story is
   removed: datelines (``(수원=뉴스1) 홍길동 기자 =``, ``[서울=뉴시스]``), bylines, e-mails,
   URLs, copyright, caption and promo lines; then everything but letters and digits.
2. **Signature** (``signature``): character shingles of ``SHINGLE_K`` characters of that
   whitespace-free text, hashed once to 64 bits, then ``NUM_PERM`` min-hashes computed with
   numpy, a bounded chunk of shingles at a time (multiply-add-shift hashing, a standard
   MinHash family).
3. **Candidates** (LSH banding): the first ``BANDS`` x ``ROWS`` min-hashes form ``BANDS``
   band hashes (signed 64-bit ints). Two articles whose Jaccard is ``s`` share a band with
   probability ``1 - (1 - s**ROWS)**BANDS``: 0.56 at s = 0.2, 0.85 at 0.3, 0.97 at 0.4,
   0.997 at 0.5. An overlap of 0.7 (the default cut) means a Jaccard of 0.54 for two texts
   of equal length and 0.3 when one is twice the other; chains through the wire original
   catch most of the rest. Unrelated articles (Jaccard ~0.01) collide with odds ~0.2%.
   The band hashes live in the ``story_bands`` table, keyed and looked up by equality on
   the hash, so the index survives nightly runs and behaves the same on SQLite and
   PostgreSQL.
4. **Verify**: a candidate joins only if it was published within ``window`` of the article
   (published, else fetched) and the similarity estimated from the two stored signatures
   passes (``is_match``): the overlap of the shorter text with the longer one (a trimmed
   copy or one with an added quote still matches) and a Jaccard floor (a two-line brief
   does not join the long feature that quotes it).
5. **Assign**: the article joins the story of its most similar verified candidate (an
   article matching two stories joins the most similar one; stories are never merged), or
   founds a new story. Articles of one batch can match each other.

Changing ``SHINGLE_K``, ``NUM_PERM``, ``BANDS``, ``ROWS`` or ``SEED`` changes every
signature: stored ones no longer match new ones (the ``SCHEME`` tag records them).
"""

from __future__ import annotations

import base64
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from clipper.text.patterns import (
    COPYRIGHT_HINTS,
    EMAIL_RE,
    REPORTER_NAME,
    REPORTER_NAMES,
    REPORTER_SUFFIX,
    strip_copyright,
)

# --- the signature scheme ------------------------------------------------------------------

# Long shingles on purpose: a press-release template reused by two towns differs in many
# scattered names and numbers, and each difference kills SHINGLE_K shingles, while a reprint
# differs in a few whole blocks (a dropped paragraph, a quote), which costs the same at any k.
# On tests/data/stories_eval.jsonl k = 10 separates the two best (k = 5 merges templates).
SHINGLE_K = 10
NUM_PERM = 128
BANDS = 20
ROWS = 2
SEED = 20251125
SCHEME = f"k{SHINGLE_K}-p{NUM_PERM}-b{BANDS}x{ROWS}-s{SEED}"
# Below this many characters of normalised body the title is shingled too: a short body
# alone says too little about which story it is.
SHORT_BODY = 120

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_rng = np.random.default_rng(SEED)
# Odd multipliers and arbitrary offsets, one pair per permutation.
_PERM_A = _rng.integers(1, 2**63, size=NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_PERM_B = _rng.integers(0, 2**63, size=NUM_PERM, dtype=np.uint64)
_BAND_MIX = _rng.integers(1, 2**63, size=(ROWS + 1,), dtype=np.uint64) * np.uint64(2) + np.uint64(1)
# The same as columns, and the shingles taken per step of the MinHash (~1 MB of products).
_PERM_A_COLUMN = _PERM_A[:, None].copy()
_PERM_B_COLUMN = _PERM_B[:, None].copy()
_MINHASH_CHUNK = 1024
_EMPTY_SIG = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)


# --- normalisation -------------------------------------------------------------------------

_REPORTER_WORDS = ("기자", "특파원", "통신원")
# Caption and promo lines. Searched over the whole text at once (one regex pass instead of one
# per line); lines are "\n"-separated by then, and "[^\S\n]" keeps every match inside one line.
_BOILER_LINE = re.compile(
    r"재판매[^\S\n]*+및[^\S\n]*+DB[^\S\n]*+금지|사진[^\S\n]*+[=:]|^[^\S\n]*+[▲▶◀△☞■]"
    r"|제보를[^\S\n]*+기다립니다",
    re.IGNORECASE | re.MULTILINE,
)
# Where a copyright notice may be (the shared rule, clipper.text.patterns, then decides).
_COPYRIGHT_HINT = re.compile("|".join(map(re.escape, COPYRIGHT_HINTS)))
_URL = re.compile(r"https?://\S+|www\.\S+")
# Bracketed datelines and credits: (수원=뉴스1), [서울=뉴시스], 【서울=뉴시스】,
# [OSEN=선미경 기자], (사진=양평군 제공).
_BRACKETED = re.compile(
    r"[(\[【〔<《][^()\[\]【】〔〕<>《》\n]{0,25}[=＝][^()\[\]【】〔〕<>《》\n]{0,40}[)\]】〕>》]"
)
_REPORTER_PATTERNS = (
    # The reporter of a dateline: "홍길동 기자 =", "홍길동·김철수 기자 =".
    re.compile(rf"{REPORTER_NAMES}\s*{REPORTER_SUFFIX}\s*[=＝]"),
    # Bylines anywhere ("/정종엽 기자", "홍길동 기자"), but not 기자회견 or 기자단.
    re.compile(rf"{REPORTER_NAME}\s*{REPORTER_SUFFIX}(?![가-힣])"),
)
# Every character a reporter pattern can match is one of these, so each match lies inside
# one run of them that holds a reporter word. Tried from every Hangul syllable, the patterns
# cost ~230 µs on a 2,000-character article; on the few runs around 기자/특파원/통신원, ~5.
_RUN_CHARS = r"가-힣\s·ㆍ,=＝"
_RUN_END = re.compile(rf"[^{_RUN_CHARS}]")
_RUN_WINDOW = 256
_NOT_WORD = re.compile(r"[\W_]+")
# The non-word characters of most article text: deleted with str.replace before the
# _NOT_WORD pass, which is then left with little or nothing to do (~4x faster).
_COMMON_NON_WORD = (" ", "\n", ".", ",", '"', "'", "·", "“", "”", "‘", "’", "(", ")", "-", "%")


def _line_numbers(pattern: re.Pattern[str], text: str) -> Iterator[int]:
    """The numbers of the lines of ``text`` where ``pattern`` matches (counted as the matches
    go, so a text of many matches costs one pass, not one per match)."""
    line = at = 0
    for match in pattern.finditer(text):
        line += text.count("\n", at, match.start())
        at = match.start()
        yield line


def _drop_boiler_lines(text: str) -> str:
    """Drop the lines (of "\\n"-separated ``text``) that are copyright, caption or promo."""
    drop = set(_line_numbers(_BOILER_LINE, text))
    cut: dict[int, str] = {}
    lines: list[str] | None = None
    checked: set[int] = set()
    for number in _line_numbers(_COPYRIGHT_HINT, text) if _has_hint(text) else ():
        if number in drop or number in checked:
            continue
        checked.add(number)
        lines = lines if lines is not None else text.split("\n")
        kept = strip_copyright(lines[number])
        if not kept:
            drop.add(number)
        elif kept != lines[number]:
            cut[number] = kept
    if not drop and not cut:
        return text
    lines = lines if lines is not None else text.split("\n")
    return "\n".join(cut.get(k, line) for k, line in enumerate(lines) if k not in drop)


def _has_hint(text: str) -> bool:
    return any(hint in text for hint in COPYRIGHT_HINTS)


def _drop_reporters(text: str) -> str:
    """The reporter patterns applied to ``text``, run by run (see ``_RUN_CHARS``)."""
    hits = sorted(at for word in _REPORTER_WORDS for at in _find_all(text, word))
    if not hits:
        return text
    reversed_text = text[::-1]
    size = len(text)
    pieces = []
    done = 0
    for at in hits:
        if at < done:
            continue  # inside the run (or window) just handled
        # The run around the hit, looked for no further than _RUN_WINDOW either way: a longer
        # run (a paragraph, a megabyte of names) is tried only near the hit, since a match
        # holds at most ten names before the reporter word and little after it.
        low = max(0, at - _RUN_WINDOW)
        found = _RUN_END.search(reversed_text, size - at, size - low)
        start = size - found.start() if found else low
        found = _RUN_END.search(text, at, at + _RUN_WINDOW)
        end = found.start() if found else min(size, at + _RUN_WINDOW)
        if end - start > _RUN_WINDOW:
            start, end = max(start, at - _RUN_WINDOW // 2), min(end, at + _RUN_WINDOW // 4)
        start = max(start, done)
        run = text[start:end]
        for pattern in _REPORTER_PATTERNS:
            run = pattern.sub(" ", run)
        pieces.append(text[done:start])
        pieces.append(run)
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def _find_all(text: str, word: str) -> Iterable[int]:
    at = text.find(word)
    while at >= 0:
        yield at
        at = text.find(word, at + len(word))


def normalise(text: str) -> str:
    """The text outlets keep when they reprint a story, without spaces or punctuation.

    Lines that are copyright notices, photo captions or promos are dropped whole; datelines,
    bylines, e-mails and URLs are cut out of the lines that stay.
    """
    text = "\n".join(unicodedata.normalize("NFKC", text or "").splitlines())
    text = _drop_boiler_lines(text)
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = EMAIL_RE.sub(" ", text)
    if "=" in text or "＝" in text:
        text = _BRACKETED.sub(" ", text)
    text = _drop_reporters(text)
    for char in _COMMON_NON_WORD:
        if char in text:
            text = text.replace(char, "")
    if not text.isalnum():
        # (Deleting some of the characters [\W_] deletes one by one changes nothing.)
        text = _NOT_WORD.sub("", text)
    return text.lower()


def story_text(title: str, body: str) -> str:
    """The normalised text a signature is made of: the body, plus the title when short."""
    text = normalise(body)
    if len(text) < SHORT_BODY:
        text = normalise(title) + text
    return text


# --- signatures ----------------------------------------------------------------------------


def _mix64(x: np.ndarray) -> np.ndarray:
    # splitmix64's finaliser: spreads every input bit over the whole word.
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


_SHINGLE_BASE = 0x100000001B3


@functools.cache
def _shingle_powers(k: int) -> np.ndarray:
    return np.array([pow(_SHINGLE_BASE, k - 1 - j, 2**64) for j in range(k)], dtype=np.uint64)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    # np.unique does the same ~10x slower on a thousand values (numpy 2).
    values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def shingle_hashes(text: str, k: int = SHINGLE_K) -> np.ndarray:
    """Sorted unique 64-bit hashes of the ``k``-character shingles of ``text``.

    A text shorter than ``k`` is one shingle; an empty text has none.
    """
    if not text:
        return np.empty(0, dtype=np.uint64)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < k:
        codes = np.concatenate([codes, np.zeros(k - len(codes), dtype=np.uint64)])
    n = len(codes) - k + 1
    with np.errstate(over="ignore"):
        # A polynomial rolling hash, wrapping mod 2**64, then mixed:
        # sum(codes[i + j] * _SHINGLE_BASE ** (k - 1 - j)), computed in place.
        powers = _shingle_powers(k)
        h = codes[:n] * powers[0]
        for j in range(1, k):
            h += codes[j : j + n] * powers[j]
        return _sorted_unique(_mix64(h))


@dataclass(frozen=True)
class Signature:
    """A MinHash signature (``NUM_PERM`` uint32) and the number of distinct shingles."""

    values: np.ndarray
    n_shingles: int

    def to_bytes(self) -> bytes:
        return self.values.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, n_shingles: int) -> Signature:
        values = np.frombuffer(data, dtype="<u4").astype(np.uint32)
        if len(values) != NUM_PERM:
            raise ValueError(f"signature has {len(values)} values, expected {NUM_PERM}")
        return cls(values, n_shingles)

    def to_json(self) -> dict:
        """JSON-safe form, for ``item.extra["minhash"]``."""
        return {
            "scheme": SCHEME,
            "n": self.n_shingles,
            "sig": base64.b64encode(self.to_bytes()).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: object) -> Signature | None:
        """The signature in ``data``, or None when absent, malformed or of another scheme."""
        if not isinstance(data, dict) or data.get("scheme") != SCHEME:
            return None
        try:
            return cls.from_bytes(base64.b64decode(data["sig"]), int(data["n"]))
        except (KeyError, TypeError, ValueError):
            return None

    def band_hashes(self) -> np.ndarray:
        """``BANDS`` signed 64-bit band hashes; the band number is mixed in, so one
        equality lookup on the hash alone finds the same band of other articles."""
        return band_hashes(self.values[None, :])[0]


def band_hashes(values: np.ndarray) -> np.ndarray:
    """Band hashes (n, ``BANDS``) int64 of n signatures (n, ``NUM_PERM``) uint32."""
    rows = values[:, : BANDS * ROWS].astype(np.uint64).reshape(len(values), BANDS, ROWS)
    with np.errstate(over="ignore"):
        h = np.broadcast_to(np.arange(BANDS, dtype=np.uint64) * _BAND_MIX[ROWS], rows.shape[:2])
        for j in range(ROWS):
            h = _mix64(h + rows[:, :, j] * _BAND_MIX[j])
    return h.view(np.int64)


def signature_of_text(text: str) -> Signature:
    """The MinHash signature of already normalised text."""
    shingles = shingle_hashes(text)
    if len(shingles) == 0:
        return Signature(_EMPTY_SIG.copy(), 0)
    # (NUM_PERM, chunk) products at a time: a bounded buffer that stays in cache, and a
    # minimum along contiguous rows. The high 32 bits are the well-mixed ones; taking them
    # after the minimum is the same (x >> 32 never decreases as x grows) and shifts 128
    # values instead of all the products.
    buffer = np.empty((NUM_PERM, min(_MINHASH_CHUNK, len(shingles))), dtype=np.uint64)
    lowest = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, len(shingles), _MINHASH_CHUNK):
            part = shingles[None, start : start + _MINHASH_CHUNK]
            products = buffer[:, : part.shape[1]]
            np.multiply(_PERM_A_COLUMN, part, out=products)
            products += _PERM_B_COLUMN
            np.minimum(lowest, products.min(axis=1), out=lowest)
    return Signature((lowest >> np.uint64(32)).astype(np.uint32), len(shingles))


def signature(title: str, body: str) -> Signature:
    """The signature of an article (see ``story_text``)."""
    return signature_of_text(story_text(title, body))


# --- similarity ----------------------------------------------------------------------------


def jaccard(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of the two shingle sets (0 when either is empty)."""
    if a.n_shingles == 0 or b.n_shingles == 0:
        return 0.0
    return float(np.count_nonzero(a.values == b.values)) / NUM_PERM


def overlap(a: Signature, b: Signature, j: float | None = None) -> float:
    """Estimated share of the smaller text's shingles found in the other one.

    From Jaccard and the set sizes: |A ∩ B| = J (|A| + |B|) / (1 + J).
    """
    j = jaccard(a, b) if j is None else j
    small = min(a.n_shingles, b.n_shingles)
    if small == 0:
        return 0.0
    return min(1.0, j * (a.n_shingles + b.n_shingles) / ((1 + j) * small))


@dataclass(frozen=True)
class MatchRule:
    """When two signatures are the same story: overlap ≥ ``threshold`` and Jaccard ≥
    ``min_jaccard``."""

    threshold: float = 0.7
    min_jaccard: float = 0.2

    def score(self, a: Signature, b: Signature) -> float | None:
        """The similarity (the overlap) when the two match, else None."""
        j = jaccard(a, b)
        if j < self.min_jaccard:
            return None
        o = overlap(a, b, j)
        return o if o >= self.threshold else None
