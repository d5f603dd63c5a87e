"""The run log writes each run's ``crawl_runs`` row through a reconnecting retry: a row that
could not be opened (the database locked or unreachable when the run began) is written
whole when the run ends, as a failed run (``database``), and the run walks every listing
page, since it could not read the runs before it."""

from __future__ import annotations

import sqlite3

from scrapy import Spider
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from clipper.extensions import runlog
from clipper.store import engine as engine_module
from clipper.store.engine import get_engine
from models import CrawlRun


class BoardSpider(Spider):
    name = "board"
    incremental = True
    previous_run_ok = True


def test_a_row_that_could_not_be_opened_is_written_whole_at_the_end(tmp_path, monkeypatch):
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(runlog, "RECORD_ATTEMPTS", 2)
    monkeypatch.setattr(runlog, "RECORD_BACKOFF", 0.01)
    path = tmp_path / "clipper.sqlite"
    url = f"sqlite:///{path}"
    engine = get_engine(url)  # migrated before the lock
    crawler = get_crawler(BoardSpider, settings_dict={"CLIPPER_DATABASE_URL": url})
    crawler.stats.open_spider()
    extension = runlog.RunLogExtension.from_crawler(crawler)
    spider = BoardSpider()
    writer = sqlite3.connect(path, timeout=5)
    writer.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        extension.spider_opened(spider)
    finally:
        writer.rollback()
        writer.close()
    assert extension.run_id is None
    assert spider.previous_run_ok is False
    crawler.stats.set_value("response_received_count", 7)
    extension.spider_closed(spider, "finished")
    with engine.connect() as conn:
        (run,) = conn.execute(select(CrawlRun)).all()
    assert (run.spider, run.status, run.failure_class) == ("board", "failed", "database")
    assert run.finished_at >= run.started_at
    assert run.pages_fetched == 7
    assert crawler.stats.get_value("clipper/health/failure_class") == "database"
