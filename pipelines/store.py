"""Store: an idempotent upsert of articles, their outlets and sightings, in batches.

A re-crawl updates (``last_seen``, and the text when it changed), never duplicates: the
article is keyed by its canonical URL, the sighting by the page it was seen on. Items are
buffered and written ``CLIPPER_STORE_BATCH_SIZE`` at a time, one transaction per batch, so
a crash loses at most the open batch, which the next incremental run fetches again.
The stage also gives spiders ``known_urls`` (pages already stored) for incremental crawls;
on a nightly run (``CLIPPER_RUN_KIND=nightly``) only the pages nightly runs stored, so ad hoc
runs never cut the nightly short. A dry run (``CLIPPER_DRY_RUN``) writes nothing but still
gives spiders those lookups, so it stops paging where the real run would.

A sighting-only item (``extra["sighting_only"]``: a Google News link that names a story but
cannot be followed) stores no article: it becomes a sighting of the stored article with the
same outlet and title published within ``SIGHTING_MATCH_WINDOW``, or is dropped as
``UnmatchedSighting`` (retried next run). Runs last.

One bad item never costs its batch: text is made storable first (``clipper.store.sanitize``),
and a batch that still fails for its data is written again row by row, so only the row the
database refuses is dropped, as ``StoreRejected`` (retried next run), logged in one line.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from itemadapter import ItemAdapter
from scrapy import signals
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError

from clipper.ops.crawling import close_crawl
from clipper.store.articles import ArticleStore, is_nightly
from clipper.store.engine import DatabaseError, database_url, get_engine
from clipper.store.sanitize import sanitize
from pipelines.errors import StoreRejected, UnmatchedSighting
from pipelines.stories import story_hook

logger = logging.getLogger(__name__)

# Transient database trouble (a lock held by a reader, a dropped connection) is retried
# with backoff before the batch is declared failed.
WRITE_ATTEMPTS = 4
# The database's trouble, not the row's: retried, then the run fails.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, DisconnectionError)
# The row's trouble (a constraint, a value the driver cannot send): retrying cannot help.
ROW_ERRORS = (SQLAlchemyError, ValueError, TypeError)


class StorePipeline:
    stage = "store"

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.dry_run = settings.getbool("CLIPPER_DRY_RUN")
        self.batch_size = max(1, settings.getint("CLIPPER_STORE_BATCH_SIZE", 50))
        self.database_url = settings.get("CLIPPER_DATABASE_URL") or None
        self.nightly = is_nightly(settings)
        self.store: ArticleStore | None = None
        self.buffer: list[dict] = []

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        spider = self.crawler.spider
        if self.dry_run:
            self._lend_lookups(spider)
            return
        try:
            self.store = ArticleStore(
                get_engine(self.database_url),
                hooks=[story_hook(self.crawler)],
                nightly=self.nightly,
            )
        except DatabaseError as exc:
            logger.error("Cannot open the database: %s", exc)
            self.stats.set_value("clipper/store/error", str(exc))
            close_crawl(self.crawler, "database_error")
            return
        if hasattr(spider, "known_urls"):
            spider.known_urls = self.known_urls

    def known_urls(self, urls) -> set[str]:
        """The store's ``known_source_urls``; nothing known when the database cannot answer
        (a killed connection): the spider then fetches the pages again, which the upsert
        makes harmless, instead of failing its listing page with a traceback."""
        try:
            return self.store.known_source_urls(urls)
        except SQLAlchemyError as exc:
            self.stats.inc_value("clipper/store/lookup_failed")
            logger.error(
                "Could not look up which pages are stored (fetching them again): %s",
                str(exc).splitlines()[0],
            )
            return set()

    def _lend_lookups(self, spider) -> None:
        """A dry run stores nothing but still stops paging where the stored pages begin, as
        the same run would for real (else ``--dry-run`` against a real site is a full crawl):
        it gives the spider the lookups of the database, if there is one. A SQLite file that
        does not exist is not created; the run then knows no page."""
        url = make_url(database_url(self.database_url))
        if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
            return
        try:
            lookups = ArticleStore(get_engine(self.database_url), nightly=self.nightly)
        except DatabaseError as exc:
            logger.warning("Dry run without the database's stored pages: %s", exc)
            return
        if hasattr(spider, "known_urls"):
            spider.known_urls = lookups.known_source_urls

    def process_item(self, item):
        if self.dry_run:
            return item
        if self.store is None:
            self.stats.inc_value("clipper/store/articles/not_stored")
            return item
        record = sanitize(ItemAdapter(item).asdict(), self._count_sanitized)
        if (record.get("extra") or {}).get("sighting_only"):
            self.flush()  # its article may be in the open batch
            if self.store.attach_sighting(record) is None:
                self.stats.inc_value("clipper/store/sightings/unmatched")
                raise UnmatchedSighting(f"no stored article matches {record['source_url']}")
            self.stats.inc_value("clipper/store/sightings/attached")
            return item
        self.buffer.append(record)
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def close_spider(self):
        if self.store is not None:
            self.flush()

    def _count_sanitized(self, field: str) -> None:
        self.stats.inc_value(f"clipper/store/sanitized/{field}")

    def flush(self) -> None:
        if not self.buffer or self.store is None:
            return
        batch, self.buffer = self.buffer, []
        unwritten = batch
        try:
            try:
                self._write(batch)
            except TRANSIENT_ERRORS:
                raise
            except ROW_ERRORS:
                # Some row the database refuses: write them one by one to find it.
                refused: Exception | None = None
                written = 0
                for index, record in enumerate(batch):
                    unwritten = batch[index:]
                    try:
                        self._write([record])
                        written += 1
                    except TRANSIENT_ERRORS:
                        raise
                    except ROW_ERRORS as exc:
                        refused = exc
                        self._reject(record, exc)
                if refused is not None and not written and len(batch) > 1:
                    # Every row refused: the schema or the database is wrong, not the rows.
                    # They are dropped for a retry next run, and this run says it failed.
                    self._database_broken(refused)
        except TRANSIENT_ERRORS as exc:
            self._fail(unwritten, exc)

    def _write(self, batch: list[dict]) -> None:
        """Write ``batch`` in one transaction, retrying the database's transient trouble."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                new, updated, unchanged = self.store.write(batch)
            except TRANSIENT_ERRORS as exc:
                if attempt == WRITE_ATTEMPTS:
                    raise
                self.stats.inc_value("clipper/store/retries")
                logger.warning(
                    "Database write failed (attempt %d), retrying: %s", attempt, _first_line(exc)
                )
                time.sleep(0.5 * 2**attempt)
            else:
                self.stats.inc_value("clipper/store/articles/new", new)
                self.stats.inc_value("clipper/store/articles/updated", updated)
                self.stats.inc_value("clipper/store/articles/unchanged", unchanged)
                return

    def _reject(self, record: dict, exc: Exception) -> None:
        # The SQL and its parameters (the whole article) would flood the log.
        reason = _first_line(exc)
        logger.warning("Dropped %s: the database refused it: %s", record.get("url"), reason)
        self.stats.inc_value("clipper/store/articles/not_stored")
        # As Scrapy does for a drop raised by a stage: counted per reason, seen by the
        # dropped-page log and the run log.
        self.crawler.signals.send_catch_log(
            signal=signals.item_dropped,
            item=record,
            response=None,
            exception=StoreRejected(reason),
            spider=self.crawler.spider,
        )

    def _database_broken(self, exc: Exception) -> None:
        self.stats.set_value("clipper/store/error", _first_line(exc))
        logger.error("The database refused every article of a batch: %s", _first_line(exc))
        close_crawl(self.crawler, "database_error")

    def _fail(self, batch: list[dict], exc: Exception) -> None:
        # Nothing of the batch was committed (one transaction): the next run fetches it again.
        self.stats.inc_value("clipper/store/articles/not_stored", len(batch))
        self.stats.set_value("clipper/store/error", _first_line(exc))
        logger.error(
            "Could not store %d articles after %d attempts: %s. Nothing of this batch was "
            "written; the next run will fetch them again.",
            len(batch),
            WRITE_ATTEMPTS,
            _first_line(exc),
        )
        close_crawl(self.crawler, "database_error")


def _first_line(exc: Exception) -> str:
    """The driver's class and message: SQLAlchemy puts the SQL and its parameters on the
    lines after it."""
    return (str(exc).splitlines() or [type(exc).__name__])[0]
