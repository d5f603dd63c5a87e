"""The store stage on a real database (SQLite and PostgreSQL): idempotent upserts,
sightings, outlets, aware times, batching, and failures that lose nothing silently."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta, timezone

import pytest
from scrapy.utils.test import get_crawler
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clipper.items import ArticleItem
from clipper.store.articles import ArticleStore
from models import Article, Outlet, Sighting
from pipelines.store import StorePipeline

KST = timezone(timedelta(hours=9))
FETCHED = datetime(2025, 3, 2, 9, 0, tzinfo=KST)


def make_item(n: int, **changes) -> dict:
    item = ArticleItem(
        url=f"https://news.example.kr/article/{n}",
        source_url=f"https://board.example.kr/helper/news/{n}",
        spider="test",
        fetched_at=FETCHED,
        title=f"작은도서관 소식 {n}",
        body=f"마을 작은도서관이 문을 열었다. 기사 {n}.",
        published=datetime(2025, 3, 1, 10, 30, tzinfo=KST),
        published_raw="2025.03.01",
        outlet="경기일보",
        outlet_raw="경기 일보",
        region="경기",
    )
    return {**asdict(item), **changes}


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        pytest.param({}, (0, 0, 1), id="same-text-unchanged"),
        pytest.param({"body": "본문이 바뀌었다."}, (0, 1, 0), id="changed-body-updated"),
        pytest.param({"title": "제목 수정"}, (0, 1, 0), id="changed-title-updated"),
        pytest.param(
            {"body": "마을  작은도서관이 문을 열었다.   기사 1."},
            (0, 0, 1),
            id="whitespace-only-unchanged",
        ),
    ],
)
def test_restore_updates_never_duplicates(engine, second, expected):
    store = ArticleStore(engine)
    assert store.write([make_item(1)]) == (1, 0, 0)
    assert store.write([make_item(1, **second)]) == expected
    assert count(engine, Article) == 1
    assert count(engine, Sighting) == 1
    with Session(engine) as session:
        article = session.scalars(select(Article)).one()
    assert article.title == make_item(1, **second)["title"]
    assert article.first_seen <= article.last_seen


def test_published_round_trips_as_aware_instant(engine):
    ArticleStore(engine).write([make_item(1)])
    with engine.connect() as conn:
        published = conn.execute(select(Article.published)).scalar_one()
    assert published.tzinfo is not None
    assert published == datetime(2025, 3, 1, 1, 30, tzinfo=UTC)


def test_naive_datetime_is_refused(engine):
    with pytest.raises(Exception, match="naive datetime"):
        ArticleStore(engine).write([make_item(1, published=datetime(2025, 3, 1))])
    assert count(engine, Article) == 0


def test_one_story_posted_twice_is_one_article_with_two_sightings(engine):
    store = ArticleStore(engine)
    first = make_item(1)
    repost = make_item(1, source_url="https://board.example.kr/helper/news/99")
    assert store.write([first, repost]) == (1, 0, 0)
    assert count(engine, Article) == 1
    assert count(engine, Sighting) == 2
    assert store.known_source_urls([first["source_url"], repost["source_url"], "x"]) == {
        first["source_url"],
        repost["source_url"],
    }


def test_outlets_are_created_once_by_name(engine):
    store = ArticleStore(engine)
    store.write([make_item(1), make_item(2)])
    store.write([make_item(3, outlet="충청뉴스"), make_item(4, outlet="")])
    with engine.connect() as conn:
        names = conn.execute(select(Outlet.name).order_by(Outlet.name)).scalars().all()
        no_outlet = conn.execute(
            select(func.count()).select_from(Article).where(Article.outlet_id.is_(None))
        ).scalar_one()
    assert names == ["경기일보", "충청뉴스"]
    assert no_outlet == 1


def test_pipeline_batches_and_flushes_on_close(database_url):
    crawler = get_crawler(
        settings_dict={
            "CLIPPER_DATABASE_URL": database_url,
            "CLIPPER_STORE_BATCH_SIZE": 3,
        }
    )
    pipeline = StorePipeline.from_crawler(crawler)
    crawler.stats.open_spider()
    pipeline.open_spider()
    for n in range(7):
        pipeline.process_item(ArticleItem(**dict(make_item(n).items())))
    # Two full batches written, one item still buffered.
    assert count(pipeline.store.engine, Article) == 6
    pipeline.close_spider()
    assert count(pipeline.store.engine, Article) == 7
    assert crawler.stats.get_value("clipper/store/articles/new") == 7


def test_a_dry_run_stores_nothing_but_lends_the_stored_pages(engine, database_url):
    from scrapy import Spider

    ArticleStore(engine).write([make_item(1)])
    spider = Spider(name="t")
    spider.known_urls = lambda urls: set()
    crawler = get_crawler(
        settings_dict={"CLIPPER_DRY_RUN": True, "CLIPPER_DATABASE_URL": database_url}
    )
    crawler.spider = spider
    stage = StorePipeline.from_crawler(crawler)
    stage.open_spider()
    stage.process_item(ArticleItem(**make_item(2)))
    stage.close_spider()
    assert count(engine, Article) == 1
    # The incremental stop of the real run: the spider knows what the database has.
    known = make_item(1)["source_url"]
    assert spider.known_urls([known, make_item(2)["source_url"]]) == {known}


def test_a_row_the_database_refuses_costs_only_itself(database_url, monkeypatch, caplog):
    from scrapy import signals

    import pipelines.store as store_module

    crawler = get_crawler(
        settings_dict={
            "CLIPPER_DATABASE_URL": database_url,
            "CLIPPER_STORE_BATCH_SIZE": 10,
        }
    )
    pipeline = StorePipeline.from_crawler(crawler)
    crawler.stats.open_spider()
    pipeline.open_spider()
    closed = []
    monkeypatch.setattr(store_module, "close_crawl", lambda c, reason: closed.append(reason))
    dropped = []
    crawler.signals.connect(
        lambda item, exception, **kw: dropped.append((item["url"], type(exception).__name__)),
        signal=signals.item_dropped,
        weak=False,
    )
    # A sighting without a source page violates NOT NULL after the article row was written:
    # its own transaction must roll its article back, the good ones around it stay.
    bad = ArticleItem(**make_item(2, source_url=None))
    for item in (ArticleItem(**make_item(1)), bad, ArticleItem(**make_item(3))):
        pipeline.process_item(item)
    pipeline.close_spider()
    with pipeline.store.engine.connect() as conn:
        assert set(conn.execute(select(Article.url)).scalars()) == {
            make_item(1)["url"],
            make_item(3)["url"],
        }
    assert dropped == [(make_item(2)["url"], "StoreRejected")]
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 1
    assert "\n" not in refused[0]
    assert "INSERT" not in caplog.text
    assert crawler.stats.get_value("clipper/store/articles/not_stored") == 1
    assert crawler.stats.get_value("clipper/store/articles/new") == 2
    assert closed == []


def test_a_database_failure_is_retried_then_fails_the_run(database_url, monkeypatch):
    from sqlalchemy.exc import OperationalError

    import pipelines.store as store_module

    crawler = get_crawler(settings_dict={"CLIPPER_DATABASE_URL": database_url})
    pipeline = StorePipeline.from_crawler(crawler)
    crawler.stats.open_spider()
    pipeline.open_spider()
    monkeypatch.setattr(store_module.time, "sleep", lambda s: None)
    closed = []
    monkeypatch.setattr(store_module, "close_crawl", lambda c, reason: closed.append(reason))

    def down(batch):
        raise OperationalError("INSERT …", {}, Exception("server closed the connection"))

    monkeypatch.setattr(pipeline.store, "write", down)
    pipeline.process_item(ArticleItem(**make_item(1)))
    pipeline.process_item(ArticleItem(**make_item(2)))
    pipeline.close_spider()
    assert crawler.stats.get_value("clipper/store/articles/not_stored") == 2
    assert crawler.stats.get_value("clipper/store/retries") == store_module.WRITE_ATTEMPTS - 1
    assert crawler.stats.get_value("clipper/store/error") == (
        "(builtins.Exception) server closed the connection"
    )
    assert closed == ["database_error"]


def test_a_database_refusing_every_row_fails_the_run(database_url, monkeypatch):
    # A wrong schema refuses every row alike: that is the database, not the articles, and the
    # run must say it failed (the rows are drops retried next run, never a quiet "ok").
    from sqlalchemy.exc import ProgrammingError

    import pipelines.store as store_module

    crawler = get_crawler(settings_dict={"CLIPPER_DATABASE_URL": database_url})
    pipeline = StorePipeline.from_crawler(crawler)
    crawler.stats.open_spider()
    pipeline.open_spider()
    closed = []
    monkeypatch.setattr(store_module, "close_crawl", lambda c, reason: closed.append(reason))

    def refuse(batch):
        raise ProgrammingError("INSERT …", {}, Exception('column "story_id" does not exist'))

    monkeypatch.setattr(pipeline.store, "write", refuse)
    for n in (1, 2, 3):
        pipeline.process_item(ArticleItem(**make_item(n)))
    pipeline.close_spider()
    assert crawler.stats.get_value("clipper/store/articles/not_stored") == 3
    assert "story_id" in crawler.stats.get_value("clipper/store/error")
    assert closed == ["database_error"]


@pytest.mark.parametrize(
    ("changes", "attached"),
    [
        pytest.param({}, True, id="same-outlet-title-day"),
        pytest.param({"title": "작은도서관  소식 1!"}, True, id="spacing-punctuation"),
        pytest.param({"outlet": "충청뉴스"}, False, id="other-outlet"),
        pytest.param({"title": "다른 기사"}, False, id="other-title"),
        pytest.param({"published": datetime(2025, 3, 9, tzinfo=KST)}, False, id="days-apart"),
        pytest.param({"published": None}, False, id="no-time"),
    ],
)
def test_sighting_only_item_attaches_to_its_stored_article(database_url, changes, attached):
    from pipelines.errors import UnmatchedSighting

    crawler = get_crawler(settings_dict={"CLIPPER_DATABASE_URL": database_url})
    pipeline = StorePipeline.from_crawler(crawler)
    crawler.stats.open_spider()
    pipeline.open_spider()
    pipeline.process_item(ArticleItem(**make_item(1)))  # still in the open batch
    google = "https://news.google.com/rss/articles/CBMiAbc"
    sighting = make_item(
        1, url=google, source_url=google, body="", extra={"sighting_only": True}, **changes
    )
    if attached:
        pipeline.process_item(ArticleItem(**sighting))
    else:
        with pytest.raises(UnmatchedSighting):
            pipeline.process_item(ArticleItem(**sighting))
    pipeline.close_spider()
    engine = pipeline.store.engine
    assert count(engine, Article) == 1  # never an article of its own
    with engine.connect() as conn:
        sources = set(conn.execute(select(Sighting.source_url)).scalars())
    assert (google in sources) is attached
    outcome = "attached" if attached else "unmatched"
    assert crawler.stats.get_value(f"clipper/store/sightings/{outcome}") == 1
