"""The local-news CMS spider: list pages of both skins (and a redesign), the feed, the stop
rules, and end to end against the mirror into a real database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from pages import file_response
from parsel import Selector
from scrapy.utils.test import get_crawler
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from clipper.mirror.localnews import load_localnews, sites_csv
from clipper.text.dates import KST, parse_day
from clipper.text.relevance import DEFAULT_TERMS, match_terms
from clipper.text.urls import canonical_url
from models import Article, Sighting
from spiders.article import DEFAULT_KEYWORDS
from spiders.localnews import (
    LocalNewsSpider,
    Site,
    load_sites,
    parse_last_page,
    parse_list,
)

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=KST)
SANDEUL = Site("sandeul.example", "http://www.sandeul.example", "산들신문", "경북")
NEOUL = Site("neoul.example", "https://www.neoul.example", "너울일보", "강원")
LIST = "/news/articleList.html?sc_area=A&view_type=sm&sc_word=x&page=1"


def make_spider(tmp_path: Path | None = None, known: set[str] = frozenset(), **kwargs):
    settings = {}
    if tmp_path is not None:
        path = tmp_path / "sites.csv"
        path.write_text(
            "domain,base_url,name,home_region\n"
            "sandeul.example,http://www.sandeul.example/,산들신문,경북\n"
            "neoul.example,https://www.neoul.example,너울일보,강원\n",
            encoding="utf-8",
        )
        settings["CLIPPER_LOCALNEWS_SITES"] = str(path)
    crawler = get_crawler(LocalNewsSpider, settings)
    spider = LocalNewsSpider.from_crawler(crawler, **kwargs)
    crawler.stats.open_spider()
    spider.now = lambda: NOW
    spider.known_urls = lambda urls: set(urls) & set(known)
    return spider


def listing(spider, fixture: str, site: Site = SANDEUL, page: int = 1):
    response = file_response(f"localnews/{fixture}", site.base_url + LIST)
    out = list(spider.parse(response, site=site, keyword="작은도서관", page=page))
    articles = [r for r in out if r.callback == spider.parse_article]
    pages = [r for r in out if r.callback == spider.parse]
    assert len(articles) + len(pages) == len(out)
    return articles, pages


def idxnos(requests) -> list[int]:
    return [int(r.url.split("idxno=")[1].split("&")[0]) for r in requests]


# --- Pure functions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("문화 | 윤들녘 기자 | 2026-10-14 09:12", date(2026, 10, 14)),
        ("2026.09.30 17:40", date(2026, 9, 30)),
        ("2026. 9. 3", date(2026, 9, 3)),
        ("idxno=20261014", None),
        ("2026-13-01", None),
        ("", None),
    ],
)
def test_parse_list_day(text, expected):
    assert parse_day(text) == expected


@pytest.mark.parametrize(
    ("fixture", "expected", "in_container"),
    [
        # The sidebar, the header and the footer link articles too: they are not results.
        (
            "list_old.html",
            [(812, date(2026, 10, 14)), (807, date(2026, 9, 30)), (799, date(2026, 9, 2))],
            True,
        ),
        ("list_new.html", [(4410, date(2026, 11, 2)), (4402, date(2026, 10, 20))], True),
        ("list_empty.html", [], False),
        # The redesign: no known container, so links outside header/aside, dates from <time>.
        ("list_changed.html", [(812, date(2026, 10, 14)), (807, date(2026, 9, 30))], False),
    ],
)
def test_parse_list(fixture, expected, in_container):
    response = file_response(f"localnews/{fixture}", SANDEUL.base_url + LIST)
    entries, found_container = parse_list(Selector(text=response.text), response.url)
    assert [(e.idxno, e.day) for e in entries] == expected
    assert found_container is in_container
    for entry in entries:
        assert entry.url.startswith("http://www.sandeul.example/news/articleView.html?idxno=")


@pytest.mark.parametrize("container", ["section.article-list-content", None])
def test_parse_list_is_linear_in_the_links_of_one_block(container):
    # 8,000 rows in one block (issue 13 item 4): a minute when every link walked the whole
    # block for its row's date; linear now. Each row keeps its date, the bare run none.
    rows = "".join(
        f'<li><a href="/news/articleView.html?idxno={n}">작은도서관 {n}</a>'
        f" <em>2026-10-{n % 28 + 1:02d}</em></li>"
        for n in range(1, 8001)
    )
    bare = "".join(
        f'<a href="/news/articleView.html?idxno={n}">기사</a> ' for n in range(9000, 17000)
    )
    block = f"<ul>{rows}</ul><div>2026-10-01 {bare}</div>"
    if container:
        block = f'<section class="article-list-content">{block}</section>'
    html = f"<html><body>{block}</body></html>"
    started = time.perf_counter()
    entries, in_container = parse_list(Selector(text=html), SANDEUL.base_url + LIST)
    elapsed = time.perf_counter() - started
    assert len(entries) == 16000
    assert in_container is bool(container)
    assert entries[0].day == date(2026, 10, 2)
    assert entries[7999].day == date(2026, 10, 21)
    assert all(e.day is None for e in entries[8000:])
    assert elapsed < 2, f"{elapsed:.1f} s for 16,000 links"


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [("list_old.html", 3), ("list_new.html", None), ("list_empty.html", None)],
)
def test_parse_last_page(fixture, expected):
    html = (Path(__file__).parents[1] / "fixtures" / "localnews" / fixture).read_text()
    assert parse_last_page(Selector(text=html)) == expected


def test_load_sites_reads_rows_and_the_packaged_list(tmp_path):
    spider = make_spider(tmp_path)
    assert spider.sites() == [SANDEUL, NEOUL]  # trailing slash gone
    packaged = load_sites()
    assert len(packaged) >= 10
    assert all(s.base_url.startswith("https://") and s.name and s.home_region for s in packaged)
    assert len({s.domain for s in packaged}) == len(packaged)


def test_search_url_carries_the_window():
    url = SANDEUL.search_url("작은도서관", 2, date(2026, 9, 1), None)
    assert url.startswith("http://www.sandeul.example/news/articleList.html?sc_area=A")
    assert "sc_word=%EC%9E%91%EC%9D%80%EB%8F%84%EC%84%9C%EA%B4%80" in url
    assert "sc_order_by=E" in url
    assert "sc_sdate=2026-09-01&sc_edate=&page=2" in url
    assert "sc_sdate" not in SANDEUL.search_url("x", 1, None, None)


# --- The spider on list pages -----------------------------------------------------------------


def test_list_page_requests_articles_and_the_next_page():
    spider = make_spider()
    articles, pages = listing(spider, "list_old.html")
    assert idxnos(articles) == [812, 807, 799]
    assert articles[0].cb_kwargs["outlet_raw"] == "산들신문"
    assert articles[0].cb_kwargs["extra"]["outlet_home_region"] == "경북"
    assert [p.cb_kwargs["page"] for p in pages] == [2]
    counts = spider.crawler.stats.get_stats()
    assert counts["clipper/listing/pages"] == 1
    assert counts["clipper/listing/entries"] == 3


def test_last_page_by_the_pager_stops():
    spider = make_spider()
    articles, pages = listing(spider, "list_new.html", NEOUL)
    assert idxnos(articles) == [4410, 4402]
    assert pages == []


def test_empty_result_page_stops_and_counts_an_empty_listing():
    spider = make_spider()
    articles, pages = listing(spider, "list_empty.html", NEOUL)
    assert articles == []
    assert pages == []
    counts = spider.crawler.stats.get_stats()
    assert counts["clipper/listing/pages"] == 1
    assert counts["clipper/listing/entries"] == 0
    assert "clipper/localnews/listing/generic" not in counts


def test_changed_list_layout_degrades_to_links_and_says_so():
    spider = make_spider()
    articles, pages = listing(spider, "list_changed.html")
    assert idxnos(articles) == [812, 807]
    assert pages == []  # no pager and fewer rows than a full page
    assert spider.crawler.stats.get_value("clipper/localnews/listing/generic") == 1


@pytest.mark.parametrize(
    ("known", "full", "articles", "next_page"),
    [
        ({812, 807, 799}, "0", [], False),  # an incremental run stops at a stored page
        ({812, 807, 799}, "1", [812, 807, 799], True),  # a full run walks on
        ({812}, "0", [807, 799], True),
    ],
)
def test_incremental_stop(known, full, articles, next_page):
    urls = {f"http://sandeul.example/news/articleView.html?idxno={n}" for n in known}
    spider = make_spider(known=urls, full=full)
    found, pages = listing(spider, "list_old.html")
    assert idxnos(found) == articles
    assert bool(pages) is next_page


def test_no_stop_at_a_stored_page_after_a_failed_run():
    urls = {f"http://sandeul.example/news/articleView.html?idxno={n}" for n in (812, 807, 799)}
    spider = make_spider(known=urls)
    spider.previous_run_ok = False
    found, pages = listing(spider, "list_old.html")
    assert found == []  # stored articles are still skipped …
    assert len(pages) == 1  # … but paging goes on


@pytest.mark.parametrize(
    ("kwargs", "articles", "next_page"),
    [
        ({"since": "2026-09-15"}, [812, 807], True),
        ({"since": "2026-10-20"}, [], False),  # the whole page is older
        ({"until": "2026-10-01"}, [807, 799], True),
        ({"max_pages": "1"}, [812, 807, 799], False),
    ],
)
def test_window_and_max_pages(kwargs, articles, next_page):
    spider = make_spider(**kwargs)
    found, pages = listing(spider, "list_old.html")
    assert idxnos(found) == articles
    assert bool(pages) is next_page


def test_a_repeated_page_stops_paging():
    spider = make_spider()
    listing(spider, "list_old.html", page=1)
    found, pages = listing(spider, "list_old.html", page=2)  # a site past its last page
    assert found == []
    assert pages == []


# --- Feed and start requests ------------------------------------------------------------------


def test_feed_keeps_entries_that_name_the_topic():
    spider = make_spider(since="2026-09-01")
    response = file_response("localnews/feed.xml", SANDEUL.feed_url)
    requests = list(spider.parse_feed(response, site=SANDEUL))
    # 790 is off topic, 780 (마을도서관) is older than since.
    assert idxnos(requests) == [812]
    assert requests[0].cb_kwargs["published_raw"] == "2026-10-14 09:12:00"
    counts = spider.crawler.stats.get_stats()
    assert counts["clipper/localnews/feed/matched"] == 1
    assert counts["clipper/localnews/feed/unmatched"] == 1
    assert counts["clipper/localnews/feed/outside_window"] == 1


def test_search_and_feed_fetch_an_article_once():
    spider = make_spider()
    found, _ = listing(spider, "list_old.html")
    response = file_response("localnews/feed.xml", SANDEUL.feed_url)
    again = list(spider.parse_feed(response, site=SANDEUL))
    assert 812 in idxnos(found)
    assert 812 not in idxnos(again)
    assert spider.crawler.stats.get_value("clipper/localnews/article/skipped_duplicate") == 1


async def collect(agen) -> list:
    return [request async for request in agen]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, 2 * (2 + 1)),  # per site: two keywords and the feed
        ({"mode": "feed"}, 2),
        ({"mode": "search", "site": "www.neoul.example"}, 2),
        ({"mode": "both", "site": "sandeul.example"}, 3),
    ],
)
def test_start_requests_by_mode_and_site(tmp_path, kwargs, expected):
    import asyncio

    spider = make_spider(tmp_path, **kwargs)
    requests = asyncio.run(collect(spider.start()))
    assert len(requests) == expected
    if "site" in kwargs:
        assert all(kwargs["site"].removeprefix("www.") in r.url for r in requests)


def test_bad_arguments_are_errors(tmp_path):
    with pytest.raises(ValueError, match="mode"):
        make_spider(tmp_path, mode="everything")
    with pytest.raises(ValueError, match=r"nowhere\.example"):
        make_spider(tmp_path, site="nowhere.example")
    missing = get_crawler(LocalNewsSpider, {"CLIPPER_LOCALNEWS_SITES": str(tmp_path / "no.csv")})
    with pytest.raises(FileNotFoundError):
        LocalNewsSpider.from_crawler(missing)


# --- End to end -------------------------------------------------------------------------------


def crawl(spider: str, setting: str, csv_text: str, mirror, tmp_path: Path, db: str, *args):
    path = tmp_path / f"{spider}.csv"
    path.write_text(csv_text, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable, "-m", "clipper", "crawl", spider,
            "-s", f"{setting}={path}",
            "-s", f"CLIPPER_ALLOWED_PRIVATE_HOSTS={mirror.url.split('://')[1]}",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", "LOG_LEVEL=INFO", *args,
        ],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env=dict(os.environ, CLIPPER_DATABASE_URL=db),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result.stderr


def stored(db: str) -> tuple[dict[str, Article], list[Sighting]]:
    engine = create_engine(db)
    with Session(engine) as session:
        articles = {a.url: a for a in session.scalars(select(Article))}
        sightings = list(session.scalars(select(Sighting)))
    engine.dispose()
    return articles, sightings


def mirror_url(mirror, article) -> str:
    return f"{mirror.url}/localnews/{article.site}/news/articleView.html?idxno={article.idxno}"


def identity(article) -> str:
    """What the mirror's pages declare: the article on its site's own domain (www dropped)."""
    return f"https://{article.site}.example/news/articleView.html?idxno={article.idxno}"


def test_crawl_mirror_into_the_database(mirror, tmp_path):
    db = f"sqlite:///{tmp_path / 'clipper.sqlite'}"
    log = crawl("localnews", "CLIPPER_LOCALNEWS_SITES", sites_csv(mirror.url), mirror, tmp_path, db)
    news = load_localnews()
    on_topic = {identity(a): a for a in news.articles if match_terms(a.text, DEFAULT_TERMS)}
    assert 8 <= len(on_topic) < len(news.articles)  # the mirror holds off-topic stories too
    articles, sightings = stored(db)
    assert set(articles) == set(on_topic)
    for url, article in articles.items():
        expected = on_topic[url]
        assert article.title == expected.title
        assert article.body.split("\n\n")[0] == expected.paragraphs[0]
        assert article.published == expected.published
        assert article.outlet_raw == news.sites[expected.site].name
        assert article.region is not None
    euc_kr = next(a for a in on_topic.values() if a.encoding == "euc-kr")
    assert articles[identity(euc_kr)].title == euc_kr.title
    # The article's own page is its one sighting, whether search or feed led to it; the
    # article is named by the URL its page declares, whatever port the mirror had.
    by_id = {a.id: url for url, a in articles.items()}
    assert len(sightings) == len(articles)
    for sighting in sightings:
        expected = on_topic[by_id[sighting.article_id]]
        assert sighting.source_url == mirror_url(mirror, expected)
    assert "'clipper/localnews/article/skipped_duplicate'" in log
    assert "'clipper/extract/body/site'" in log
    assert f"'clipper/localnews/article/url_declared': {len(on_topic)}" in log

    # Again, incrementally: the first search page is all stored, nothing is fetched.
    log = crawl("localnews", "CLIPPER_LOCALNEWS_SITES", sites_csv(mirror.url), mirror, tmp_path, db)
    assert "'clipper/localnews/article/skipped_known'" in log
    assert "'item_scraped_count'" not in log
    assert "is stored: stopping" in log
    assert set(stored(db)[0]) == set(on_topic)


def test_crawl_changed_layout_still_stores_and_shows_degradation(mirror, tmp_path):
    db = f"sqlite:///{tmp_path / 'clipper.sqlite'}"
    only_hanbit = ("-a", "mode=search", "-a", "site=hanbit.example")
    csv_text = sites_csv(mirror.url)
    crawl("localnews", "CLIPPER_LOCALNEWS_SITES", csv_text, mirror, tmp_path, db, *only_hanbit)
    before, _ = stored(db)
    # The same site after a redesign, served on another path: no CMS selector matches.
    changed = csv_text.replace("/localnews/", "/localnews-changed/")
    log = crawl("localnews", "CLIPPER_LOCALNEWS_SITES", changed, mirror, tmp_path, db, *only_hanbit)
    articles, sightings = stored(db)
    hanbit = [
        a for a in load_localnews().site_articles("hanbit") if match_terms(a.text, DEFAULT_KEYWORDS)
    ]
    assert set(before) == {identity(a) for a in hanbit}
    assert "'clipper/localnews/listing/generic'" in log
    assert "'clipper/extract/title/site'" not in log
    assert "'clipper/extract/title/meta'" in log
    # The redesign still declares og:url: one article each, now seen on two pages.
    assert set(articles) == set(before)
    assert {a.title for a in articles.values()} == {a.title for a in hanbit}
    pages: dict[int, list[str]] = {}
    for sighting in sightings:
        pages.setdefault(sighting.article_id, []).append(sighting.source_url)
    for article in articles.values():
        (old,) = [url for url in pages[article.id] if "/localnews/hanbit/" in url]
        assert sorted(pages[article.id]) == sorted(
            [old, old.replace("/localnews/", "/localnews-changed/")]
        )


def test_canonical_urls_of_the_mirror_are_its_urls(mirror):
    # The mirror serves 127.0.0.1 without www: its links are already canonical.
    article = load_localnews().articles[0]
    assert canonical_url(mirror_url(mirror, article)) == mirror_url(mirror, article)


def test_shared_stories_name_pages_the_mirror_serves(mirror):
    import json
    import urllib.request

    from clipper.mirror.localnews import DATA_DIR

    stories = json.loads((DATA_DIR / "stories.json").read_text(encoding="utf-8"))["stories"]
    assert stories
    for story in stories:
        for place in [story["original"], *story["copies"]]:
            with urllib.request.urlopen(mirror.url + place["path"]) as response:
                html = response.read().decode("utf-8")
            assert story["title"] in html
            assert f'content="{place["url"]}"' in html  # og:url: the identity it declares
