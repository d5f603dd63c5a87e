"""Run log: a ``crawl_runs`` row per spider run, written at open and completed at close,
so a crash leaves a visible ``running`` row instead of nothing.

When dropped pages of the spider are due for a retry (``clipper.store.retries``), the run
walks every listing page (skipping what it has), as after a failed run: a page waiting for
its retry may by now sit behind listing pages the run has wholly.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from clipper.ops.health import classify, monitor
from clipper.store.articles import is_nightly
from clipper.store.engine import DatabaseError, get_engine
from clipper.store.retries import pending_retries
from models import CrawlRun

logger = logging.getLogger(__name__)

# Stat of a run that may have stopped paging early on purpose (``-a max_pages``, ``since``).
PARTIAL = "clipper/listing/partial"


def summarize(stats: dict) -> dict:
    """The headline figures of a run, from its Scrapy stats."""
    return {
        "pages_fetched": stats.get("response_received_count", 0),
        "items_scraped": stats.get("item_scraped_count", 0),
        "items_dropped": stats.get("item_dropped_count", 0),
        "articles_new": stats.get("clipper/store/articles/new", 0),
        "articles_updated": stats.get("clipper/store/articles/updated", 0),
        "errors": stats.get("log_count/ERROR", 0) + stats.get("spider_exceptions", 0),
    }


def jsonable(stats: dict) -> dict:
    return {
        key: (value.isoformat() if isinstance(value, datetime) else value)
        for key, value in stats.items()
    }


class RunLogExtension:
    def __init__(self, crawler):
        if crawler.settings.getbool("CLIPPER_DRY_RUN"):
            raise NotConfigured  # (no message: Scrapy would log it as a warning)
        self.crawler = crawler
        self.database_url = crawler.settings.get("CLIPPER_DATABASE_URL") or None
        self.kind = crawler.settings.get("CLIPPER_RUN_KIND", "adhoc")
        self.run_id: int | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider):
        try:
            engine = get_engine(self.database_url)
            with engine.begin() as conn:
                previous = conn.execute(
                    select(CrawlRun.status, CrawlRun.stats)
                    .where(CrawlRun.spider == spider.name, CrawlRun.kind == "nightly")
                    .order_by(CrawlRun.id.desc())
                    .limit(1)
                ).first()
                due = pending_retries(
                    conn,
                    spider=spider.name,
                    nightly=is_nightly(self.crawler.settings),
                    due_by=datetime.now(UTC),
                )
                self.run_id = conn.execute(
                    CrawlRun.__table__.insert()
                    .values(
                        spider=spider.name,
                        kind=self.kind,
                        started_at=datetime.now(UTC),
                        status="running",
                        pages_fetched=0,
                        items_scraped=0,
                        items_dropped=0,
                        articles_new=0,
                        articles_updated=0,
                        errors=0,
                    )
                    .returning(CrawlRun.id)
                ).scalar_one()
        except (DatabaseError, SQLAlchemyError) as exc:
            logger.error("Run log unavailable: %s", str(exc).splitlines()[0])
            return
        spider.crawl_run_id = self.run_id
        if getattr(spider, "partial_listing", False):
            self.crawler.stats.set_value(PARTIAL, 1)
        # After a crashed, failed or partial (max_pages, since) nightly run, pages already
        # stored may hide unfetched older ones: the spider must not stop paging at the first
        # fully-known page.
        spider.previous_run_ok = previous is None or (
            previous.status == "ok" and not (previous.stats or {}).get(PARTIAL)
        )
        if due:
            self.crawler.stats.set_value("clipper/dropped/retries_due", due)
            if getattr(spider, "incremental", False):
                logger.info("%d dropped pages are due for a retry: walking every listing page", due)
                spider.previous_run_ok = False

    def spider_closed(self, spider, reason):
        if self.run_id is None:
            return
        try:
            self._finish(spider, reason)
        except (DatabaseError, SQLAlchemyError) as exc:
            # The run row stays "running": the next run treats this one as not finished.
            logger.error(
                "Could not record the end of run %s: %s", self.run_id, str(exc).splitlines()[0]
            )

    def _finish(self, spider, reason):
        stats = self.crawler.stats.get_stats()
        engine = get_engine(self.database_url)
        failed = classify(stats, reason)
        if failed is None:
            with engine.connect() as conn:
                history = (
                    conn.execute(
                        select(CrawlRun.stats)
                        .where(
                            CrawlRun.spider == spider.name,
                            CrawlRun.id != self.run_id,
                            CrawlRun.status != "running",
                        )
                        .order_by(CrawlRun.id.desc())
                        .limit(20)
                    )
                    .scalars()
                    .all()
                )
            failed = monitor(stats, [h or {} for h in history], self.crawler.settings)
        if failed:
            # Readable by CrawlResult too, so the command's exit code agrees with the row.
            self.crawler.stats.set_value("clipper/health/failure_class", failed)
        with engine.begin() as conn:
            conn.execute(
                update(CrawlRun)
                .where(CrawlRun.id == self.run_id)
                .values(
                    finished_at=datetime.now(UTC),
                    status="failed" if failed else "ok",
                    failure_class=failed,
                    finish_reason=reason,
                    stats=jsonable(stats),
                    **summarize(stats),
                )
            )
