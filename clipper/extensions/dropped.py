"""Dropped-page log: remembers pages whose item a pipeline stage rejected (a placeholder
post, an off-topic story, a page without a title), so incremental runs skip them like
stored pages instead of fetching them again every night. ``-a full=1`` still re-fetches.
A nightly run's drops are marked ``seen_by_nightly``; the nightly skips only those (an ad hoc
run with other relevance terms must not hide pages from it).

Written in batches (``BATCH`` pages, and the rest when the spider closes): one transaction
per dropped page cost ~1 ms of the reactor thread each, and an off-topic search drops many.
Within the crawl the spider does not request a page twice anyway.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError

from clipper.store.articles import _insert, is_nightly, nightly_updated
from clipper.store.engine import DatabaseError, get_engine
from models import DroppedPage

logger = logging.getLogger(__name__)

# Dropped pages written per transaction.
BATCH = 100


class DroppedPageLog:
    def __init__(self, crawler):
        if crawler.settings.getbool("CLIPPER_DRY_RUN"):
            raise NotConfigured  # (no message: Scrapy would log it as a warning)
        self.crawler = crawler
        self.database_url = crawler.settings.get("CLIPPER_DATABASE_URL") or None
        self.nightly = is_nightly(crawler.settings)
        # Rows not written yet, by source_url.
        self.pending: dict[str, dict] = {}
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.flush, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def item_dropped(self, item, response, exception, spider):
        source_url = ItemAdapter(item).get("source_url")
        if not source_url or not getattr(exception, "lasting", True):
            return
        now = datetime.now(UTC)
        reason = type(exception).__name__
        row = self.pending.get(source_url)
        if row is not None:  # dropped again before the batch was written
            row.update(reason=reason, last_seen=now)
        else:
            self.pending[source_url] = {
                "source_url": source_url,
                "spider": spider.name,
                "reason": reason,
                "first_seen": now,
                "last_seen": now,
                "seen_by_nightly": self.nightly,
            }
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self, spider=None) -> None:
        """Write the pending pages (called per batch and when the spider closes)."""
        if not self.pending:
            return
        rows, self.pending = list(self.pending.values()), {}
        try:
            engine = get_engine(self.database_url)
            stmt = _insert(engine)(DroppedPage).values(rows)
            updated = nightly_updated(("reason", "last_seen"), self.nightly)
            stmt = stmt.on_conflict_do_update(
                index_elements=["source_url"],
                set_={name: stmt.excluded[name] for name in updated},
            )
            with engine.begin() as conn:
                conn.execute(stmt)
        except (DatabaseError, SQLAlchemyError) as exc:
            # Not fatal: the pages are simply fetched again next time.
            logger.warning("Could not record %d dropped pages: %s", len(rows), exc)
