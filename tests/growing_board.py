"""A small-library board that grows between runs, on a real HTTP server on 127.0.0.1.

Rendered by the mirror's own board code (``clipper.mirror.board``) from generated posts, so
a test can publish new posts between crawls and knows exactly which articles a complete
crawl must end up with.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from clipper.mirror import board as mirror_board
from clipper.text.urls import canonical_url

DETAIL = re.compile(r"^/helper/news/(\d+)/?$")


def make_post(number: int) -> mirror_board.Post:
    """Post ``number``: on topic (작은도서관), with its own outlet link and text."""
    return mirror_board.Post(
        id=20000 + number,
        title=f"[경기] 행복마을 작은도서관 {number}호 문 열어",
        outlet="경기일보",
        date="2024.11.20",
        link=f"https://www.kyeonggi.com/article/20241120{number:06d}",
        layout="new",
        paragraphs=(
            f"행복마을 주민센터 {number}층에 작은도서관 {number}호가 문을 열었다.",
            f"도서관은 장서 {number * 37 + 1000}권과 어린이 열람실 {number % 7 + 1}곳을 갖췄다.",
            f"운영위원회는 {number}번째 독서 모임을 이달 안에 꾸릴 계획이라고 밝혔다.",
        ),
        note=None,
        repeat=None,
        broken=None,
    )


class GrowingBoard:
    """The board's posts, newest first; ``publish`` puts new posts on top."""

    def __init__(self, page_size: int = 10):
        self.page_size = page_size
        self.posts: list[mirror_board.Post] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        # Detail pages served, for tests that interrupt a crawl part-way.
        self.details_served = 0

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def reset(self, page_size: int | None = None) -> None:
        with self._lock:
            self.posts = []
            self.details_served = 0
            if page_size is not None:
                self.page_size = page_size

    def publish(self, count: int) -> None:
        with self._lock:
            first = len(self.posts) + 1
            new = [make_post(n) for n in range(first, first + count)]
            self.posts = [*reversed(new), *self.posts]

    def expected_urls(self) -> set[str]:
        """The article URLs a complete crawl of the board as it is now stores."""
        return {canonical_url(post.link) for post in self.posts}

    def snapshot(self) -> mirror_board.Board:
        with self._lock:
            return mirror_board.Board(posts=tuple(self.posts), page_size=self.page_size)

    def _handler(self):
        growing = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query, True).items()}
                page = growing.render(parts.path, query)
                body = (page or "not found").encode()
                self.send_response(200 if page is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler

    def render(self, path: str, query: dict[str, str]) -> str | None:
        board = self.snapshot()
        try:
            page = int(query.get("currentPage") or 1)
        except ValueError:
            return None
        if path in mirror_board.LIST_PATHS:
            # An empty board still shows its (empty) first page.
            if page < 1 or page > board.page_count:
                return None
            return mirror_board.render_list_page(board, page, self.url)
        match = DETAIL.match(path)
        post = board.get(int(match.group(1))) if match else None
        if post is None:
            return None
        with self._lock:
            self.details_served += 1
        return mirror_board.render_detail_page(board, post, max(1, page), self.url)

    def __enter__(self) -> GrowingBoard:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
