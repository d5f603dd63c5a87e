"""Scale-out on scrapy-redis: two worker processes share one Redis request queue and one
PostgreSQL database, and together store every mirror article exactly once, each doing part of
the work. Skips without Redis at ``CLIPPER_TEST_REDIS_URL`` (default redis://127.0.0.1:6379/15),
unless ``CLIPPER_REQUIRE_REDIS=1``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from scrapy.settings import Settings
from sqlalchemy import select

from clipper.extensions.distributed import RedisAddon, redis_settings
from clipper.faults import check_board_store
from models import CrawlRun

REPO = Path(__file__).resolve().parents[1]
ADDON = json.dumps({"clipper.extensions.distributed.RedisAddon": 0})


def redis_url_or_skip() -> str:
    url = os.environ.get("CLIPPER_TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        reason = f"no Redis server at {url}: {str(exc).splitlines()[0]}"
        if os.environ.get("CLIPPER_REQUIRE_REDIS") == "1":
            pytest.fail(f"CLIPPER_REQUIRE_REDIS=1 but {reason}")
        pytest.skip(reason)
    return url


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, {"SCHEDULER": "scrapy.core.scheduler.Scheduler"}),
        (
            {"CLIPPER_REDIS_URL": "redis://h:6379/2", "CLIPPER_REDIS_RUN": "n1"},
            {
                "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
                "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
                "SCHEDULER_PERSIST": True,
                "SCHEDULER_FLUSH_ON_START": True,
                "SCHEDULER_QUEUE_KEY": "clipper:%(spider)s:n1:requests",
                "REDIS_URL": "redis://h:6379/2",
            },
        ),
        (
            {"CLIPPER_REDIS_URL": "redis://h", "CLIPPER_REDIS_ROLE": "worker"},
            {"SCHEDULER_FLUSH_ON_START": False,
             "SCHEDULER_DUPEFILTER_KEY": "clipper:%(spider)s:default:dupefilter"},
        ),
    ],
)  # fmt: skip
def test_addon_switches_settings_only_when_configured(values, expected):
    settings = Settings(values)
    RedisAddon().update_settings(settings)
    for name, value in expected.items():
        assert settings[name] == value, name
    enabled = "clipper.extensions.distributed.DistributedWorker" in settings.getdict("EXTENSIONS")
    assert enabled == bool(values.get("CLIPPER_REDIS_URL"))


def test_unknown_role_is_refused():
    with pytest.raises(ValueError, match="CLIPPER_REDIS_ROLE"):
        redis_settings("redis://h", role="boss")


def worker(mirror, database_url, redis_url, run, role) -> subprocess.Popen:
    args = [
        "crawl", "smalllibrary",
        "-s", f"CLIPPER_SMALLLIBRARY_BASE_URL={mirror.board_url}",
        "-s", f"ADDONS={ADDON}",
        "-s", f"CLIPPER_REDIS_URL={redis_url}",
        "-s", f"CLIPPER_REDIS_RUN={run}",
        "-s", f"CLIPPER_REDIS_ROLE={role}",
        "-s", "CLIPPER_REDIS_IDLE_CLOSE=5",
        # Paced, so the crawl lasts long enough for both workers to share it.
        "-s", "DOWNLOAD_DELAY=0.05", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "CONCURRENT_REQUESTS=1",
        # One article per transaction: two workers upserting batches that share outlets
        # in different orders can deadlock, and a retried batch then hits the store's
        # outlet-cache bug (test_store_retry_after_rollback_reinserts_the_outlet).
        "-s", "CLIPPER_STORE_BATCH_SIZE=1",
    ]  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "clipper", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
        env=dict(os.environ, CLIPPER_DATABASE_URL=database_url),
    )  # fmt: skip


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_workers_share_one_queue_and_store_each_article_once(mirror, database_url, engine):
    redis_url = redis_url_or_skip()
    run = f"test-{uuid.uuid4().hex[:8]}"
    consumer = worker(mirror, database_url, redis_url, run, "worker")
    time.sleep(0.5)  # the consumer waits on the empty queue before the seed starts
    seed = worker(mirror, database_url, redis_url, run, "seed")
    seed_out = seed.communicate(timeout=180)
    consumer_out = consumer.communicate(timeout=180)
    assert seed.returncode == 0, seed_out[1][-3000:]
    assert consumer.returncode == 0, consumer_out[1][-3000:]
    check = check_board_store(engine)
    assert check.lost == []
    assert check.duplicates == 0
    assert check.half_written == []
    with engine.connect() as conn:
        runs = conn.execute(select(CrawlRun.stats).order_by(CrawlRun.id)).scalars().all()
    assert len(runs) == 2
    # Both processes fetched detail pages (an item each at least) from the shared queue.
    details = [stats.get("item_scraped_count", 0) + stats.get("item_dropped_count", 0)
               for stats in runs]  # fmt: skip
    assert all(d >= 1 for d in details), details
    assert sum(details) == check.expected + 3  # + the placeholder and the two broken pages
    print(f"detail pages per worker: {details}")
    dequeued = [stats.get("scheduler/dequeued/redis", 0) for stats in runs]
    assert all(d >= 1 for d in dequeued), dequeued
    import redis

    server = redis.Redis.from_url(redis_url)
    keys = server.keys(f"clipper:smalllibrary:{run}:*")
    assert keys
    assert all(server.ttl(key) > 0 for key in keys)  # they expire; Redis does not fill up
    server.delete(*keys)
