"""Distributed crawling on scrapy-redis: several worker processes, on one or many machines,
share one request queue and one duplicate filter in Redis and one database.

Set ``CLIPPER_REDIS_URL`` (``redis://host:6379/0``) and the ``RedisAddon`` (registered in
``ADDONS``) switches the crawl to scrapy-redis:

- ``SCHEDULER = "scrapy_redis.scheduler.Scheduler"`` and
  ``DUPEFILTER_CLASS = "scrapy_redis.dupefilter.RFPDupeFilter"``: every worker pushes the
  requests it finds into, and pops the next one from, a Redis priority queue; a page is
  fetched once by whichever worker pops it.
- ``SCHEDULER_PERSIST = True``: a worker that stops (or crashes) leaves the queue to the
  others instead of wiping it.
- Keys are ``clipper:<spider>:<run>:requests`` / ``:dupefilter`` / ``:active``, where
  ``CLIPPER_REDIS_RUN`` (default ``default``) names one crawl shared by its workers.

Roles (``CLIPPER_REDIS_ROLE``): ``seed`` (the default) clears the run's queue and duplicate
filter when it opens and sends the spider's start requests, as a normal crawl does;
``worker`` sends nothing of its own and only works the shared queue. Start any number of
workers, then one seed. A worker stops once nothing was queued or fetched by any worker for
``CLIPPER_REDIS_IDLE_CLOSE`` seconds (default 30). Items are stored by each worker through
the normal pipelines; the store's upsert makes two workers storing one story harmless.

Requests travel through Redis pickled (scrapy-redis' default serializer): only point workers
at a Redis that nobody else can write to.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

__all__ = ["ROLES", "DistributedWorker", "RedisAddon", "SeedOnlyStart", "redis_settings"]

ROLES = ("seed", "worker")
KEY_PREFIX = "clipper:%(spider)s:{run}"
# Finished runs' keys (fingerprints, a drained queue) are removed by Redis after this.
KEY_TTL_SECONDS = 7 * 24 * 3600
POLL_SECONDS = 0.5


def redis_settings(redis_url: str, role: str = "seed", run: str = "default") -> dict[str, Any]:
    """The Scrapy settings that put a crawl on scrapy-redis (without component dicts)."""
    if role not in ROLES:
        raise ValueError(f"CLIPPER_REDIS_ROLE must be one of {ROLES}, got {role!r}")
    prefix = KEY_PREFIX.format(run=run)
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_FLUSH_ON_START": role == "seed",
        "SCHEDULER_QUEUE_KEY": f"{prefix}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:dupefilter",
        "REDIS_URL": redis_url,
    }


class RedisAddon:
    """Scrapy add-on: active only when ``CLIPPER_REDIS_URL`` is set (else a no-op)."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("CLIPPER_REDIS_URL")
        if not url:
            return
        role = settings.get("CLIPPER_REDIS_ROLE") or "seed"
        run = settings.get("CLIPPER_REDIS_RUN") or "default"
        settings.setdict(redis_settings(url, role, run), priority="addon")
        settings.set_in_component_priority_dict(
            "EXTENSIONS", "clipper.extensions.distributed.DistributedWorker", 530
        )
        settings.set_in_component_priority_dict(
            "SPIDER_MIDDLEWARES", "clipper.extensions.distributed.SeedOnlyStart", 10
        )


class SeedOnlyStart:
    """Spider middleware: a ``worker`` drops the spider's start requests (the seed sends
    them); a ``seed`` passes them on."""

    def __init__(self, crawler):
        if not crawler.settings.get("CLIPPER_REDIS_URL"):
            raise NotConfigured
        self.worker = crawler.settings.get("CLIPPER_REDIS_ROLE") == "worker"

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for request in start:
            if not self.worker:
                yield request


class DistributedWorker:
    """Keeps a worker alive while the shared crawl is busy, and wakes it as soon as the
    queue has work (Scrapy would otherwise look only every 5 seconds)."""

    def __init__(self, crawler):
        settings = crawler.settings
        if not settings.get("CLIPPER_REDIS_URL"):
            raise NotConfigured
        from scrapy_redis import connection

        self.crawler = crawler
        self.server = connection.from_settings(settings)
        self.idle_close = settings.getfloat("CLIPPER_REDIS_IDLE_CLOSE", 30.0)
        self.role = settings.get("CLIPPER_REDIS_ROLE") or "seed"
        self.queue_key = settings.get("SCHEDULER_QUEUE_KEY")
        self.dupefilter_key = settings.get("SCHEDULER_DUPEFILTER_KEY")
        self.active_key = self.queue_key.rsplit(":", 1)[0] + ":active"
        self.last_activity = time.time()
        self._poll = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.activity, signal=signals.response_received)
        crawler.signals.connect(self.activity, signal=signals.request_scheduled)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _keys(self, spider) -> tuple[str, str, str]:
        names = {"spider": spider.name}
        return self.queue_key % names, self.dupefilter_key % names, self.active_key % names

    def spider_opened(self, spider) -> None:
        from twisted.internet import task

        self.last_activity = time.time()
        logger.info(
            "Distributed %s: queue %s on %s",
            self.role,
            self._keys(spider)[0],
            self.crawler.settings.get("CLIPPER_REDIS_URL"),
        )
        self._poll = task.LoopingCall(self._wake_if_queued, spider)
        self._poll.start(POLL_SECONDS, now=False)

    def activity(self, *args, **kwargs) -> None:
        self.last_activity = time.time()
        spider = self.crawler.spider
        if spider is not None:
            self.server.set(self._keys(spider)[2], self.last_activity, ex=KEY_TTL_SECONDS)

    def queued(self, spider) -> int:
        key = self._keys(spider)[0]
        kind = self.server.type(key)
        kind = kind.decode() if isinstance(kind, bytes) else kind
        if kind == "zset":
            return int(self.server.zcard(key))
        if kind == "list":
            return int(self.server.llen(key))
        return 0

    def shared_last_activity(self, spider) -> float:
        value = self.server.get(self._keys(spider)[2])
        return max(self.last_activity, float(value) if value else 0.0)

    def _wake_if_queued(self, spider) -> None:
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None:
            # The engine looks for work only every 5 s once idle: ask now, so a queued
            # request is picked up at once and the idle check below runs on time.
            slot.nextcall.schedule()

    def spider_idle(self, spider) -> None:
        if self.queued(spider):
            self.last_activity = time.time()
            raise DontCloseSpider
        if time.time() - self.shared_last_activity(spider) < self.idle_close:
            raise DontCloseSpider
        logger.info(
            "Distributed %s: nothing to do for %.0f s, stopping", self.role, self.idle_close
        )

    def spider_closed(self, spider, reason) -> None:
        if self._poll is not None and self._poll.running:
            self._poll.stop()
        try:
            for key in self._keys(spider):
                self.server.expire(key, KEY_TTL_SECONDS)
        except Exception as exc:  # Redis gone at close: the keys simply never expire
            logger.warning("Could not set the expiry of the run's Redis keys: %s", exc)
