"""Dropped-page log: remembers pages whose item a pipeline stage rejected (a placeholder
post, an off-topic story, a page without a title), so incremental runs skip them like
stored pages instead of fetching them again every night. ``-a full=1`` still re-fetches.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError

from clipper.db import DatabaseError, get_engine
from models import DroppedPage
from pipelines.store import _insert

logger = logging.getLogger(__name__)


class DroppedPageLog:
    def __init__(self, crawler):
        if crawler.settings.getbool("CLIPPER_DRY_RUN"):
            raise NotConfigured  # (no message: Scrapy would log it as a warning)
        self.crawler = crawler
        self.database_url = crawler.settings.get("CLIPPER_DATABASE_URL") or None
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def item_dropped(self, item, response, exception, spider):
        source_url = ItemAdapter(item).get("source_url")
        if not source_url or not getattr(exception, "lasting", True):
            return
        now = datetime.now(UTC)
        try:
            engine = get_engine(self.database_url)
            stmt = _insert(engine)(DroppedPage).values(
                source_url=source_url,
                spider=spider.name,
                reason=type(exception).__name__,
                first_seen=now,
                last_seen=now,
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=["source_url"],
                set_={"reason": stmt.excluded.reason, "last_seen": stmt.excluded.last_seen},
            )
            with engine.begin() as conn:
                conn.execute(stmt)
        except (DatabaseError, SQLAlchemyError) as exc:
            # Not fatal: the page is simply fetched again next time.
            logger.warning("Could not record the dropped page %s: %s", source_url, exc)
