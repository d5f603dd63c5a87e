"""clipper.extensions.dropped: pages whose item was dropped for a lasting reason are remembered, in
batches, and all of them once the spider closes."""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy import signals
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from clipper.extensions import dropped
from clipper.items import ArticleItem
from clipper.store.engine import get_engine
from models import DroppedPage
from pipelines.errors import MissingTitle, OffTopic, UnmatchedSighting


class Spider:
    name = "test"


def drop(log, url: str, exception: Exception) -> None:
    item = ArticleItem(url=url, source_url=url, spider="test", fetched_at=datetime.now(UTC))
    log.item_dropped(item, None, exception, Spider())


def stored(database_url: str) -> dict[str, str]:
    with get_engine(database_url).connect() as conn:
        return dict(conn.execute(select(DroppedPage.source_url, DroppedPage.reason)).all())


def test_dropped_pages_are_written_per_batch_and_when_the_spider_closes(database_url, monkeypatch):
    monkeypatch.setattr(dropped, "BATCH", 3)
    crawler = get_crawler(settings_dict={"CLIPPER_DATABASE_URL": database_url})
    log = dropped.DroppedPageLog.from_crawler(crawler)
    drop(log, "https://a.example/1", MissingTitle("x"))
    drop(log, "https://a.example/1", OffTopic("x"))  # dropped again: the last reason counts
    drop(log, "https://a.example/2", UnmatchedSighting("x"))  # not lasting: not remembered
    drop(log, "https://a.example/2", OffTopic("x"))
    assert stored(database_url) == {}
    drop(log, "https://a.example/3", OffTopic("x"))  # the third page: a batch
    assert stored(database_url) == {f"https://a.example/{n}": "OffTopic" for n in (1, 2, 3)}
    drop(log, "https://a.example/4", MissingTitle("x"))
    crawler.signals.send_catch_log(signals.spider_closed, spider=Spider(), reason="finished")
    assert stored(database_url)["https://a.example/4"] == "MissingTitle"
