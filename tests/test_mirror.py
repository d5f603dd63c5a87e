"""The local mirror: a real HTTP server on 127.0.0.1 serving the small-library board."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import urllib.robotparser
from collections import Counter

import pytest
from parsel import Selector

from clipper.mirror import MirrorServer
from clipper.mirror.board import load_board

BOARD = load_board()


def fetch(url: str, method: str = "GET", headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def rows(html: str) -> list[tuple[str, str, str, str]]:
    """(번호, href, 매체 cell, 보도일 cell) of each list row."""
    return [
        (
            row.css("td.num::text").get(),
            row.css("td.subject a::attr(href)").get(),
            "".join(row.css("td.media ::text").getall()),
            "".join(row.css("td.date ::text").getall()),
        )
        for row in Selector(html).css("table.board_list tbody tr")
    ]


def test_robots_txt_allows_everything(mirror):
    parser = urllib.robotparser.RobotFileParser(f"{mirror.url}/robots.txt")
    parser.read()
    assert parser.can_fetch("clipper", f"{mirror.board_url}/helper/news/1?currentPage=1")


def test_list_pages_are_ten_newest_first_with_running_numbers(mirror):
    numbers, ids = [], []
    for page in range(1, BOARD.page_count + 1):
        status, html = fetch(f"{mirror.board_url}/helper/news?currentPage={page}")
        assert status == 200
        page_rows = rows(html)
        assert len(page_rows) == (10 if page < BOARD.page_count else len(BOARD.posts) % 10 or 10)
        numbers += [int(number) for number, *_ in page_rows]
        ids += [int(re.search(r"/helper/news/(\d+)", href).group(1)) for _, href, *_ in page_rows]
        for _, _, media, day in page_rows:
            assert media.startswith("매체 :")
            assert day.startswith("보도일 :")
    assert numbers == list(range(len(BOARD.posts), 0, -1))
    assert ids == [post.id for post in BOARD.posts]
    assert ids != numbers  # 번호 is a running number, not the post id


def test_links_point_back_at_the_mirror(mirror):
    _, html = fetch(f"{mirror.board_url}/helper/news?currentPage=1")
    hrefs = [href for _, href, *_ in rows(html)]
    shapes = Counter("absolute" if href.startswith("http") else "relative" for href in hrefs)
    assert shapes["absolute"]
    assert shapes["relative"]
    for href in hrefs:
        assert href.startswith((f"{mirror.board_url}/helper/news/", "/smalllibrary/helper/news/"))
        status, _ = fetch(href if href.startswith("http") else mirror.url + href)
        assert status == 200


def test_links_use_the_host_the_client_asked_for(mirror):
    # A www. host gets its absolute links on the bare host, as the real board mixes them.
    headers = {"Host": "www.board.test:8080"}
    _, html = fetch(f"{mirror.board_url}/helper/news?currentPage=1", headers=headers)
    absolute = [href for _, href, *_ in rows(html) if href.startswith("http")]
    assert absolute
    assert all(href.startswith("http://board.test:8080/smalllibrary/") for href in absolute)


@pytest.mark.parametrize(
    "query",
    [
        "currentPage=2",
        "currentPage=2&searchType=&searchValue=",
        "searchValue=&searchType=&currentPage=2",
    ],
)
def test_search_parameters_in_any_order(mirror, query):
    _, expected = fetch(f"{mirror.board_url}/helper/news?currentPage=2")
    status, html = fetch(f"{mirror.board_url}/helper/news?{query}")
    assert status == 200
    assert rows(html) == rows(expected)


@pytest.mark.parametrize(
    "path",
    [
        f"/smalllibrary/helper/news?currentPage={BOARD.page_count + 1}",
        "/smalllibrary/helper/news?currentPage=0",
        "/smalllibrary/helper/news?currentPage=abc",
        "/smalllibrary/helper/news/1",
        f"/smalllibrary/helper/news/{BOARD.posts[0].id}/edit",
        "/smalllibrary/helper/notice",
        "/otherboard/helper/news?currentPage=1",
        "/helper/news?currentPage=1",
    ],
)
def test_unknown_pages_are_404(mirror, path):
    assert fetch(mirror.url + path)[0] == 404


def test_detail_list_below_depends_on_current_page(mirror):
    post = BOARD.posts[3]
    pages = {}
    for page in (1, 3):
        status, html = fetch(f"{mirror.board_url}/helper/news/{post.id}?currentPage={page}")
        assert status == 200
        pages[page] = html
    view = [Selector(html).css(".board_view").get() for html in pages.values()]
    assert view[0] == view[1]
    _, list3 = fetch(f"{mirror.board_url}/helper/news?currentPage=3")
    assert rows(pages[3]) == rows(list3)
    assert rows(pages[1]) != rows(pages[3])


@pytest.mark.parametrize("layout", ["new", "old"])
def test_detail_layouts(mirror, layout):
    post = next(p for p in BOARD.posts if p.layout == layout and not p.broken and p.link != "")
    _, html = fetch(f"{mirror.board_url}/helper/news/{post.id}?currentPage=1")
    page = Selector(html)
    info = page.css(".view_info ::text").getall()
    assert " ".join(page.css(".view_title ::text").getall()).strip() == post.title
    assert f"매체명 : {post.outlet}" in info
    assert f"보도일 : {post.date}" in info
    assert ("링크주소" in html) is (layout == "new")
    assert bool(page.css(".view_cont p")) is (layout == "new")
    assert ("<br><br>" in page.css(".view_cont").get()) is (layout == "old")
    assert "댓글 <strong>0</strong>건" in html
    assert "작은도서관 뉴스 목록" in html


@pytest.mark.parametrize(
    ("broken", "has_title", "has_body"), [("no_title", False, True), ("truncated", True, False)]
)
def test_broken_pages(mirror, broken, has_title, has_body):
    post = next(p for p in BOARD.posts if p.broken == broken)
    status, html = fetch(f"{mirror.board_url}/helper/news/{post.id}")
    assert status == 200
    assert bool(Selector(html).css(".view_title")) is has_title
    assert bool(Selector(html).css(".view_cont")) is has_body
    assert html.rstrip().endswith("</html>") is has_body


def test_head_request(mirror):
    status, body = fetch(f"{mirror.board_url}/helper/news?currentPage=1", method="HEAD")
    assert (status, body) == (200, "")


def test_servers_get_free_ports_and_stop():
    with MirrorServer() as one, MirrorServer() as two:
        assert one.url != two.url
        assert one.board_url == one.url + "/smalllibrary"
        assert fetch(f"{one.url}/robots.txt")[0] == 200
        url = two.url
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}/robots.txt", timeout=2)
    with pytest.raises(RuntimeError):
        _ = one.url


# --- The data holds the board's ugly cases -------------------------------------------------


def _titles() -> list[str]:
    return [post.title for post in BOARD.posts]


@pytest.mark.parametrize(
    "title_start",
    [
        "[경기] ", "[경기]성", "[서을]", "[정북]", "[강원 ]", "[제주]]", "[칼럼]", "[기고]",
        "[전주]", "[수원 영통구]", "[서울][일사일언]", "[경북](칠곡)", "[충북]천안",
    ],
)  # fmt: skip
def test_data_has_title_tag_variants(title_start):
    assert any(title.startswith(title_start) for title in _titles())


def test_data_has_the_board_quirks():
    posts = BOARD.posts
    assert 40 <= len(posts) <= 60
    ids = [post.id for post in posts]
    assert ids == sorted(ids, reverse=True)
    # 번호 is a running number: its gap to the id grows over time.
    gaps = [post.id - number for number, post in zip(range(len(ids), 0, -1), posts, strict=True)]
    assert gaps == sorted(set(gaps), reverse=True)
    assert any(not title.startswith("[") for title in _titles()[-8:])  # untagged old items
    assert any(title.startswith("[") and "]" not in title for title in _titles())  # unclosed
    assert any((p.title, p.outlet, p.date) == ("1", "1", "1") for p in posts)  # test entry
    links = Counter(post.link for post in posts if post.link)
    assert max(links.values()) == 2  # one story posted under two ids
    assert {post.repeat for post in posts} >= {"body", "note", None}
    assert {post.broken for post in posts} == {None, "no_title", "truncated"}
    blocks = [block for post in posts for block in post.paragraphs]
    assert "advertisement" in blocks
    assert "." in blocks
    assert any(block.startswith("Read more: http") for block in blocks)
    assert any(post.date != "1" and not re.fullmatch(r"\d{4}\.\d{2}\.\d{2}", post.date)
               for post in posts)  # fmt: skip
    assert {post.layout for post in posts} == {"new", "old"}
    assert all(post.link is None for post in posts if post.layout == "old")


def test_mirror_api_checks_the_key_headers(mirror):
    api = f"{mirror.url}/portals/openapi.naver.com/v1/search/news.json?query=작은도서관"
    api = api.replace("작은도서관", "%EC%9E%91%EC%9D%80%EB%8F%84%EC%84%9C%EA%B4%80")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(api, timeout=5)
    assert refused.value.code == 401
    assert "errorCode" in json.loads(refused.value.read())
    request = urllib.request.Request(
        api, headers={"X-Naver-Client-Id": "id", "X-Naver-Client-Secret": "secret"}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert json.loads(answer.read())["items"]
