"""Store: an idempotent upsert of articles, their outlets and sightings, in batches.

A re-crawl updates (``last_seen``, and the text when it changed), never duplicates: the
article is keyed by its canonical URL, the sighting by the page it was seen on. Items are
buffered and written ``CLIPPER_STORE_BATCH_SIZE`` at a time, one transaction per batch, so
a crash loses at most the open batch, which the next incremental run fetches again.
The stage also gives spiders ``known_urls`` (pages already stored) for incremental crawls.
Runs last.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured
from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from clipper.crawling import close_crawl
from clipper.db import DatabaseError, get_engine
from clipper.text import content_hash
from models import Article, DroppedPage, Outlet, Sighting
from pipelines.stories import story_hook

logger = logging.getLogger(__name__)

# Transient database trouble (a lock held by a reader, a dropped connection) is retried
# with backoff before the batch is declared failed.
WRITE_ATTEMPTS = 4
# SQLite limits bound parameters per statement; stay well below it for IN (...) lookups.
LOOKUP_CHUNK = 500


def _insert(engine: Engine):
    return postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert


# Called inside the batch's transaction with (article id, item) for every article that is
# new or whose text changed, so derived tables (stories) commit or roll back with it.
StoreHook = Callable[[Connection, list[tuple[int, dict]]], None]


class ArticleStore:
    """Maps items onto the models; usable outside Scrapy (tests, benchmarks)."""

    def __init__(self, engine: Engine, hooks: Iterable[StoreHook] = ()):
        self.engine = engine
        self.insert = _insert(engine)
        self.hooks = list(hooks)
        self._outlet_ids: dict[str, int] = {}

    # -- reads ---------------------------------------------------------------------------
    def known_source_urls(self, urls: Iterable[str]) -> set[str]:
        """The pages among ``urls`` already handled: stored, or dropped for a lasting reason."""
        urls = list(dict.fromkeys(urls))
        found: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(urls), LOOKUP_CHUNK):
                chunk = urls[start : start + LOOKUP_CHUNK]
                for column in (Sighting.source_url, DroppedPage.source_url):
                    found.update(conn.execute(select(column).where(column.in_(chunk))).scalars())
        return found

    # -- writes --------------------------------------------------------------------------
    def write(self, items: list[dict]) -> tuple[int, int, int]:
        """Upsert a batch in one transaction; returns (new, updated, unchanged)."""
        # The same URL twice in one batch (a story posted twice): the last one wins.
        by_url = {item["url"]: item for item in items}
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            existing = dict(
                conn.execute(
                    select(Article.url, Article.content_hash).where(Article.url.in_(list(by_url)))
                ).all()
            )
            rows = []
            for url, item in by_url.items():
                rows.append(
                    {
                        "url": url,
                        "title": item["title"],
                        "body": item["body"],
                        "author": item.get("author") or None,
                        "published": item.get("published"),
                        "published_raw": item.get("published_raw") or None,
                        "region": item.get("region"),
                        "region_evidence": item.get("region_evidence") or None,
                        "outlet_id": self._outlet_id(conn, item),
                        "outlet_raw": item.get("outlet_raw") or None,
                        "spider": item["spider"],
                        "matched_terms": item.get("matched_terms") or [],
                        "first_seen": now,
                        "last_seen": now,
                        "content_hash": content_hash(item["title"], item["body"]),
                        "html_hash": item.get("html_hash") or None,
                    }
                )
            stmt = self.insert(Article).values(rows)
            updatable = {
                name: stmt.excluded[name]
                for name in rows[0]
                if name not in ("url", "first_seen")
            }
            conn.execute(stmt.on_conflict_do_update(index_elements=["url"], set_=updatable))
            ids = dict(
                conn.execute(select(Article.url, Article.id).where(Article.url.in_(list(by_url)))).all()
            )
            sightings = {}
            for item in items:
                sightings[item["source_url"]] = {
                    "article_id": ids[item["url"]],
                    "source_url": item["source_url"],
                    "spider": item["spider"],
                    "first_seen": now,
                    "last_seen": now,
                }
            changed = [
                (ids[row["url"]], by_url[row["url"]])
                for row in rows
                if existing.get(row["url"]) != row["content_hash"]
            ]
            for hook in self.hooks:
                if changed:
                    hook(conn, changed)
            stmt = self.insert(Sighting).values(list(sightings.values()))
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["source_url"],
                    set_={"article_id": stmt.excluded.article_id, "last_seen": stmt.excluded.last_seen},
                )
            )
        new = sum(1 for url in by_url if url not in existing)
        updated = sum(
            1 for row in rows if row["url"] in existing and existing[row["url"]] != row["content_hash"]
        )
        return new, updated, len(by_url) - new - updated

    def _outlet_id(self, conn, item: dict) -> int | None:
        name = (item.get("outlet") or "").strip()
        if not name:
            return None
        if name in self._outlet_ids:
            return self._outlet_ids[name]
        extra = item.get("extra") or {}
        stmt = self.insert(Outlet).values(
            name=name,
            kind=extra.get("outlet_kind"),
            home_region=extra.get("outlet_home_region"),
            known="outlet_kind" in extra,
        )
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))
        outlet_id = conn.execute(select(Outlet.id).where(Outlet.name == name)).scalar_one()
        # Cached only after the batch commits would be stricter; a rolled-back batch is
        # retried whole, and the outlet row is re-inserted idempotently then.
        self._outlet_ids[name] = outlet_id
        return outlet_id


class StorePipeline:
    stage = "store"

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        if settings.getbool("CLIPPER_DRY_RUN"):
            raise NotConfigured  # (no message: Scrapy would log it as a warning)
        self.batch_size = max(1, settings.getint("CLIPPER_STORE_BATCH_SIZE", 50))
        self.database_url = settings.get("CLIPPER_DATABASE_URL") or None
        self.store: ArticleStore | None = None
        self.buffer: list[dict] = []

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        spider = self.crawler.spider
        try:
            self.store = ArticleStore(get_engine(self.database_url), hooks=[story_hook(self.crawler)])
        except DatabaseError as exc:
            logger.error("Cannot open the database: %s", exc)
            self.stats.set_value("clipper/store/error", str(exc))
            close_crawl(self.crawler, "database_error")
            return
        if hasattr(spider, "known_urls"):
            spider.known_urls = self.store.known_source_urls

    def process_item(self, item):
        if self.store is None:
            self.stats.inc_value("clipper/store/articles/not_stored")
            return item
        self.buffer.append(ItemAdapter(item).asdict())
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def close_spider(self):
        if self.store is not None:
            self.flush()

    def flush(self) -> None:
        if not self.buffer or self.store is None:
            return
        batch, self.buffer = self.buffer, []
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                new, updated, unchanged = self.store.write(batch)
            except (DBAPIError, SQLAlchemyError) as exc:
                if attempt == WRITE_ATTEMPTS:
                    self._fail(batch, exc)
                    return
                self.stats.inc_value("clipper/store/retries")
                logger.warning("Database write failed (attempt %d), retrying: %s", attempt, exc)
                time.sleep(0.5 * 2**attempt)
            else:
                self.stats.inc_value("clipper/store/articles/new", new)
                self.stats.inc_value("clipper/store/articles/updated", updated)
                self.stats.inc_value("clipper/store/articles/unchanged", unchanged)
                return

    def _fail(self, batch: list[dict], exc: Exception) -> None:
        # Nothing of the batch was committed (one transaction): the next run fetches it again.
        self.stats.inc_value("clipper/store/articles/not_stored", len(batch))
        self.stats.set_value("clipper/store/error", str(exc).splitlines()[0])
        logger.error(
            "Could not store %d articles after %d attempts: %s. Nothing of this batch was "
            "written; the next run will fetch them again.",
            len(batch),
            WRITE_ATTEMPTS,
            str(exc).splitlines()[0],
        )
        close_crawl(self.crawler, "database_error")
