"""The small-library news board (작은도서관 뉴스), rendered from ``data/smalllibrary.json``.

The markup is our own, written the way a Korean CMS of the 2010s would, and follows what
SOURCES.md records about the real board: list pages ``/helper/news?currentPage=N`` (10 rows,
newest first, 번호 | 제목 | 매체 | 보도일 with ``매체 :`` / ``보도일 :`` labels), detail pages
``/helper/news/{id}?currentPage=N`` in two layouts, each followed by a comment box and the
list page ``N``. The data holds the board's ugly cases (tag typos, hand-typed outlets, repeated
bodies, junk lines, a test entry, a story posted twice, broken pages); a post's ``broken``
field says how its page is damaged.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from pathlib import Path

DATA_FILE = Path(__file__).with_name("data") / "smalllibrary.json"
PREFIX = "/smalllibrary"
DETAIL_PATH = re.compile(r"^/helper/news/(\d+)/?$")
LIST_PATHS = ("/helper/news", "/helper/news/")


@dataclass(frozen=True)
class Post:
    id: int
    title: str
    outlet: str
    date: str  # as typed by the editors, garbage included
    link: str | None  # None: the older layout, which has no 링크주소 line
    layout: str  # "new" or "old"
    paragraphs: tuple[str, ...]
    note: str | None  # the trailer sending readers to the original
    repeat: str | None  # "body": printed twice from the 2nd paragraph on; "note": note twice
    broken: str | None  # "no_title" or "truncated": the page yields no article

    def body_blocks(self) -> list[str]:
        note = [self.note] if self.note else []
        blocks = [*self.paragraphs, *note]
        if self.repeat == "body":
            blocks += [*self.paragraphs[1:], *note]
        elif self.repeat == "note":
            blocks += note
        return blocks


@dataclass(frozen=True)
class Board:
    posts: tuple[Post, ...]  # newest first
    page_size: int = 10

    @property
    def page_count(self) -> int:
        return max(1, -(-len(self.posts) // self.page_size))

    def page(self, number: int) -> list[tuple[int, Post]]:
        """The rows of list page ``number`` as (번호, post); 번호 is a running number."""
        start = (number - 1) * self.page_size
        total = len(self.posts)
        return [
            (total - index, self.posts[index])
            for index in range(start, min(start + self.page_size, total))
        ]

    def get(self, post_id: int) -> Post | None:
        return next((post for post in self.posts if post.id == post_id), None)

    def valid_posts(self) -> list[Post]:
        """The posts whose page yields an article (the test entry included)."""
        return [post for post in self.posts if not post.broken]


@functools.cache
def load_board(path: Path = DATA_FILE) -> Board:
    data = json.loads(path.read_text(encoding="utf-8"))
    posts = tuple(
        Post(
            id=int(raw["id"]),
            title=raw["title"],
            outlet=raw["outlet"],
            date=raw["date"],
            link=raw.get("link"),
            layout=raw.get("layout", "new"),
            paragraphs=tuple(raw["paragraphs"]),
            note=raw.get("note"),
            repeat=raw.get("repeat"),
            broken=raw.get("broken"),
        )
        for raw in data["posts"]
    )
    return Board(posts=posts, page_size=int(data.get("page_size", 10)))


def handle(path: str, query: Mapping[str, str], base: str) -> str | None:
    """Render ``path`` (below the prefix) as HTML, or None for a 404.

    ``base`` is the mirror's URL for this source as the client reached it, e.g.
    ``http://127.0.0.1:8800/smalllibrary``: absolute links must point back at the mirror.
    """
    board = load_board()
    page = _page_number(query.get("currentPage"))
    if path in LIST_PATHS:
        if page is None or page > board.page_count:
            return None
        return render_list_page(board, page, base)
    match = DETAIL_PATH.match(path)
    if not match:
        return None
    post = board.get(int(match.group(1)))
    if post is None:
        return None
    # Any currentPage is accepted on a detail page; it only picks the list printed below.
    return render_detail_page(board, post, page or 1, base)


def _page_number(value: str | None) -> int | None:
    if value in (None, ""):
        return 1
    try:
        number = int(value)
    except ValueError:
        return None
    return number if number >= 1 else None


# --- Rendering ------------------------------------------------------------------------------

_HEAD = """<!DOCTYPE html>
<html lang="ko">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{title}</title>
<link rel="stylesheet" href="{prefix}/resources/css/sub.css">
</head>
<body>
<div id="wrap">
<div id="header">
 <h1 class="logo"><a href="{prefix}/">작은도서관</a></h1>
 <ul class="gnb">
  <li><a href="{prefix}/helper/notice">공지사항</a></li>
  <li class="on"><a href="{prefix}/helper/news?currentPage=1">작은도서관 뉴스</a></li>
  <li><a href="{prefix}/helper/qna">묻고 답하기</a></li>
 </ul>
</div>
<div id="container">
<div class="location"><span>홈</span> &gt; <span>도우미</span> &gt; <strong>작은도서관 뉴스</strong></div>
<div class="sub_title"><h2>작은도서관 뉴스</h2></div>
"""

_FOOT = """</div>
<div id="footer">
 <address>작은도서관 뉴스는 각 언론사의 기사 일부를 소개합니다. 기사의 저작권은 해당 언론사에 있습니다.</address>
</div>
</div>
</body>
</html>
"""


def _path_prefix(base: str) -> str:
    """The path part of ``base`` (``/smalllibrary``), for root-relative links."""
    match = re.match(r"^[a-z]+://[^/]+(.*)$", base)
    return match.group(1).rstrip("/") if match else ""


def _detail_href(post: Post, number: int, page: int, base: str) -> str:
    prefix = _path_prefix(base)
    # The real board mixes link shapes: root-relative, absolute (sometimes on the bare host
    # without www.), and the empty search parameters in either order.
    variant = number % 3
    if variant == 0:
        bare = base.replace("://www.", "://", 1)
        return f"{bare}/helper/news/{post.id}?currentPage={page}&searchType=&searchValue="
    if variant == 1:
        return f"{prefix}/helper/news/{post.id}?currentPage={page}&searchType=&searchValue="
    return f"{prefix}/helper/news/{post.id}?searchValue=&searchType=&currentPage={page}"


def _list_table(board: Board, page: int, base: str) -> str:
    rows = []
    for number, post in board.page(page):
        # The label spacing differs between rows, as on the real board.
        gap = " " if number % 4 == 0 else ""
        rows.append(
            "<tr>\n"
            f' <td class="num">{number}</td>\n'
            f' <td class="subject"><a href="{escape(_detail_href(post, number, page, base))}">'
            f"{escape(post.title)}</a></td>\n"
            f' <td class="media"><span class="m_label">매체 :{gap}</span>{escape(post.outlet)}</td>\n'
            f' <td class="date"><span class="m_label">보도일 :{gap}</span>{escape(post.date)}</td>\n'
            "</tr>"
        )
    return (
        '<table class="board_list" summary="작은도서관 뉴스 목록: 번호, 제목, 매체, 보도일">\n'
        "<caption>작은도서관 뉴스 목록</caption>\n"
        '<colgroup><col style="width:8%"><col><col style="width:16%"><col style="width:12%">'
        "</colgroup>\n"
        '<thead><tr><th scope="col">번호</th><th scope="col">제목</th>'
        '<th scope="col">매체</th><th scope="col">보도일</th></tr></thead>\n'
        "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>\n" + _paging(board, page, base)
    )


def _paging(board: Board, page: int, base: str) -> str:
    prefix = _path_prefix(base)

    def href(number: int) -> str:
        return escape(f"{prefix}/helper/news?currentPage={number}&searchType=&searchValue=")

    first_in_block = (page - 1) // 10 * 10 + 1
    last_in_block = min(first_in_block + 9, board.page_count)
    parts = [f'<a class="btn_first" href="{href(1)}">처음</a>']
    if first_in_block > 1:
        parts.append(f'<a class="btn_prev" href="{href(first_in_block - 1)}">이전</a>')
    for number in range(first_in_block, last_in_block + 1):
        if number == page:
            parts.append(f"<strong>{number}</strong>")
        else:
            parts.append(f'<a href="{href(number)}">{number}</a>')
    if last_in_block < board.page_count:
        parts.append(f'<a class="btn_next" href="{href(last_in_block + 1)}">다음</a>')
    parts.append(f'<a class="btn_last" href="{href(board.page_count)}">끝</a>')
    return '<div class="paging">\n' + "\n".join(parts) + "\n</div>\n"


def render_list_page(board: Board, page: int, base: str) -> str:
    return (
        _HEAD.format(title="작은도서관 뉴스 | 작은도서관", prefix=_path_prefix(base))
        + '<div class="board_search">\n<form action="" method="get">'
        '<select name="searchType"><option value="">전체</option>'
        '<option value="title">제목</option><option value="media">매체</option></select>'
        '<input type="text" name="searchValue" title="검색어"> <input type="submit" value="검색">'
        "</form>\n</div>\n" + _list_table(board, page, base) + _FOOT
    )


def _new_layout(post: Post) -> str:
    title = (
        ""
        if post.broken == "no_title"
        else (f'<div class="view_title"><h3>{escape(post.title)}</h3></div>\n')
    )
    link = escape(post.link or "")
    body = "\n".join(f"<p>{escape(block)}</p>" for block in post.body_blocks())
    return (
        '<div class="board_view">\n' + title + '<div class="view_info">'
        f'<span class="media">매체명 : {escape(post.outlet)}</span>&nbsp;&nbsp;'
        f'<span class="date">보도일 : {escape(post.date)}</span></div>\n'
        f'<div class="view_link"><span class="tit">링크주소</span> '
        f'<a href="{link}" target="_blank" title="새창">{link}</a></div>\n'
        f'<div class="view_cont">\n{body}\n</div>\n'
        "</div>\n"
    )


def _old_layout(post: Post) -> str:
    title = (
        ""
        if post.broken == "no_title"
        else (f'<tr><th class="view_title" colspan="2">{escape(post.title)}</th></tr>\n')
    )
    # The older skin separated paragraphs with <br><br> inside one cell.
    body = "<br><br>\n".join(escape(block) for block in post.body_blocks())
    return (
        '<table class="board_view" summary="작은도서관 뉴스 상세보기">\n'
        + title
        + f'<tr><td class="view_info">매체명 : {escape(post.outlet)}</td></tr>\n'
        f'<tr><td class="view_info">보도일 : {escape(post.date)}</td></tr>\n'
        f'<tr><td class="view_cont">\n{body}<br><br>\n</td></tr>\n'
        "</table>\n"
    )


def render_detail_page(board: Board, post: Post, page: int, base: str) -> str:
    prefix = _path_prefix(base)
    view = _old_layout(post) if post.layout == "old" else _new_layout(post)
    list_part = _list_table(board, page, base) if page <= board.page_count else ""
    html = (
        # The era's CMS printed the same <title> on every page, so it names no article.
        _HEAD.format(title="작은도서관 뉴스 | 작은도서관", prefix=prefix)
        + view
        + '<div class="btn_area"><a class="btn" '
        f'href="{prefix}/helper/news?currentPage={page}">목록</a></div>\n'
        '<div class="comment_box">\n<p class="cmt_count">댓글 <strong>0</strong>건</p>\n'
        '<textarea title="댓글 입력" placeholder="로그인 후 댓글을 남길 수 있습니다."></textarea>'
        '<a class="btn_cmt" href="#none">등록</a>\n</div>\n'
        '<div class="news_list">\n<h4>작은도서관 뉴스 목록</h4>\n' + list_part + "</div>\n" + _FOOT
    )
    if post.broken == "truncated":
        # The connection dropped mid-page: the title got through, the rest did not.
        cut = html.index('class="view_info') + len('class="view_in')
        html = html[:cut]
    return html
