"""The downloader middleware that extracts article pages in workers, and its settings.

:class:`ExtractMiddleware` sends marked 2xx article responses to an
:class:`~clipper.middlewares.workers.pool.ExtractPool` and leaves the result in the request's
meta, or drops the page by name; ``CLIPPER_EXTRACT_WORKERS`` and ``CLIPPER_EXTRACT_TIMEOUT``
are read here (see :mod:`clipper.middlewares.workers`).
"""

from __future__ import annotations

import logging
import os
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem, IgnoreRequest, NotConfigured

from clipper.items import ArticleItem
from clipper.middlewares.workers.job import EXTRACT_META, RESULT_META, PageExtract
from clipper.middlewares.workers.pool import (
    ExtractCrashed,
    ExtractPool,
    ExtractTimeout,
    PoolClosed,
)
from clipper.text.encoding import charset_from_content_type
from clipper.text.urls import canonical_url

__all__ = [
    "DEFAULT_TIMEOUT",
    "ExtractMiddleware",
    "default_workers",
    "extract_timeout",
    "extract_workers",
]

# The package's name, as the log lines always had.
logger = logging.getLogger("clipper.middlewares.workers")

# CLIPPER_EXTRACT_TIMEOUT's default, seconds for one page (which takes milliseconds).
DEFAULT_TIMEOUT = 30.0


def default_workers(cpu_count: int | None = None) -> int:
    """One or two workers, leaving a core to the reactor; none on a single core."""
    cores = cpu_count if cpu_count is not None else (os.cpu_count() or 1)
    return max(0, min(2, cores - 1))


def extract_workers(settings: Any) -> int:
    """``CLIPPER_EXTRACT_WORKERS``, else :func:`default_workers`. Raises ValueError on a
    value that is not a whole number >= 0."""
    raw = settings.get("CLIPPER_EXTRACT_WORKERS")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default_workers()
    try:
        workers = int(raw)
    except (TypeError, ValueError):
        raise ValueError(f"CLIPPER_EXTRACT_WORKERS must be a whole number, got {raw!r}") from None
    if workers < 0:
        raise ValueError(f"CLIPPER_EXTRACT_WORKERS must be 0 or more, got {workers}")
    return workers


def extract_timeout(settings: Any) -> float:
    """``CLIPPER_EXTRACT_TIMEOUT`` in seconds (default :data:`DEFAULT_TIMEOUT`). Raises
    ValueError on a value that is not a number > 0."""
    raw = settings.get("CLIPPER_EXTRACT_TIMEOUT")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return DEFAULT_TIMEOUT
    try:
        timeout = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"CLIPPER_EXTRACT_TIMEOUT must be a number, got {raw!r}") from None
    if not timeout > 0 or timeout == float("inf"):
        raise ValueError(f"CLIPPER_EXTRACT_TIMEOUT must be a number of seconds > 0, got {raw!r}")
    return timeout


class ExtractMiddleware:
    """Extracts marked article responses in an :class:`ExtractPool` (see
    :mod:`clipper.middlewares.workers`)."""

    def __init__(self, crawler: Any, workers: int, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.pool = ExtractPool(workers, timeout, count=self._count)
        # Jobs a worker has or has queued, past which the spider extracts the page itself.
        self.max_pending = 8 * workers
        self.broken_counted = False
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractMiddleware:
        if not getattr(crawler.spidercls, "extract_in_workers", False):
            raise NotConfigured("the spider fetches no article pages")
        workers = extract_workers(crawler.settings)
        timeout = extract_timeout(crawler.settings)
        if workers == 0:
            raise NotConfigured("CLIPPER_EXTRACT_WORKERS is 0: the spider extracts its pages")
        from scrapy.utils.reactor import is_asyncio_reactor_installed, is_reactor_installed

        if is_reactor_installed() and not is_asyncio_reactor_installed():
            # The pool is driven by the asyncio event loop under the reactor.
            raise NotConfigured("extraction workers need the asyncio reactor")
        return cls(crawler, workers, timeout)

    def spider_opened(self, spider: Any = None) -> None:
        self.pool.start()

    def spider_closed(self, spider: Any = None) -> None:
        self.pool.close()

    def _unavailable(self) -> None:
        if self.pool.broken and not self.broken_counted:
            self.broken_counted = True
            self._count("pool/broken")
        self._count("pages/unavailable")

    def _count(self, key: str) -> None:
        self.stats.inc_value(f"clipper/workers/{key}")

    async def _drop(self, request: Any, response: Any, reason: DropItem) -> None:
        """A named, counted drop of the page, as if a pipeline stage had dropped its item:
        Scrapy counts it (``item_dropped_reasons_count/<Reason>``) and the dropped-page log
        treats it by its reason (not lasting: the next run tries the page again)."""
        spider = self.crawler.spider
        name = type(reason).__name__
        self._count(f"pages/{'timeout' if isinstance(reason, ExtractTimeout) else 'crashed'}")
        logger.warning("Dropped %s (%s): %s", response.url, name, reason)
        url = canonical_url(response.url) or response.url
        item = ArticleItem(
            url=url,
            source_url=canonical_url(request.cb_kwargs.get("source_url") or "") or url,
            spider=getattr(spider, "name", ""),
            fetched_at=spider.now() if hasattr(spider, "now") else datetime.now(UTC),
        )
        await self.crawler.signals.send_catch_log_async(
            signal=signals.item_dropped, item=item, response=response, exception=reason,
            spider=spider,
        )  # fmt: skip

    async def process_response(self, request: Any, response: Any, spider: Any = None) -> Any:
        if not request.meta.get(EXTRACT_META) or not 200 <= response.status < 300:
            return response
        if self.pool.closed:
            self._unavailable()
            return response
        if self.pool.pending >= self.max_pending:
            # Enough queued to keep every worker busy: more would only wait (holding a
            # download slot) while the reactor's own core may have time to spare.
            self._count("pages/busy")
            return response
        crawl_spider = self.crawler.spider
        args = (
            response.body,
            response.url,
            charset_from_content_type(response.headers.get("Content-Type")),
            getattr(crawl_spider, "site_rules", None),
            crawl_spider.now() if hasattr(crawl_spider, "now") else None,
        )
        try:
            found, html_hash, prepared = await self.pool.run(*args)
        except (ExtractTimeout, ExtractCrashed) as reason:
            # Not handed to the spider: it would extract the page on the reactor thread,
            # with no deadline.
            await self._drop(request, response, reason)
            raise IgnoreRequest(f"{type(reason).__name__}: {reason}") from None
        except (BrokenProcessPool, PoolClosed):
            self._unavailable()
            return response
        except Exception:
            self._count("pages/failed")
            return response
        request.meta[RESULT_META] = PageExtract(response.body, found, html_hash, prepared)
        self._count("pages/pool")
        return response
