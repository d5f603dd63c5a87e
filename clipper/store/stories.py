"""The story index: assigns stored articles to stories of syndicated copies, in the
store's transaction (an ``ArticleStore`` hook). The signature maths is
:mod:`clipper.text.minhash`; this module keeps the band hashes, memberships and stories in
the database (``story_bands``, ``story_members``, ``stories``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from clipper.text.minhash import MatchRule, Signature, band_hashes, signature
from models import Article
from models.stories import Story, StoryBand, StoryMember

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
