"""The small-library board spider, on hand-written pages modelled on the board's structure,
and end to end against the local mirror."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import lxml.html
import pytest
from pages import FIXTURES, file_response
from scrapy.utils.test import get_crawler

from clipper.items import ArticleItem
from clipper.mirror.board import load_board
from clipper.text.dates import KST, parse_day
from clipper.text.urls import canonical_url
from pipelines.errors import MissingBody, MissingTitle
from pipelines.validate import ValidatePipeline
from spiders.smalllibrary import (
    SmallLibrarySpider,
    block_paragraphs,
    board_id,
)

REPO = Path(__file__).resolve().parents[2]
BASE = "https://www.smalllibrary.org"
NOW = datetime(2019, 5, 21, 9, 30, tzinfo=KST)
PAGE2_IDS = [9120, 9118, 9111, 9107, 9101, 9098, 9096, 9093, 9090, 9087]


def make_spider(base: str = BASE, known: set[int] = frozenset(), **kwargs) -> SmallLibrarySpider:
    crawler = get_crawler(SmallLibrarySpider, {"CLIPPER_SMALLLIBRARY_BASE_URL": base})
    spider = SmallLibrarySpider.from_crawler(crawler, **kwargs)
    spider.now = lambda: NOW
    known_urls = {f"{base.rstrip('/')}/helper/news/{post_id}" for post_id in known}
    spider.known_urls = lambda urls: set(urls) & known_urls
    return spider


def list_page(spider: SmallLibrarySpider, name: str = "list_page2.html", page: int = 2, edit=None):
    response = file_response(
        f"smalllibrary/{name}", f"{spider.base_url}/helper/news?currentPage={page}"
    )
    if edit is not None:
        response = response.replace(body=edit(response.text).encode("utf-8"))
    requests = list(spider.parse(response, page=page))
    details = [r for r in requests if r.callback == spider.parse_detail]
    pages = [r for r in requests if r.callback == spider.parse]
    assert len(details) + len(pages) == len(requests)
    return details, pages


def detail(spider: SmallLibrarySpider, name: str, post_id: int) -> list:
    source_url = f"{spider.base_url}/helper/news/{post_id}"
    response = file_response(f"smalllibrary/{name}", f"{source_url}?currentPage=2")
    return list(spider.parse_detail(response, post_id=post_id, source_url=source_url))


# --- Pure functions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015.10.05", date(2015, 10, 5)),
        ("보도일 :2015.10.05", date(2015, 10, 5)),
        ("보도일 : 2015. 1. 5", date(2015, 1, 5)),
        ("2015-10-05", date(2015, 10, 5)),
        ("2017.05.1ㅈ", None),  # a typing slip on a Korean keyboard
        ("2015.13.40", None),
        ("20151005", None),
        ("1", None),
        ("", None),
    ],
)
def test_parse_board_day(text, expected):
    assert parse_day(text) == expected


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("/helper/news/7412?currentPage=3&searchType=&searchValue=", 7412),
        ("/helper/news/7412?searchValue=&searchType=&currentPage=3", 7412),
        ("http://smalllibrary.org/helper/news/15", 15),
        ("https://www.smalllibrary.org/helper/news/15/", 15),
        ("/helper/news/15#comment", 15),
        ("/helper/news?currentPage=3", None),
        ("/helper/news/abc", None),
        ("/helper/newsletter/15", None),
        ("", None),
    ],
)
def test_board_id(href, expected):
    assert board_id(href) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<div>one<br><br>two<br><br></div>", ["one", "two"]),
        ("<div>one<br>two</div>", ["one", "two"]),
        ("<div><p>one</p><p>&nbsp;</p><p>two <b>bold</b> end</p></div>", ["one", "two bold end"]),
        ("<div>lead<p>inner</p>tail</div>", ["lead", "inner", "tail"]),
        ("<div>a<!-- note --><script>var x;</script>b</div>", ["ab"]),
        ("<div>방과 후 <b>공부방</b>으로도</div>", ["방과 후 공부방으로도"]),
        ("<div><div><p>deep</p></div></div>", ["deep"]),
        ("<div>  </div>", []),
    ],
)
def test_block_paragraphs(html, expected):
    assert block_paragraphs(lxml.html.fragment_fromstring(html)) == expected


# --- List pages -------------------------------------------------------------------------------


def test_list_page_ids_canonical_urls_and_next_page():
    spider = make_spider()
    details, pages = list_page(spider)
    assert [r.cb_kwargs["post_id"] for r in details] == PAGE2_IDS
    # www, bare host and http links all become the configured base; no paging parameters.
    assert [r.cb_kwargs["source_url"] for r in details] == [
        f"{BASE}/helper/news/{post_id}" for post_id in PAGE2_IDS
    ]
    assert [r.url for r in details] == [
        f"{BASE}/helper/news/{post_id}?currentPage=2" for post_id in PAGE2_IDS
    ]
    assert [(r.url, r.cb_kwargs) for r in pages] == [
        (f"{BASE}/helper/news?currentPage=3", {"page": 3})
    ]


@pytest.mark.parametrize("base", ["http://smalllibrary.org/", "http://127.0.0.1:8800/smalllibrary"])
def test_requests_follow_the_configured_base_identity_stays_on_the_board(base):
    spider = make_spider(base=base)
    details, pages = list_page(spider)
    root = base.rstrip("/")
    assert details[1].url == f"{root}/helper/news/9118?currentPage=2"
    assert pages[0].url == f"{root}/helper/news?currentPage=3"
    # The identity does not depend on where the page was fetched (mirror, proxy, bare host).
    assert details[1].cb_kwargs["source_url"] == f"{BASE}/helper/news/9118"


@pytest.mark.parametrize(
    ("kwargs", "known", "expected_ids", "next_page"),
    [
        pytest.param({}, set(), PAGE2_IDS, True, id="default"),
        pytest.param({}, {9120, 9118}, PAGE2_IDS[2:], True, id="some-known"),
        pytest.param({}, set(PAGE2_IDS), [], False, id="all-known-stops"),
        pytest.param({"full": "1"}, set(PAGE2_IDS), PAGE2_IDS, True, id="full-refetches"),
        # The garbage date (9107) is unknown, so it stays in any window.
        pytest.param(
            {"since": "2019-05-10"}, set(), [9120, 9118, 9111, 9107], True, id="since-inside"
        ),
        pytest.param({"since": "2019-06-01"}, set(), [9107], False, id="since-page-older"),
        pytest.param(
            {"until": "2019-05-01"}, set(), [9107, 9096, 9093, 9090, 9087], True, id="until"
        ),
        # 9087 (04.22) is listed after 9090 (04.12): rows are not in date order.
        pytest.param(
            {"since": "2019-04-20", "until": "2019-05-10"},
            set(),
            [9107, 9101, 9098, 9096, 9093, 9087],
            True,
            id="window",
        ),
        pytest.param({"max_pages": "2"}, set(), PAGE2_IDS, False, id="max-pages-reached"),
        pytest.param({"max_pages": "3"}, set(), PAGE2_IDS, True, id="max-pages-left"),
    ],
)
def test_list_page_window_known_and_paging(kwargs, known, expected_ids, next_page):
    spider = make_spider(known=known, **kwargs)
    details, pages = list_page(spider)
    assert [r.cb_kwargs["post_id"] for r in details] == expected_ids
    assert bool(pages) is next_page


def test_stop_on_known_page_is_logged(caplog):
    spider = make_spider(known=set(PAGE2_IDS))
    with caplog.at_level(logging.INFO, logger="smalllibrary"):
        list_page(spider)
    assert "already stored" in caplog.text


def test_last_page_has_no_next_page():
    spider = make_spider()
    details, pages = list_page(spider, "list_last.html", page=742)
    assert [r.cb_kwargs["post_id"] for r in details] == [14, 9]
    assert pages == []


def test_ids_are_requested_once_per_crawl():
    # The board shifts while we crawl: a row seen on one page reappears on the next.
    spider = make_spider()
    earlier, _ = list_page(spider, "detail_new.html", page=1)  # its list holds 9111
    details, pages = list_page(spider)
    assert [r.cb_kwargs["post_id"] for r in earlier] == [9111]
    assert [r.cb_kwargs["post_id"] for r in details] == [i for i in PAGE2_IDS if i != 9111]
    assert len(pages) == 1


def test_a_page_of_repeats_stops(caplog):
    # Past its last page a site may serve the same page for any currentPage.
    spider = make_spider()
    list_page(spider)
    with caplog.at_level(logging.INFO, logger="smalllibrary"):
        details, pages = list_page(spider)
    assert (details, pages) == ([], [])
    assert "only repeats" in caplog.text


def _without_pager(html: str) -> str:
    return re.sub(r'<div class="paging">.*?</div>', "", html, flags=re.S)


def _without_pager_and_last_row(html: str) -> str:
    return re.sub(r'<tr>\s*<td class="num">7403</td>.*?</tr>', "", _without_pager(html), flags=re.S)


@pytest.mark.parametrize(
    ("edit", "rows", "next_page"),
    [(_without_pager, 10, True), (_without_pager_and_last_row, 9, False)],
)
def test_without_pager_a_full_page_suggests_another(edit, rows, next_page):
    details, pages = list_page(make_spider(), edit=edit)
    assert len(details) == rows
    assert bool(pages) is next_page


def test_page_without_rows_stops():
    spider = make_spider()
    details, pages = list_page(spider, "detail_no_title.html")
    assert (details, pages) == ([], [])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"since": "2019/05/01"}, "since"),
        ({"until": "yesterday"}, "until"),
        ({"max_pages": "0"}, "max_pages"),
    ],
)
def test_bad_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_spider(**kwargs)


# --- Detail pages -----------------------------------------------------------------------------


def test_detail_new_layout():
    spider = make_spider()
    (item,) = detail(spider, "detail_new.html", 9111)
    raw = (FIXTURES / "smalllibrary" / "detail_new.html").read_bytes()
    assert isinstance(item, ArticleItem)
    # The original link, canonical (clipper.text.urls): merges with the outlet's own copy.
    assert item.url == "http://kwnews.co.kr/nview.asp?aid=219051500123"
    assert item.source_url == f"{BASE}/helper/news/9111"
    assert (item.spider, item.fetched_at) == ("smalllibrary", NOW)
    assert item.title == '속초 아파트 작은도서관 "다시 문 열어요"'
    assert item.region_tag == "강원"
    assert (item.outlet_raw, item.published_raw) == ("강원 일보", "2019.05.16")
    # The spider reports the body as shown; the pipelines drop the note, junk and repeats.
    assert item.body.split("\n\n") == [
        "속초 조양동의 한 아파트 작은도서관이 석 달 만에 다시 문을 열었다.",
        "입주민 자원봉사자 12명이 평일 오후 도서관을 지킨다.",
        "advertisement",
        "※기사 전문은 원문링크를 통해 확인하실 수 있습니다.",
        "입주민 자원봉사자 12명이 평일 오후 도서관을 지킨다.",
        "※기사 전문은 원문링크를 통해 확인하실 수 있습니다.",
    ]
    assert item.html_hash == hashlib.sha1(raw).hexdigest()
    assert item.extra == {"board_id": 9111}


def test_detail_old_layout_euc_kr_with_br_paragraphs():
    spider = make_spider()
    (item,) = detail(spider, "detail_old.html", 14)
    assert item.url == item.source_url == f"{BASE}/helper/news/14"  # no 링크주소 line
    assert item.title == "교회 작은도서관, 주민 쉼터로"
    assert item.region_tag == ""
    assert (item.outlet_raw, item.published_raw) == ("국민일보", "2013.08.22")
    assert item.body.split("\n\n") == [
        "인천 부평구의 한 교회가 예배당 1층을 작은도서관으로 꾸며 주민들에게 열었다.",
        "평일에는 방과 후 아이들의 공부방으로도 쓰인다.",
        ".",
        "Read more: http://news.kmib.co.kr/article/view.asp?arcid=0007412345",
        "[전문은 해당 뉴스사이트에서 확인가능합니다]",
        "[전문은 해당 뉴스사이트에서 확인가능합니다]",
    ]


@pytest.mark.parametrize("name", ["detail_new.html", "detail_old.html"])
def test_detail_body_stops_before_comments_and_list(name):
    (item,) = detail(make_spider(), name, 1)
    for outside in ("댓글", "작은도서관 뉴스 목록", "매체 :", "지원 예산", "익산"):
        assert outside not in item.body


@pytest.mark.parametrize(
    ("name", "error"),
    [("detail_no_title.html", MissingTitle), ("detail_truncated.html", MissingBody)],
)
def test_broken_detail_yields_an_item_the_validate_stage_drops_by_name(name, error):
    spider = make_spider()
    (item,) = detail(spider, name, 77)
    assert item.source_url == f"{BASE}/helper/news/77"
    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    with pytest.raises(error):
        ValidatePipeline.from_crawler(crawler).process_item(item)


# --- End to end: a real crawl of the mirror ----------------------------------------------------


def crawl_mirror(mirror, tmp_path: Path, *spider_args: str) -> tuple[list[dict], str]:
    out = tmp_path / "items.jsonl"
    # A fresh process: the Twisted reactor starts only once per process.
    result = subprocess.run(
        [
            sys.executable, "-m", "scrapy", "crawl", "smalllibrary",
            "-s", f"CLIPPER_SMALLLIBRARY_BASE_URL={mirror.board_url}",
            "-s", 'ITEM_PIPELINES={"pipelines.validate.ValidatePipeline": 800}',
            "-s", "CLIPPER_DRY_RUN=1",
            "-s", "DOWNLOAD_DELAY=0",
            "-s", "AUTOTHROTTLE_ENABLED=0",
            "-s", "LOG_LEVEL=INFO",  # the stats dump and the spider's stop messages
            "-O", str(out),
            *spider_args,
        ],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return [json.loads(line) for line in out.read_text().splitlines()], result.stderr


def test_crawl_mirror_end_to_end(mirror, tmp_path):
    board = load_board()
    items, log = crawl_mirror(mirror, tmp_path)
    # The validate stage drops the board's placeholder post ("1 | 1 | 1") by name too.
    valid = {post.id: post for post in board.valid_posts() if post.title.strip() != "1"}
    by_id = {item["extra"]["board_id"]: item for item in items}
    assert len(items) == len(by_id) == len(valid)
    assert set(by_id) == set(valid)
    layouts = set()
    for post_id, item in by_id.items():
        post = valid[post_id]
        layouts.add(post.layout)
        assert item["source_url"] == f"{BASE}/helper/news/{post_id}"
        assert item["published_raw"] == post.date
        assert item["outlet_raw"] == post.outlet.strip()
        assert post.paragraphs[0] in item["body"]
        if post.link:
            assert item["url"] == canonical_url(post.link)
            assert "utm_" not in item["url"]
        else:
            assert item["url"] == item["source_url"]
    assert layouts == {"new", "old"}
    reasons = {"no_title": "MissingTitle", "truncated": "MissingBody"}
    broken = [post for post in board.posts if post.broken]
    assert broken
    for post in broken:
        assert f"'item_dropped_reasons_count/{reasons[post.broken]}': 1" in log
    assert "'item_dropped_reasons_count/InvalidEntry': 1" in log


def test_crawl_mirror_since_stops_paging(mirror, tmp_path):
    board = load_board()
    since = date(2024, 9, 1)
    items, log = crawl_mirror(mirror, tmp_path, "-a", f"since={since}")
    expected = {
        post.id
        for post in board.valid_posts()
        if (day := parse_day(post.date)) is not None and day >= since
    }
    assert expected
    assert {item["extra"]["board_id"] for item in items} == expected
    assert "older than since" in log


def test_block_paragraphs_of_deeply_nested_blocks_need_no_recursion():
    # 5,000 nested blocks (issue 13, item 9) raised RecursionError and lost the post.
    from lxml import etree

    from spiders.smalllibrary import block_paragraphs

    root = inner = etree.Element("div")
    for _ in range(5000):
        inner = etree.SubElement(inner, "div")
    inner.text = "작은도서관이 문을 열었다."
    inner.tail = "꼬리"
    assert block_paragraphs(root) == ["작은도서관이 문을 열었다.", "꼬리"]
