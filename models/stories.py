"""Stories: syndicated copies of one article grouped as one story (see ``clipper.store.stories``).

``stories`` holds one row per story; ``story_members`` says which article belongs to which
story (a members table rather than a column on ``articles``, so the feature adds tables and
never rebuilds ``articles``); ``story_bands`` is the near-duplicate index: the LSH band
hashes of recent articles, looked up by equality and pruned to a time window.
The ``story_summary`` view (created by migration 0002) counts articles and outlets per story.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Story(Base):
    """One story, told by one or more articles (copies of a wire story or press release)."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The earliest published member, the longest body breaking ties; NULL only if deleted.
    canonical_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    # Members' times: published, else fetched.
    first_published: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_published: Mapped[datetime] = mapped_column(UTCDateTime)
    n_articles: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StoryMember(Base):
    """An article's place in a story, and its MinHash signature while it is indexed."""

    __tablename__ = "story_members"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    # Estimated similarity to the member it matched when it joined; NULL for the founder.
    similarity: Mapped[float | None] = mapped_column(Float)
    # Published, else fetched: what the matching time window compares (and pruning reads).
    story_time: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    n_shingles: Mapped[int] = mapped_column(Integer)
    # NUM_PERM little-endian uint32; NULL once pruned out of the index window.
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StoryBand(Base):
    """One LSH band hash of an indexed article (``BANDS`` rows per article)."""

    __tablename__ = "story_bands"
    # Keyed by the hash, and on SQLite the key is the table itself (no rowid b-tree): a
    # lookup and the insert of a row each touch one b-tree, which already holds the time
    # the lookup filters on. The index on article_id (for deletes and the cascade) grows at
    # its end, as ids only increase, so it costs a page or two per batch, not a page per row.
    __table_args__ = ({"sqlite_with_rowid": False},)

    # Signed 64-bit: fits BIGINT on PostgreSQL and INTEGER on SQLite. The band number is
    # mixed into the hash, so lookups need the hash alone and the row needs no band column.
    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("story_members.article_id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # The article's time (story_members.story_time) in Unix seconds, so lookups skip rows
    # outside the window without reading signatures. A plain integer: the band rows are
    # written in bulk without per-row type conversion. Pruning uses story_members' index.
    time: Mapped[int] = mapped_column(BigInteger)
