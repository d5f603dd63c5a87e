"""Dropped-page log: remembers pages whose item a pipeline stage rejected, so incremental
runs do not fetch them again every night, and retries the transient ones.

- A lasting reason (a placeholder post, an off-topic story: ``lasting`` on the reason
  class, the default) is skipped for good; ``-a full=1`` still re-fetches.
- A transient one (a page that answered 200 without a title or text, a row the database
  refused: ``lasting = False``) is skipped only until its retry is due,
  ``CLIPPER_DROP_RETRY_BACKOFF`` seconds after the first drop, doubling with each further
  drop (``clipper.store.retries``); a run after that fetches it like a new page. After
  ``CLIPPER_DROP_RETRY_LIMIT`` drops the page is given up on (skipped for good; counted as
  ``clipper/dropped/gave_up`` and logged). ``clipper runs`` lists how many pages wait.
- A reason with ``remembered = False`` (a sighting waiting for its article) is not written:
  every run tries it again.

A nightly run's drops are marked ``seen_by_nightly`` and count the nightly's own attempts;
the nightly skips only those. An ad hoc run never changes a row a nightly run wrote (its
drop, perhaps for other relevance terms, must neither hide the page from the nightly nor
push its retry back).

Written in batches (``BATCH`` pages, and the rest when the spider closes): one transaction
per dropped page cost ~1 ms of the reactor thread each, and an off-topic search drops many.
Within the crawl the spider does not request a page twice anyway.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from clipper.store.articles import LOOKUP_CHUNK, _insert, is_nightly
from clipper.store.engine import DatabaseError, get_engine
from clipper.store.retries import retry_delay
from models import DroppedPage

logger = logging.getLogger(__name__)

# Dropped pages written per transaction.
BATCH = 100
DEFAULT_BACKOFF_SECONDS = 6 * 3600
DEFAULT_RETRY_LIMIT = 5
UPDATED = ("reason", "last_seen", "attempts", "next_retry_at", "seen_by_nightly")


class DroppedPageLog:
    def __init__(self, crawler):
        settings = crawler.settings
        if settings.getbool("CLIPPER_DRY_RUN"):
            raise NotConfigured  # (no message: Scrapy would log it as a warning)
        self.crawler = crawler
        self.stats = crawler.stats
        self.database_url = settings.get("CLIPPER_DATABASE_URL") or None
        self.nightly = is_nightly(settings)
        self.backoff = timedelta(
            seconds=settings.getfloat("CLIPPER_DROP_RETRY_BACKOFF", DEFAULT_BACKOFF_SECONDS)
        )
        self.limit = max(1, settings.getint("CLIPPER_DROP_RETRY_LIMIT", DEFAULT_RETRY_LIMIT))
        # Rows not written yet, by source_url.
        self.pending: dict[str, dict] = {}
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.flush, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def item_dropped(self, item, response, exception, spider):
        source_url = ItemAdapter(item).get("source_url")
        if not source_url or not getattr(exception, "remembered", True):
            return
        now = datetime.now(UTC)
        row = self.pending.setdefault(
            source_url,
            {"source_url": source_url, "spider": spider.name, "first_seen": now},
        )
        # Dropped again before the batch was written: the last reason counts.
        row.update(
            reason=type(exception).__name__,
            last_seen=now,
            lasting=getattr(exception, "lasting", True),
        )
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self, spider=None) -> None:
        """Write the pending pages (called per batch and when the spider closes)."""
        if not self.pending:
            return
        pending, self.pending = self.pending, {}
        try:
            engine = get_engine(self.database_url)
            with engine.begin() as conn:
                rows = self._rows(conn, pending)
                if rows:
                    stmt = _insert(engine)(DroppedPage).values(rows)
                    conn.execute(
                        stmt.on_conflict_do_update(
                            index_elements=["source_url"],
                            set_={name: stmt.excluded[name] for name in UPDATED},
                        )
                    )
        except (DatabaseError, SQLAlchemyError) as exc:
            # Not fatal: the pages are simply fetched again next time.
            logger.warning("Could not record %d dropped pages: %s", len(pending), exc)

    def _rows(self, conn, pending: dict[str, dict]) -> list[dict]:
        """The rows to upsert, with their attempts and next retry counted from the rows
        already there (read in the same transaction)."""
        urls = list(pending)
        existing: dict[str, tuple[int, bool]] = {}
        for start in range(0, len(urls), LOOKUP_CHUNK):
            chunk = urls[start : start + LOOKUP_CHUNK]
            query = select(
                DroppedPage.source_url, DroppedPage.attempts, DroppedPage.seen_by_nightly
            ).where(DroppedPage.source_url.in_(chunk))
            existing.update((url, (attempts, seen)) for url, attempts, seen in conn.execute(query))
        rows = []
        for url, page in pending.items():
            before = existing.get(url)
            if before is not None and before[1] and not self.nightly:
                # A nightly run's row: an ad hoc run leaves it as the nightly wrote it.
                self.stats.inc_value("clipper/dropped/left_to_nightly")
                continue
            # A nightly run counts only nightly attempts (an ad hoc row starts again at 1).
            counted = before is not None and (before[1] or not self.nightly)
            attempts = before[0] + 1 if counted else 1
            lasting = page.pop("lasting")
            next_retry_at = None
            if lasting:
                self.stats.inc_value("clipper/dropped/lasting")
            elif attempts >= self.limit:
                self.stats.inc_value("clipper/dropped/gave_up")
                logger.warning(
                    "Giving up on %s: dropped %d times (%s); it is skipped from now on",
                    url,
                    attempts,
                    page["reason"],
                )
            else:
                next_retry_at = page["last_seen"] + retry_delay(attempts, self.backoff)
                self.stats.inc_value("clipper/dropped/retry_scheduled")
            rows.append(
                {
                    **page,
                    "attempts": attempts,
                    "next_retry_at": next_retry_at,
                    "seen_by_nightly": self.nightly,
                }
            )
        return rows
