"""Outlets, articles, sightings and crawl runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime


class Outlet(Base):
    """A news outlet (매체), by canonical name; unknown outlets are kept as written."""

    __tablename__ = "outlets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str | None] = mapped_column(String(40))
    home_region: Mapped[str | None] = mapped_column(String(10))
    # False when the name was not found in the outlet registry (kept as the source wrote it).
    known: Mapped[bool] = mapped_column(default=False)

    articles: Mapped[list[Article]] = relationship(back_populates="outlet")


class Article(Base):
    """One news article, identified by its canonical URL."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(200))
    published: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # As printed on the page, so dates can be re-parsed without re-crawling.
    published_raw: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(10), index=True)
    region_evidence: Mapped[str | None] = mapped_column(String(300))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"), index=True)
    outlet_raw: Mapped[str | None] = mapped_column(String(200))
    spider: Mapped[str] = mapped_column(String(50))
    matched_terms: Mapped[list[str] | None] = mapped_column(JSON)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    # sha1 of the normalised title and body: tells a real update from a re-crawl.
    content_hash: Mapped[str] = mapped_column(String(40))
    html_hash: Mapped[str | None] = mapped_column(String(40))
    # Where the page it was extracted from lies in the WARC archive (CLIPPER_ARCHIVE_DIR):
    # the file relative to the archive directory, the record pair's offset and length.
    # NULL when the page was not archived; ``clipper reprocess`` reads it.
    warc_file: Mapped[str | None] = mapped_column(String(300))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(Integer)

    outlet: Mapped[Outlet | None] = relationship(back_populates="articles")
    sightings: Mapped[list[Sighting]] = relationship(back_populates="article")


class Sighting(Base):
    """A page on which an article was found (a board post, a portal page, the outlet itself)."""

    __tablename__ = "sightings"
    __table_args__ = (UniqueConstraint("source_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    source_url: Mapped[str] = mapped_column(String(2000))
    spider: Mapped[str] = mapped_column(String(50))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    # Whether a nightly run (CLIPPER_RUN_KIND=nightly) stored this page: the nightly's
    # incremental stop counts only such pages, so ad hoc runs cannot cut it short.
    seen_by_nightly: Mapped[bool] = mapped_column(server_default=false())
    # Where this page lies in the WARC archive, as on ``articles`` (NULL: not archived).
    warc_file: Mapped[str | None] = mapped_column(String(300))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(Integer)

    article: Mapped[Article] = relationship(back_populates="sightings")


Index("ix_sightings_article_id", Sighting.article_id)


class DroppedPage(Base):
    """A page whose item was dropped: for a lasting reason (placeholder, off-topic), so
    incremental runs do not fetch it again every night; for a transient one (a 200 answer
    without a title), so it is fetched again after a backoff (``next_retry_at``)."""

    __tablename__ = "dropped_pages"
    __table_args__ = (UniqueConstraint("source_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_url: Mapped[str] = mapped_column(String(2000))
    spider: Mapped[str] = mapped_column(String(50))
    reason: Mapped[str] = mapped_column(String(100))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    # Whether a nightly run dropped it (an ad hoc run's drop may come from other settings,
    # such as other relevance terms, and must not hide the page from the nightly).
    seen_by_nightly: Mapped[bool] = mapped_column(server_default=false())
    # Runs that dropped it (a nightly row counts nightly runs only), and when a run may fetch
    # it again: NULL for a lasting reason or once the retries are used up.
    attempts: Mapped[int] = mapped_column(Integer, server_default="1", default=1)
    next_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CrawlRun(Base):
    """One spider's run: when, what it fetched and stored, and how it ended."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    spider: Mapped[str] = mapped_column(String(50), index=True)
    # "nightly" runs move the incremental state; "adhoc" runs (clipper crawl) do not.
    kind: Mapped[str] = mapped_column(String(20), default="adhoc")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "running" until the spider closes, then "ok" or "failed".
    status: Mapped[str] = mapped_column(String(20), default="running")
    failure_class: Mapped[str | None] = mapped_column(String(40))
    finish_reason: Mapped[str | None] = mapped_column(String(100))
    pages_fetched: Mapped[int] = mapped_column(Integer, default=0)
    items_scraped: Mapped[int] = mapped_column(Integer, default=0)
    items_dropped: Mapped[int] = mapped_column(Integer, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    articles_updated: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    # The run's full Scrapy stats (drop reasons, HTTP status counts, field coverage...).
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSON)
