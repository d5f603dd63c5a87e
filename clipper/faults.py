"""Fault injection for the offline mirror: make chosen pages misbehave on purpose.

A ``FaultPlan`` holds ``Fault`` rules; ``FaultyMirror`` is the mirror server with a plan
attached, which the mirror's request handler consults before answering (the hook in
``clipper.mirror.server``). A rule matches a request by a regular expression searched in
its path and query, and applies to its first ``times`` matching requests (every one when
``times`` is None), so "503 twice, then the page" is ``Fault("status", r"/news/11873",
times=2)``. The plan counts what it injected, per kind, for the test figures.

Kinds (what the client sees):

- ``status``: an error page with ``status`` (503 unless told).
- ``not_found``: a 404 page.
- ``timeout``: nothing for ``delay`` seconds, then the connection closes without an answer.
- ``reset``: the connection is reset (TCP RST) before any answer.
- ``truncate``: the page's headers promise more bytes than are sent, then the connection
  closes (a dropped transfer).
- ``charset``: the page's bytes in ``encoding`` while the header and ``<meta>`` claim
  ``label`` (EUC-KR bytes labelled UTF-8 by default).
- ``oversize``: the page padded with ``size`` bytes of comment (past ``DOWNLOAD_MAXSIZE``).
- ``gzip_bomb``: a small gzip body (``Content-Encoding: gzip``) that inflates to ``size``
  bytes (past ``DOWNLOAD_MAXSIZE`` only once decompressed).
- ``redirect_loop``: a redirect to the same page with a growing ``_hop`` parameter, forever.
- ``redirect``: a redirect to ``target``.
- ``serve``: ``body`` (HTML) instead of the page.

``python -m clipper.faults ARGS…`` runs the ``clipper`` command with the knobs a database
fault test needs but no setting exposes (``CLIPPER_FAULTS_SQLITE_BUSY_MS``,
``CLIPPER_FAULTS_WRITE_ATTEMPTS``, ``CLIPPER_FAULTS_BACKOFF`` in the environment).
"""

from __future__ import annotations

import gzip
import io
import os
import re
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from clipper.mirror.server import MirrorServer

__all__ = ["KINDS", "Fault", "FaultPlan", "FaultyMirror", "main"]

KINDS = frozenset(
    {
        "status",
        "not_found",
        "timeout",
        "reset",
        "truncate",
        "charset",
        "oversize",
        "gzip_bomb",
        "redirect_loop",
        "redirect",
        "serve",
    }
)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_META_CHARSET = re.compile(rb"charset=[\"']?[\w-]+", re.IGNORECASE)


@dataclass
class Fault:
    """One rule of a plan (see the module docstring for the kinds)."""

    kind: str
    match: str  # regular expression searched in the request's path and query
    times: int | None = None  # how many matching requests get the fault; None: all
    status: int = HTTPStatus.SERVICE_UNAVAILABLE
    delay: float = 2.0  # timeout: seconds of silence before the connection closes
    encoding: str = "euc-kr"  # charset: the bytes actually sent
    label: str = "utf-8"  # charset: the charset claimed
    size: int = 0  # oversize: bytes of padding
    target: str = ""  # redirect: Location
    body: str = ""  # serve: the HTML
    hits: int = field(default=0, init=False)  # requests answered by this rule
    injected: int = field(default=0, init=False)  # faults counted (a loop's hops are one)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r} (known: {sorted(KINDS)})")
        self._pattern = re.compile(self.match)

    def wants(self, path: str) -> bool:
        return (self.times is None or self.hits < self.times) and bool(self._pattern.search(path))


class FaultPlan:
    """Rules consulted in order; the first that wants a request answers it."""

    def __init__(self, *faults: Fault):
        self.faults = list(faults)
        self.injected: Counter[str] = Counter()
        self._lock = threading.Lock()

    @property
    def total(self) -> int:
        return sum(self.injected.values())

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def intercept(self, handler) -> bool:
        """Answer ``handler``'s request badly if a rule wants it; False to serve it normally."""
        with self._lock:
            fault = next((f for f in self.faults if f.wants(handler.path)), None)
            if fault is None:
                return False
            fault.hits += 1
            # A redirect loop is one fault however many hops the client follows.
            if fault.kind != "redirect_loop" or "_hop=" not in handler.path:
                fault.injected += 1
                self.injected[fault.kind] += 1
        _APPLY[fault.kind](handler, fault)
        return True


class FaultyMirror(MirrorServer):
    """The mirror with a fault plan attached (``plan`` may be changed while it runs)."""

    def __init__(self, plan: FaultPlan | None = None, host: str = "127.0.0.1", port: int = 0):
        super().__init__(host, port)
        self.plan = plan or FaultPlan()

    def bind(self):
        httpd = super().bind()
        httpd.fault_plan = self.plan  # read by the handler's fault hook
        return httpd


# --- Applying a fault -----------------------------------------------------------------------


def _send(
    handler,
    status: int,
    body: bytes,
    content_type: str = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
    length: int | None = None,
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body) if length is None else length))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def _page(handler) -> tuple[int, str, bytes]:
    reply = handler._route()
    return reply.status, reply.content_type, reply.body


def _status(handler, fault: Fault) -> None:
    status = HTTPStatus(fault.status)
    body = f"<html><body><h1>{status.value} {status.phrase}</h1></body></html>".encode()
    _send(handler, status, body)


def _not_found(handler, fault: Fault) -> None:
    _send(handler, HTTPStatus.NOT_FOUND, b"<html><body><h1>404 Not Found</h1></body></html>")


def _timeout(handler, fault: Fault) -> None:
    # The client gives up first (DOWNLOAD_TIMEOUT below delay); nothing is ever written.
    time.sleep(fault.delay)
    handler.close_connection = True


def _reset(handler, fault: Fault) -> None:
    # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True


def _truncate(handler, fault: Fault) -> None:
    status, content_type, body = _page(handler)
    _send(handler, status, body[: len(body) // 2], content_type, length=len(body))
    handler.close_connection = True


def _charset(handler, fault: Fault) -> None:
    status, _content_type, body = _page(handler)
    text = body.decode("utf-8")
    data = text.encode(fault.encoding, errors="xmlcharrefreplace")
    data = _META_CHARSET.sub(f"charset={fault.label}".encode(), data)
    _send(handler, status, data, f"text/html; charset={fault.label}")


def _oversize(handler, fault: Fault) -> None:
    status, content_type, body = _page(handler)
    padding = b"<!--" + b"x" * max(0, fault.size) + b"-->"
    cut = body.rfind(b"</body>")
    body = body + padding if cut < 0 else body[:cut] + padding + body[cut:]
    _send(handler, status, body, content_type)


def _gzip_bomb(handler, fault: Fault) -> None:
    zeros = b"\0" * (1 << 20)
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as packed:
        for _ in range(max(1, fault.size >> 20)):
            packed.write(zeros)
    _send(handler, HTTPStatus.OK, out.getvalue(), headers={"Content-Encoding": "gzip"})


def _redirect_loop(handler, fault: Fault) -> None:
    parts = urlsplit(handler.path)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query["_hop"] = str(int(query.get("_hop", "0") or 0) + 1)
    location = urlunsplit(("", "", parts.path, urlencode(query), ""))
    _send(handler, HTTPStatus.FOUND, b"", headers={"Location": location})


def _redirect(handler, fault: Fault) -> None:
    _send(handler, HTTPStatus.FOUND, b"", headers={"Location": fault.target})


def _serve(handler, fault: Fault) -> None:
    _send(handler, HTTPStatus.OK, fault.body.encode("utf-8"))


_APPLY = {
    "status": _status,
    "not_found": _not_found,
    "timeout": _timeout,
    "reset": _reset,
    "truncate": _truncate,
    "charset": _charset,
    "oversize": _oversize,
    "gzip_bomb": _gzip_bomb,
    "redirect_loop": _redirect_loop,
    "redirect": _redirect,
    "serve": _serve,
}


# --- The clipper command with database knobs turned (database fault tests) ------------------


def main(argv: list[str] | None = None) -> None:
    """``clipper`` with the SQLite busy timeout, store attempts and backoff from the
    environment, so a test can make a locked database fail in seconds, not minutes."""
    import clipper.store.engine
    import pipelines.store

    if busy := os.environ.get("CLIPPER_FAULTS_SQLITE_BUSY_MS"):
        clipper.store.engine.SQLITE_BUSY_TIMEOUT_MS = int(busy)
    if attempts := os.environ.get("CLIPPER_FAULTS_WRITE_ATTEMPTS"):
        pipelines.store.WRITE_ATTEMPTS = int(attempts)
    if backoff := os.environ.get("CLIPPER_FAULTS_BACKOFF"):
        # The store sleeps 0.5 * 2**attempt; scale it without touching the module's code.
        factor = float(backoff)
        real_sleep = time.sleep
        pipelines.store.time = _ScaledTime(real_sleep, factor)  # type: ignore[attr-defined]
    from clipper.cli import main as cli_main

    cli_main(args=argv, prog_name="clipper")


class _ScaledTime:
    """Stands in for the ``time`` module inside pipelines.store: sleeps scaled."""

    def __init__(self, sleep, factor: float):
        self._sleep = sleep
        self._factor = factor

    def sleep(self, seconds: float) -> None:
        self._sleep(seconds * self._factor)

    def __getattr__(self, name: str):
        return getattr(time, name)


if __name__ == "__main__":
    main()


# --- Checking what the store holds after a faulty crawl of the board ------------------------


@dataclass
class StoreCheck:
    """The board's articles in a database against the mirror's posts."""

    expected: int  # board posts that should be stored (one sighting each)
    stored: int  # of those, posts with a sighting
    lost: list[int]  # post ids without a sighting
    duplicates: int  # article rows beyond one per expected article URL
    half_written: list[str]  # articles without a sighting, title or body
    garbled: list[str]  # articles whose text holds U+FFFD (a decoding accident)

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicates or self.half_written or self.garbled)


def expected_posts(exclude: frozenset[int] = frozenset()) -> dict[int, tuple[str, str, str]]:
    """Board post id -> (sighting URL, article URL, board title) for every post a crawl should store:
    the mirror's valid posts minus the placeholder (a title without letters) and
    ``exclude`` (posts a test makes unreachable on purpose)."""
    from clipper.mirror.board import load_board
    from clipper.text.urls import canonical_url
    from spiders.smalllibrary import CANONICAL_BASE

    posts = {}
    for post in load_board().valid_posts():
        if post.id in exclude or not re.search(r"[^\W\d_]", post.title):
            continue
        source = f"{CANONICAL_BASE}/helper/news/{post.id}"
        posts[post.id] = (source, canonical_url(post.link or "") or source, post.title)
    return posts


def check_board_store(engine, exclude: frozenset[int] = frozenset()) -> StoreCheck:
    """Compare a database filled by crawling the mirror with the board's posts."""
    from sqlalchemy import select

    from models import Article, Sighting

    posts = expected_posts(exclude)
    with engine.connect() as conn:
        sightings = dict(conn.execute(select(Sighting.source_url, Sighting.article_id)).all())
        articles = conn.execute(select(Article.id, Article.url, Article.title, Article.body)).all()
    lost = [pid for pid, (source, _url, _title) in posts.items() if source not in sightings]
    sighted = set(sightings.values())
    half = [a.url for a in articles if a.id not in sighted or not a.title or not a.body]
    by_id = {a.id: a for a in articles}
    garbled = {a.url for a in articles if "\ufffd" in (a.title or "") + (a.body or "")}
    for source, _url, title in posts.values():
        article = by_id.get(sightings.get(source, -1))
        # Mojibake (UTF-8 read as CP949) invents syllables the board's title never had.
        if (
            article is not None
            and _HANGUL.findall(article.title or "")
            and not set(_HANGUL.findall(article.title or "")) <= set(_HANGUL.findall(title))
        ):
            garbled.add(article.url)
    # Article URLs are unique, so a story stored twice shows up under a second, unexpected
    # URL (another post's link, a mangled one) next to its expected row.
    expected_urls = {url for _source, url, _title in posts.values()}
    duplicates = sum(1 for a in articles if a.id in sighted and a.url not in expected_urls)
    return StoreCheck(
        expected=len(posts),
        stored=len(posts) - len(lost),
        lost=lost,
        duplicates=duplicates,
        half_written=half,
        garbled=sorted(garbled),
    )
