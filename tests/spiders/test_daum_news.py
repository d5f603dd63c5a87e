"""The Daum news spider on hand-written pages (results list, a redesign, no results, a copy
with and without its 원문 link), and end to end against the mirror."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from pages import file_response
from scrapy.utils.test import get_crawler
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from clipper import settings as project_settings
from clipper.mirror.portal_entries import load_entries
from clipper.text.dates import KST
from clipper.text.urls import canonical_url
from models import Article, Sighting
from spiders.daum_news import DaumNewsSpider, id_time, search_hits

REPO = Path(__file__).resolve().parents[2]
REAL_PAGES = REPO.parent / "shared" / "realpages"
NOW = datetime(2026, 3, 20, 11, 0, tzinfo=KST)
SEARCH_URL = "https://search.daum.net/search?w=news&q=x&sort=recency&p=1"
COPY = "https://v.daum.net/v/20260319103436985"
SETTINGS = {
    name: getattr(project_settings, name)
    for name in ("CLIPPER_DAUM_SEARCH_URL", "CLIPPER_PORTAL_MIRROR_URL")
}


def make_spider(known=(), **kwargs) -> DaumNewsSpider:
    spider = DaumNewsSpider.from_crawler(get_crawler(DaumNewsSpider, SETTINGS), **kwargs)
    spider.now = lambda: NOW
    spider.known_urls = lambda urls: set(urls) & set(known)
    return spider


def stats(spider) -> dict:
    return spider.crawler.stats.get_stats()


def search(spider, name="search.html"):
    response = file_response(f"daum_news/{name}", SEARCH_URL)
    requests = list(spider.parse(response, keyword="작은도서관", page=1))
    return (
        [r for r in requests if r.callback == spider.parse_article],
        [r for r in requests if r.callback == spider.parse],
    )


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("http://v.daum.net/v/20260319103436985", "20260319103436"),
        ("https://v.daum.net/v/20260319103436985?f=o", "20260319103436"),
        ("https://m.v.daum.net/v/20260319103436985", "20260319103436"),
        ("https://v.daum.net/v/1234567890", ""),  # an old short id: no time in it
        ("https://v.daum.net/channel/90/home", ""),
        ("https://example.com/v/20260319103436985", ""),
        ("", ""),
    ],
)
def test_id_time(link, expected):
    assert id_time(link) == expected


def test_search_hits():
    hits, fallback = search_hits(file_response("daum_news/search.html", SEARCH_URL).text, NOW)
    assert not fallback
    assert [(h.link, h.title, h.outlet_raw, h.published_raw) for h in hits] == [
        # "탐사뉴스" shares the date's class and is skipped.
        (
            "http://v.daum.net/v/20260319103436985",
            "동네 작은도서관, 그림책 원화 전시",
            "한누리일보",
            "2026.03.19",
        ),
        (
            "http://v.daum.net/v/20260320102815097",
            "작은도서관 운영비 지원 늘린다",
            "새길신문",
            "24분전",
        ),
        # No printed date: the id's time. The related item inside is not a hit of its own.
        (
            "http://v.daum.net/v/20260318164225635",
            "섬 작은도서관 배로 책 나른다",
            "바다신문",
            "20260318164225",
        ),
    ]


def test_changed_layout_falls_back_to_the_article_links():
    hits, fallback = search_hits(
        file_response("daum_news/search_changed.html", SEARCH_URL).text, NOW
    )
    assert fallback
    assert [(h.link, h.title, h.outlet_raw, h.published_raw) for h in hits] == [
        ("http://v.daum.net/v/20260319103436985", "동네 작은도서관, 그림책 원화 전시", "", "20260319103436"),
        ("http://v.daum.net/v/20260320102815097", "작은도서관 운영비 지원 늘린다", "", "20260320102815"),
    ]  # fmt: skip


def test_search_hits_on_the_real_2026_page():
    path = REAL_PAGES / "27-daum-news-search-2026.html"
    if not path.exists():
        pytest.skip("shared real pages not available")
    hits, fallback = search_hits(path.read_text(encoding="utf-8"), NOW)
    assert not fallback
    assert len(hits) == 10
    assert all(h.title and h.outlet_raw and h.published_raw for h in hits)
    assert all("<" not in h.title and "  " not in h.title for h in hits)


@pytest.mark.parametrize(
    ("name", "articles", "fallback", "no_outlet"),
    [("search.html", 3, 0, 0), ("search_changed.html", 2, 1, 2), ("search_empty.html", 0, 0, 0)],
)
def test_listing_is_counted(name, articles, fallback, no_outlet):
    spider = make_spider()
    requests, pages = search(spider, name)
    found = stats(spider)
    assert len(requests) == articles
    assert found["clipper/listing/pages"] == 1
    assert found.get("clipper/listing/entries", 0) == articles
    assert found.get("clipper/daum_news/listing/fallback", 0) == fallback
    assert found.get("clipper/daum_news/hit/no_outlet", 0) == no_outlet
    assert bool(pages) == bool(articles)


def test_requests_carry_identity_hints_and_paging():
    spider = make_spider(since="2026-03-19")
    requests, pages = search(spider)
    # 2026-03-18 is older than since.
    assert [r.cb_kwargs["source_url"] for r in requests] == [
        "https://v.daum.net/v/20260319103436985",
        "https://v.daum.net/v/20260320102815097",
    ]
    second = requests[1].cb_kwargs
    assert second["published"] == datetime(2026, 3, 20, 10, 36, tzinfo=KST)  # 24분전
    assert second["outlet_raw"] == "새길신문"
    assert [p.cb_kwargs["page"] for p in pages] == [2]
    assert "sort=recency" in pages[0].url
    assert "p=2" in pages[0].url


@pytest.mark.parametrize(
    ("name", "url", "stat"),
    [
        ("article.html", "https://hannuri.example/news/articleView.html?idxno=7788", "from_page"),
        ("article_no_origin.html", COPY, "missing"),
    ],
)
def test_article_url_is_the_original_from_the_won_mun_link(name, url, stat):
    spider = make_spider()
    response = file_response(f"daum_news/{name}", "http://v.daum.net/v/20260319103436985")
    (item,) = spider.parse_article(response, source_url=COPY, outlet_raw="한누리일보")
    assert item.url == url
    assert item.source_url == COPY
    assert item.title == "동네 작은도서관, 그림책 원화 전시"
    assert item.published == datetime(2026, 3, 19, 10, 34, tzinfo=KST)
    assert item.body.split("\n\n") == [
        "동네 작은도서관에서 그림책 작가 두 명의 원화 서른 점을 선보이는 전시가 열린다.",
        "전시는 이달 말까지 이어지며 작가와의 만남도 한 차례 마련된다.",
    ]
    assert stats(spider)[f"clipper/daum_news/original/{stat}"] == 1


def test_crawl_mirror_end_to_end(mirror, tmp_path):
    db = f"sqlite:///{tmp_path / 'clipper.sqlite'}"
    result = subprocess.run(
        [
            sys.executable, "-m", "clipper", "crawl", "daum_news",
            "-s", f"CLIPPER_PORTAL_MIRROR_URL={mirror.url}/portals",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO",
        ],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env=dict(os.environ, CLIPPER_DATABASE_URL=db),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    expected = {
        f"https://v.daum.net/v/{e.daum}": canonical_url(e.original)
        or f"https://v.daum.net/v/{e.daum}"
        for e in load_entries()
        if e.daum and e.matches("작은도서관")
    }
    assert len(expected) >= 3
    engine = create_engine(db)
    with Session(engine) as session:
        sightings = {s.source_url: s.article.url for s in session.scalars(select(Sighting))}
        outlets = {a.url: a.outlet_raw for a in session.scalars(select(Article))}
    engine.dispose()
    assert sightings == expected
    by_source = {e.daum: e for e in load_entries() if e.daum}
    for source, url in sightings.items():
        assert outlets[url] == by_source[source.rsplit("/", 1)[1]].outlet
