"""Stories: syndicated copies of one article (wire copy, press release, rewrites) grouped as
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
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from models import Article, Outlet
from models.stories import Story, StoryBand, StoryMember

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

_NAME = r"[가-힣]{2,4}"
_REPORTER_WORDS = ("기자", "특파원", "통신원")
_REPORTER = r"(?:(?:인턴|수습|객원|선임|수석|사진|영상)\s*)?(?:기자|특파원|통신원)"
# Searched over the whole text at once (one regex pass instead of one per line); lines are
# "\n"-separated by then, and "[^\S\n]" keeps every match inside one line.
_BOILER_LINE = re.compile(
    r"무단[^\S\n]*전재|무단[^\S\n]*복제|재배포|저작권자|ⓒ|©|\(c\)|copyright|all rights reserved"
    r"|재판매[^\S\n]*및[^\S\n]*DB[^\S\n]*금지|사진[^\S\n]*[=:]|^[^\S\n]*[▲▶◀△☞■]"
    r"|제보를[^\S\n]*기다립니다",
    re.IGNORECASE | re.MULTILINE,
)
_URL = re.compile(r"https?://\S+|www\.\S+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Bracketed datelines and credits: (수원=뉴스1), [서울=뉴시스], 【서울=뉴시스】,
# [OSEN=선미경 기자], (사진=양평군 제공).
_BRACKETED = re.compile(
    r"[(\[【〔<《][^()\[\]【】〔〕<>《》\n]{0,25}[=＝][^()\[\]【】〔〕<>《》\n]{0,40}[)\]】〕>》]"
)
_REPORTER_PATTERNS = (
    # The reporter of a dateline: "홍길동 기자 =", "홍길동·김철수 기자 =".
    re.compile(rf"{_NAME}(?:\s*[·ㆍ,]\s*{_NAME})*\s*{_REPORTER}\s*[=＝]"),
    # Bylines anywhere ("/정종엽 기자", "홍길동 기자"), but not 기자회견 or 기자단.
    re.compile(rf"{_NAME}\s*{_REPORTER}(?![가-힣])"),
)
# Every character a reporter pattern can match is one of these, so each match lies inside
# one run of them that holds a reporter word. Tried from every Hangul syllable, the patterns
# cost ~230 µs on a 2,000-character article; on the few runs around 기자/특파원/통신원, ~5.
_RUN_CHARS = r"가-힣\s·ㆍ,=＝"
_RUN_END = re.compile(rf"[^{_RUN_CHARS}]")
_NOT_WORD = re.compile(r"[\W_]+")
# The non-word characters of most article text: deleted with str.replace before the
# _NOT_WORD pass, which is then left with little or nothing to do (~4x faster).
_COMMON_NON_WORD = (" ", "\n", ".", ",", '"', "'", "·", "“", "”", "‘", "’", "(", ")", "-", "%")


def _drop_boiler_lines(text: str) -> str:
    """Drop the lines (of "\\n"-separated ``text``) that are copyright, caption or promo."""
    drop = set()
    for match in _BOILER_LINE.finditer(text):
        drop.add(text.count("\n", 0, match.start()))
    if not drop:
        return text
    return "\n".join(line for k, line in enumerate(text.split("\n")) if k not in drop)


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
            continue  # inside the run just handled
        found = _RUN_END.search(reversed_text, size - at)
        start = size - found.start() if found else 0
        found = _RUN_END.search(text, at)
        end = found.start() if found else size
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
        text = _EMAIL.sub(" ", text)
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


# --- the database-backed index -------------------------------------------------------------

DEFAULT_THRESHOLD = MatchRule.threshold
DEFAULT_WINDOW_DAYS = 7.0
DEFAULT_INDEX_DAYS = 30.0
# Bound parameters per IN (...) lookup: far below SQLite's limit, and PostgreSQL's.
LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class StoryConfig:
    """Settings of the story index (``CLIPPER_STORY_*``).

    ``window``: two articles join only if their times (published, else fetched) are at most
    this far apart. ``index_days``: band rows and signatures older than this (by article
    time, against the clock) are pruned; 0 keeps everything, e.g. for a backfill.
    """

    rule: MatchRule = field(default_factory=MatchRule)
    window: timedelta = timedelta(days=DEFAULT_WINDOW_DAYS)
    index_days: float = DEFAULT_INDEX_DAYS

    def __post_init__(self) -> None:
        # A bad setting would silently merge or split everything: refuse it up front.
        if not 0 < self.rule.threshold <= 1:
            raise ValueError(f"story threshold must be in (0, 1], got {self.rule.threshold}")
        if self.window < timedelta(0) or self.index_days < 0:
            raise ValueError("story window and index days must not be negative")

    @classmethod
    def from_settings(cls, settings: Any) -> StoryConfig:
        """From Scrapy settings (anything with ``getfloat``)."""
        return cls(
            rule=MatchRule(
                threshold=settings.getfloat("CLIPPER_STORY_THRESHOLD", DEFAULT_THRESHOLD)
            ),
            window=timedelta(
                days=settings.getfloat("CLIPPER_STORY_WINDOW_DAYS", DEFAULT_WINDOW_DAYS)
            ),
            index_days=settings.getfloat("CLIPPER_STORY_INDEX_DAYS", DEFAULT_INDEX_DAYS),
        )


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    # Items carry aware times; a naive one is taken as UTC rather than dropped.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def item_time(item: dict, now: datetime) -> datetime:
    """When an article happened, for the time window: published, else fetched, else now."""
    return _aware(item.get("published")) or _aware(item.get("fetched_at")) or now


def item_signature(item: dict) -> Signature:
    """The signature the signature stage put in ``extra["minhash"]``, else computed here."""
    extra = item.get("extra") or {}
    found = Signature.from_json(extra.get("minhash")) if isinstance(extra, dict) else None
    return found or signature(item.get("title") or "", item.get("body") or "")


@dataclass
class _Entry:
    article_id: int
    sig: Signature
    time: datetime
    # A stored story's id; while assigning, a negative key for a story founded in the batch.
    story_id: int | None
    body_length: int = 0


class StoryIndex:
    """Assigns articles to stories in the database; ``assign`` is an ``ArticleStore`` hook.

    Stories are kept in ``stories``, memberships in ``story_members`` (with the signature
    used for verification), and the LSH band hashes in ``story_bands``. Everything happens
    on the connection it is given, inside the caller's transaction, in a fixed number of
    statements per call (not per article).
    """

    def __init__(
        self,
        config: StoryConfig | None = None,
        *,
        count: Callable[[str, int], None] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.config = config or StoryConfig()
        self._count = count or (lambda _outcome, _n: None)
        self._now = now
        self._pruned = False

    # -- the store hook -------------------------------------------------------------------
    def assign(self, conn: Connection, articles: Sequence[tuple[int, dict]]) -> dict[int, int]:
        """Put each (article id, item) in a story; returns article id -> story id.

        An article seen before (its text changed) leaves its old story first. Articles are
        matched against the index and against the earlier articles of the same call.
        """
        now = self._now()
        if not self._pruned and self.config.index_days > 0:
            # Once per index (a crawl): keeps the band table bounded without a separate job.
            self.prune(conn, now)
            self._pruned = True
        by_id = dict(articles)
        if not by_id:
            return {}
        touched = self._leave_old_stories(conn, list(by_id))
        batch = [
            _Entry(
                article_id,
                item_signature(item),
                item_time(item, now),
                None,
                len(item.get("body") or ""),
            )
            for article_id, item in by_id.items()
        ]
        bands = band_hashes(np.stack([entry.sig.values for entry in batch])).tolist()
        stored = self._candidates(conn, batch, bands)
        local: dict[int, list[_Entry]] = defaultdict(list)
        founded: dict[int, list[_Entry]] = {}
        similarity: dict[int, float | None] = {}
        for entry, hashes in zip(batch, bands, strict=True):
            found: dict[int, _Entry] = {}
            for h in hashes:
                for other in (*stored.get(h, ()), *local.get(h, ())):
                    found[other.article_id] = other
            story_id, similarity[entry.article_id] = self._best_story(entry, found.values())
            if story_id is None:
                story_id = -(len(founded) + 1)
                founded[story_id] = []
            if story_id < 0:
                founded[story_id].append(entry)
            else:
                touched.add(story_id)
            entry.story_id = story_id
            for h in hashes:
                local[h].append(entry)
        real_ids = self._create_stories(conn, founded, now)
        for entry in batch:
            entry.story_id = real_ids.get(entry.story_id, entry.story_id)
        conn.execute(
            insert(StoryMember),
            [
                {
                    "article_id": entry.article_id,
                    "story_id": entry.story_id,
                    "similarity": similarity[entry.article_id],
                    "story_time": entry.time,
                    "n_shingles": entry.sig.n_shingles,
                    "signature": entry.sig.to_bytes(),
                    "joined_at": now,
                }
                for entry in batch
            ],
        )
        # In key order, so consecutive rows land on the same or the next b-tree page. A set
        # per article: two of its bands with one hash (odds ~2^-64) are one key.
        _insert_plain(
            conn,
            StoryBand.__table__.name,
            ("hash", "article_id", "time"),
            sorted(
                (h, entry.article_id, seconds)
                for entry, hashes in zip(batch, bands, strict=True)
                for seconds in (_seconds(entry.time),)
                for h in set(hashes)
            ),
        )
        # Stories founded here were computed in full above; stored ones changed members.
        refresh_stories(conn, touched, now)
        self._count("new_story", len(founded))
        self._count("joined", len(batch) - len(founded))
        return {entry.article_id: int(entry.story_id or 0) for entry in batch}

    # -- maintenance ----------------------------------------------------------------------
    def prune(self, conn: Connection, now: datetime | None = None) -> int:
        """Drop band rows, and forget signatures, of articles older than ``index_days``.

        "Older" is by article time (published, else fetched) against ``now``. Memberships
        stay: pruning bounds the lookup index, not the record of stories. A pruned article
        can no longer be matched, so a copy printed after the window founds a new story.
        Runs once per ``StoryIndex`` (per crawl) from ``assign``; returns the number of
        articles dropped from the index.
        """
        if self.config.index_days <= 0:
            return 0
        cutoff = (now or self._now()) - timedelta(days=self.config.index_days)
        old = select(StoryMember.article_id).where(
            StoryMember.story_time < cutoff, StoryMember.signature.is_not(None)
        )
        conn.execute(delete(StoryBand).where(StoryBand.article_id.in_(old)))
        pruned = conn.execute(
            update(StoryMember)
            .where(StoryMember.story_time < cutoff, StoryMember.signature.is_not(None))
            .values(signature=None)
        ).rowcount
        self._count("pruned", pruned)
        return pruned

    # -- steps ----------------------------------------------------------------------------
    def _leave_old_stories(self, conn: Connection, article_ids: list[int]) -> set[int]:
        old: set[int] = set()
        mark = _param_mark(conn)
        for chunk in _chunks(article_ids):
            # Plain SQL (see _candidates): mostly new articles, which have no rows yet.
            left = conn.exec_driver_sql(
                f"SELECT story_id FROM {StoryMember.__tablename__}"
                f" WHERE article_id IN ({', '.join([mark] * len(chunk))})",
                tuple(chunk),
            ).all()
            if left:
                old.update(story_id for (story_id,) in left)
                conn.execute(delete(StoryBand).where(StoryBand.article_id.in_(chunk)))
                conn.execute(delete(StoryMember).where(StoryMember.article_id.in_(chunk)))
        return old

    def _candidates(
        self, conn: Connection, batch: list[_Entry], bands: list[list[int]]
    ) -> dict[int, list[_Entry]]:
        """Stored articles sharing a band hash with the batch, within the time window."""
        hashes = sorted({h for row in bands for h in row})
        window = self.config.window.total_seconds()
        earliest = min(_seconds(entry.time) for entry in batch) - window
        latest = max(_seconds(entry.time) for entry in batch) + window
        hits: list[tuple[int, int]] = []
        mark = _param_mark(conn)
        for chunk in _chunks(hashes):
            # Plain SQL: SQLAlchemy renders an IN list value by value in Python, which
            # costs more than the indexed lookup itself.
            hits.extend(
                conn.exec_driver_sql(
                    f"SELECT hash, article_id FROM {StoryBand.__tablename__}"
                    f" WHERE hash IN ({', '.join([mark] * len(chunk))})"
                    f" AND time BETWEEN {mark} AND {mark}",
                    (*chunk, int(earliest), int(latest)),
                ).all()
            )
        entries: dict[int, _Entry] = {}
        for chunk in _chunks(sorted({article_id for _h, article_id in hits})):
            rows = conn.execute(
                select(
                    StoryMember.article_id,
                    StoryMember.story_id,
                    StoryMember.story_time,
                    StoryMember.n_shingles,
                    StoryMember.signature,
                ).where(StoryMember.article_id.in_(chunk), StoryMember.signature.is_not(None))
            )
            for article_id, story_id, story_time, n_shingles, data in rows:
                entries[article_id] = _Entry(
                    article_id, Signature.from_bytes(data, n_shingles), story_time, story_id
                )
        found: dict[int, list[_Entry]] = defaultdict(list)
        for h, article_id in hits:
            if article_id in entries:
                found[h].append(entries[article_id])
        return found

    def _best_story(
        self, entry: _Entry, candidates: Iterable[_Entry]
    ) -> tuple[int | None, float | None]:
        best: tuple[tuple[float, bool, int], int] | None = None
        for other in candidates:
            if other.story_id is None or abs(other.time - entry.time) > self.config.window:
                continue
            score = self.config.rule.score(entry.sig, other.sig)
            if score is None:
                continue
            # The most similar member decides; on a tie a stored story beats one founded in
            # this batch, and an older story a newer one.
            key = (score, other.story_id > 0, -abs(other.story_id))
            if best is None or key > best[0]:
                best = (key, other.story_id)
        return (best[1], best[0][0]) if best else (None, None)

    def _create_stories(
        self, conn: Connection, founded: dict[int, list[_Entry]], now: datetime
    ) -> dict[int, int]:
        """Insert the stories founded in this batch; returns batch key -> story id."""
        if not founded:
            return {}
        by_canonical: dict[int, int] = {}
        rows = []
        for key, members in founded.items():
            times = [member.time for member in members]
            canonical = _canonical((m.time, m.body_length, m.article_id) for m in members)
            by_canonical[canonical] = key
            rows.append(
                {
                    "canonical_article_id": canonical,
                    "first_published": min(times),
                    "last_published": max(times),
                    "n_articles": len(members),
                    "created_at": now,
                    "updated_at": now,
                }
            )
        # Multi-row statements; the rows are told apart by their canonical article (each
        # founded story has its own). Asking for the ids in the order of the rows instead
        # makes SQLAlchemy insert one row per statement on SQLite, which cannot promise it.
        result = conn.execute(insert(Story).returning(Story.id, Story.canonical_article_id), rows)
        return {by_canonical[canonical]: story_id for story_id, canonical in result}


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def _param_mark(conn: Connection) -> str:
    # sqlite3 takes "?", psycopg "%s".
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _insert_plain(conn: Connection, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """INSERT rows of plain ints straight through the driver's ``executemany``.

    SQLAlchemy builds and converts a parameter dict per row, which costs more than the
    insert itself for the ``BANDS`` rows each article adds.
    """
    if not rows:
        return
    mark = _param_mark(conn)
    names = ", ".join(columns)
    marks = ", ".join([mark] * len(columns))
    conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def _chunks(values: Sequence, size: int = LOOKUP_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _canonical(members: Iterable[tuple[datetime, int, int]]) -> int:
    """The article id of the earliest member, the longest body breaking ties, then the
    lowest id; members are (time, body length, article id)."""
    return min(members, key=lambda m: (m[0], -m[1], m[2]))[2]


def refresh_stories(conn: Connection, story_ids: Iterable[int], now: datetime) -> None:
    """Recompute count, times and canonical article of these stories; delete empty ones.

    Canonical: the earliest member (published, else fetched), the longest body breaking
    ties, then the lowest id.
    """
    ids = sorted(set(story_ids))
    updates = []
    for chunk in _chunks(ids):
        rows = conn.execute(
            select(
                StoryMember.story_id,
                StoryMember.article_id,
                StoryMember.story_time,
                func.length(Article.body),
            )
            .join(Article, Article.id == StoryMember.article_id)
            .where(StoryMember.story_id.in_(chunk))
        ).all()
        members: dict[int, list[tuple[datetime, int, int]]] = defaultdict(list)
        for story_id, article_id, story_time, length in rows:
            members[story_id].append((story_time, length or 0, article_id))
        empty = [story_id for story_id in chunk if story_id not in members]
        if empty:
            conn.execute(delete(Story).where(Story.id.in_(empty)))
        for story_id, entries in members.items():
            times = [entry[0] for entry in entries]
            updates.append(
                {
                    "b_id": story_id,
                    "b_canonical": _canonical(entries),
                    "b_first": min(times),
                    "b_last": max(times),
                    "b_n": len(entries),
                    "b_now": now,
                }
            )
    if updates:
        conn.execute(
            update(Story)
            .where(Story.id == bindparam("b_id"))
            .values(
                canonical_article_id=bindparam("b_canonical"),
                first_published=bindparam("b_first"),
                last_published=bindparam("b_last"),
                n_articles=bindparam("b_n"),
                updated_at=bindparam("b_now"),
            ),
            updates,
        )


# --- analyst helpers -----------------------------------------------------------------------


class StoryOutlet(NamedTuple):
    outlet: str
    articles: int
    regions: tuple[str, ...]
    first_published: datetime


def story_outlets(conn: Connection, story_id: int) -> list[StoryOutlet]:
    """The outlets that ran a story, earliest first, with their article count and regions.

    The outlet is the canonical name, else the raw outlet string, else "".
    """
    outlet = func.coalesce(Outlet.name, Article.outlet_raw, "")
    rows = conn.execute(
        select(outlet, Article.region, StoryMember.story_time)
        .select_from(StoryMember)
        .join(Article, Article.id == StoryMember.article_id)
        .outerjoin(Outlet, Outlet.id == Article.outlet_id)
        .where(StoryMember.story_id == story_id)
    ).all()
    grouped: dict[str, list[tuple[str | None, datetime]]] = defaultdict(list)
    for name, region, story_time in rows:
        grouped[name].append((region, story_time))
    result = [
        StoryOutlet(
            outlet=name,
            articles=len(entries),
            regions=tuple(sorted({region for region, _t in entries if region})),
            first_published=min(t for _r, t in entries),
        )
        for name, entries in grouped.items()
    ]
    return sorted(result, key=lambda row: (row.first_published, row.outlet))


def article_stories(conn: Connection, article_ids: Iterable[int]) -> dict[int, int]:
    """Article id -> story id, for the given articles that have one."""
    found: dict[int, int] = {}
    for chunk in _chunks(sorted(set(article_ids))):
        found.update(
            conn.execute(
                select(StoryMember.article_id, StoryMember.story_id).where(
                    StoryMember.article_id.in_(chunk)
                )
            ).all()
        )
    return found


# --- evaluation ----------------------------------------------------------------------------


def pair_scores(gold: Sequence[Any], predicted: Sequence[Any]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of a clustering against gold labels.

    A pair of items counts as predicted when both got the same story and as true when both
    have the same label (singletons make no pairs, so they only hurt when wrongly joined).
    """
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")

    def pairs(counts: Iterable[int]) -> int:
        return sum(n * (n - 1) // 2 for n in counts)

    cells: dict[tuple[Any, Any], int] = defaultdict(int)
    gold_sizes: dict[Any, int] = defaultdict(int)
    pred_sizes: dict[Any, int] = defaultdict(int)
    for g, p in zip(gold, predicted, strict=True):
        cells[g, p] += 1
        gold_sizes[g] += 1
        pred_sizes[p] += 1
    both = pairs(cells.values())
    said, true = pairs(pred_sizes.values()), pairs(gold_sizes.values())
    precision = both / said if said else 1.0
    recall = both / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
