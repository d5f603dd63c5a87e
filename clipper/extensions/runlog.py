"""Run log: a ``crawl_runs`` row per spider run, written at open and completed at close,
so a crash leaves a visible ``running`` row instead of nothing.

The row is written through a reconnecting retry (``RECORD_ATTEMPTS`` tries, backoff from
``RECORD_BACKOFF`` seconds): a PostgreSQL connection killed under the run (a failover,
``pg_terminate_backend``) must not leave the run without its row or stuck ``running``. A row
that could not be opened is written, whole, when the run closes; a run whose row cannot be
written at all is a failed run (``database``), so the exit code still tells.

When dropped pages of the spider are due for a retry (``clipper.store.retries``), the run
walks every listing page (skipping what it has), as after a failed run: a page waiting for
its retry may by now sit behind listing pages the run has wholly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from clipper.ops.health import classify, monitor
from clipper.store.articles import is_nightly
from clipper.store.engine import DatabaseError, get_engine
from clipper.store.retries import pending_retries
from models import CrawlRun

logger = logging.getLogger(__name__)

# Stat of a run that may have stopped paging early on purpose (``-a max_pages``, ``since``).
PARTIAL = "clipper/listing/partial"
# Tries to write the run's row, waiting RECORD_BACKOFF, then twice as long each time
# (0.5 + 1 + 2 + 4 s): longer than a PostgreSQL failover or a burst of killed connections.
RECORD_ATTEMPTS = 5
RECORD_BACKOFF = 0.5
FAILURE_STAT = "clipper/health/failure_class"

T = TypeVar("T")


def _transient(exc: BaseException) -> bool:
    """A connection problem a new connection may not have (not a bad URL or schema)."""
    cause = exc.__cause__ if isinstance(exc, DatabaseError) else exc
    return isinstance(cause, DBAPIError) and (
        cause.connection_invalidated
        or type(cause).__name__ in ("OperationalError", "InterfaceError")
    )


def with_reconnect(what: str, write: Callable[[], T]) -> T:
    """``write()``, tried again on a fresh connection while the database is unreachable."""
    for attempt in range(1, RECORD_ATTEMPTS + 1):
        try:
            return write()
        except (DatabaseError, SQLAlchemyError) as exc:
            if attempt == RECORD_ATTEMPTS or not _transient(exc):
                raise
            delay = RECORD_BACKOFF * 2 ** (attempt - 1)
            logger.warning(
                "Run log: could not %s (attempt %d), retrying in %.1f s: %s",
                what,
                attempt,
                delay,
                str(exc).splitlines()[0],
            )
            time.sleep(delay)
    raise AssertionError("unreachable")


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
        self.started_at = datetime.now(UTC)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider):
        self.started_at = datetime.now(UTC)
        if getattr(spider, "partial_listing", False):
            self.crawler.stats.set_value(PARTIAL, 1)
        try:
            previous, due, self.run_id = with_reconnect(
                "open the run's row", lambda: self._open(spider)
            )
        except (DatabaseError, SQLAlchemyError) as exc:
            logger.error(
                "Run log unavailable: %s (the run's row is written when it ends)",
                str(exc).splitlines()[0],
            )
            # Nothing is known of the runs before: walk every listing page.
            spider.previous_run_ok = False
            return
        spider.crawl_run_id = self.run_id
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

    def _open(self, spider):
        """The previous nightly run, the dropped pages due for a retry, this run's row id."""
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
            run_id = conn.execute(
                CrawlRun.__table__.insert()
                .values(spider=spider.name, kind=self.kind, started_at=self.started_at,
                        status="running", **summarize({}))
                .returning(CrawlRun.id)
            ).scalar_one()  # fmt: skip
        return previous, due, run_id

    def spider_closed(self, spider, reason):
        try:
            with_reconnect("record the end of the run", lambda: self._finish(spider, reason))
        except (DatabaseError, SQLAlchemyError) as exc:
            # The run cannot be recorded (its row, if any, stays "running"): a failed run.
            self.crawler.stats.set_value(FAILURE_STAT, "database")
            logger.error(
                "Could not record the end of run %s: %s",
                self.run_id if self.run_id is not None else f"of {spider.name}",
                str(exc).splitlines()[0],
            )

    def _finish(self, spider, reason):
        stats = self.crawler.stats.get_stats()
        engine = get_engine(self.database_url)
        failed = classify(stats, reason)
        if failed is None and self.run_id is None:
            failed = "database"  # the run log was unavailable when the run began
        if failed is None:
            with engine.connect() as conn:
                history = (
                    conn.execute(
                        select(CrawlRun.stats)
                        .where(
                            CrawlRun.spider == spider.name,
                            CrawlRun.id != (self.run_id or -1),
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
            self.crawler.stats.set_value(FAILURE_STAT, failed)
            stats = self.crawler.stats.get_stats()
        values = {
            "finished_at": datetime.now(UTC),
            "status": "failed" if failed else "ok",
            "failure_class": failed,
            "finish_reason": reason,
            "stats": jsonable(stats),
            **summarize(stats),
        }
        with engine.begin() as conn:
            if self.run_id is None:  # not opened: the whole row now
                self.run_id = conn.execute(
                    CrawlRun.__table__.insert()
                    .values(spider=spider.name, kind=self.kind, started_at=self.started_at,
                            **values)
                    .returning(CrawlRun.id)
                ).scalar_one()  # fmt: skip
            else:
                conn.execute(update(CrawlRun).where(CrawlRun.id == self.run_id).values(**values))
