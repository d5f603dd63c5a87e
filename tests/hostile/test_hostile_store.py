"""Hostile text at the store (issue 13, item 1), on SQLite and PostgreSQL: a lone
surrogate, a NUL byte, values longer than their columns, in one batch with good items.
Every item is stored (made storable, and counted), none twice, nothing of the SQL in the log,
and the crawl is not stopped."""

from __future__ import annotations

import logging

import pytest
from scrapy.utils.test import get_crawler
from sqlalchemy import func, select

import pipelines.store as store_module
from clipper.items import ArticleItem
from models import Article, Outlet, Sighting
from pipelines.store import StorePipeline
from tests.pipelines.test_store import make_item

pytestmark = pytest.mark.hostile

LONG_URL = "https://news.example.kr/article/long?q=" + "가" * 2100

HOSTILE = {
    "surrogate-title": ({"title": "작은도서관 \ud800개관"}, "title"),
    "nul-body": ({"body": "마을 작은도서관\x00이 문을 열었다."}, "body"),
    "long-outlet": ({"outlet": "경기일보" * 60}, "outlet"),
    "long-date": ({"published_raw": "2025.03.01 " * 30}, "published_raw"),
    "long-url": ({"url": LONG_URL}, "url"),
}


def test_hostile_text_in_a_batch_loses_nothing(database_url, monkeypatch, caplog):
    crawler = get_crawler(
        settings_dict={
            "CLIPPER_DATABASE_URL": database_url,
            "CLIPPER_STORE_BATCH_SIZE": 50,
        }
    )
    pipeline = StorePipeline.from_crawler(crawler)
    crawler.stats.open_spider()
    pipeline.open_spider()
    closed = []
    monkeypatch.setattr(store_module, "close_crawl", lambda c, reason: closed.append(reason))
    items = [make_item(n) for n in range(3)]
    items += [make_item(10 + n, **changes) for n, (changes, _) in enumerate(HOSTILE.values())]
    with caplog.at_level(logging.DEBUG):
        for item in items:
            pipeline.process_item(ArticleItem(**item))
        pipeline.close_spider()

    engine = pipeline.store.engine
    with engine.connect() as conn:
        stored = dict(conn.execute(select(Article.url, Article.title)).all())
        bodies = conn.execute(select(Article.body)).scalars().all()
        raws = conn.execute(select(Article.published_raw)).scalars().all()
        outlets = conn.execute(select(Outlet.name)).scalars().all()
        sightings = conn.execute(select(func.count()).select_from(Sighting)).scalar_one()
    # Everything stored, once each.
    assert len(stored) == len(items) == sightings
    assert LONG_URL[:2000] in stored
    assert "작은도서관 개관" in stored.values()
    assert "마을 작은도서관이 문을 열었다." in bodies
    assert max(len(r) for r in raws) == 200
    assert max(len(o) for o in outlets) == 200
    for _, field in HOSTILE.values():
        assert crawler.stats.get_value(f"clipper/store/sanitized/{field}") == 1
    assert crawler.stats.get_value("clipper/store/articles/new") == len(items)
    assert crawler.stats.get_value("clipper/store/articles/not_stored") is None
    assert closed == []
    assert "INSERT" not in caplog.text
    assert "Traceback" not in caplog.text
