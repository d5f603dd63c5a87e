"""WARC archive of fetched responses (``CLIPPER_ARCHIVE_DIR``, off when empty).

Every response the downloader receives (article pages, listings, redirects, error pages) is
written with its request to a gzip WARC file (ISO 28500, via warcio), so a page can be read
again after the crawl: for debugging a spider on exactly what it saw, and for re-running an
improved extraction over the history. One file per run, rotated when it passes
``CLIPPER_ARCHIVE_MAX_BYTES``. Bytes written are the run stat ``clipper/archive/bytes``
(``clipper runs`` shows it).

A downloader middleware at 880, between the downloader and HttpCompressionMiddleware (590):
the archived body is the one the server sent (compressed if it was), as WARC wants. Records
are written on one writer thread (gzip and digests cost ~10 ms for a 90 KB page, which the
reactor thread then spends crawling); the response moves on once its record is written.

Finding a page again: the middleware leaves the record pair's place (file name relative to
the archive directory, offset, length) in ``request.meta["warc"]``, and
:class:`WarcLocationMiddleware`, a spider middleware, copies it onto every item the page's
callback yields (``ArticleItem.warc``), which the store keeps on the article and sighting
rows. The request record also carries the callback's name and keyword arguments (the
listing's hints) as ``Clipper-Callback`` / ``Clipper-Cb-Kwargs`` headers, so ``clipper
reprocess`` can call the spider exactly as the crawl did. :func:`read_page` reads one pair
back as a Scrapy response.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.http.headers import Headers
from scrapy.responsetypes import responsetypes
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.reactor import is_asyncio_reactor_installed
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

logger = logging.getLogger(__name__)

# request.meta key: (file relative to the archive directory, offset, length) of the pair.
WARC_META = "warc"
# WARC headers of the request record: how the spider handled the page.
CALLBACK_HEADER = "Clipper-Callback"
CB_KWARGS_HEADER = "Clipper-Cb-Kwargs"
# Headers that describe the bytes on the wire, not the decoded body a read page carries.
_WIRE_HEADERS = {b"content-encoding", b"transfer-encoding", b"content-length"}


def _headers(headers) -> list[tuple[str, str]]:
    # Scrapy keeps header names and values as bytes; latin-1 maps them back unchanged.
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


class WarcArchiveMiddleware:
    def __init__(self, crawler, directory: Path, max_bytes: int):
        self.crawler = crawler
        self.directory = directory
        self.max_bytes = max_bytes
        self.stats = crawler.stats
        self.file = None
        self.writer = None
        self.files = 0
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warc")
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        directory = crawler.settings.get("CLIPPER_ARCHIVE_DIR") or ""
        if not directory:
            raise NotConfigured  # (no message: Scrapy would log it as a warning)
        return cls(crawler, Path(directory), crawler.settings.getint("CLIPPER_ARCHIVE_MAX_BYTES"))

    def _open(self, spider):
        self.directory.mkdir(parents=True, exist_ok=True)
        self.files += 1
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        # The pid keeps two workers of one run from writing the same file.
        path = self.directory / f"{spider.name}-{stamp}-{os.getpid()}-{self.files:03d}.warc.gz"
        self.file = path.open("xb")
        self.writer = WARCWriter(self.file, gzip=True)
        self.stats.inc_value("clipper/archive/files")

    async def process_response(self, request, response, spider=None):
        spider = spider or self.crawler.spider
        try:
            place = await self._in_writer(request, response, spider)
        except OSError as exc:
            # A full disk must not cost the crawl its pages: the page goes on, the miss is
            # counted (and fails the run's archive figures, not the run).
            self.stats.inc_value("clipper/archive/errors")
            logger.error("Could not archive %s: %s", response.url, exc)
        else:
            # Where the pair lies, for whoever wants to find this page again.
            request.meta[WARC_META] = place
            self.stats.inc_value("clipper/archive/records")
            self.stats.inc_value("clipper/archive/bytes", place[2])
        return response

    async def _in_writer(self, request, response, spider):
        """``_write`` on the writer thread: the gzip and digests of a page (~11 ms for a
        90 KB page, BENCHMARKS.md) then leave the reactor free, and zlib and hashlib release
        the GIL meanwhile. One thread, so records keep their order and offsets."""
        if not is_asyncio_reactor_installed():
            return self._write(request, response, spider)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self._write, request, response, spider)

    def _write(self, request, response, spider):
        if self.file is not None and self.max_bytes and self.file.tell() >= self.max_bytes:
            self.file.close()
            self.file = None
        if self.file is None:
            self._open(spider)
        url = response.url
        status = f"{response.status} {_reason(response.status)}"
        http_headers = StatusAndHeaders(status, _headers(response.headers), protocol="HTTP/1.1")
        record = self.writer.create_warc_record(
            url,
            "response",
            payload=BytesIO(response.body),
            http_headers=http_headers,
        )
        req_headers = StatusAndHeaders(
            f"{request.method} {_path(url)} HTTP/1.1",
            _headers(request.headers),
            is_http_request=True,
        )
        req_record = self.writer.create_warc_record(
            url,
            "request",
            payload=BytesIO(request.body),
            http_headers=req_headers,
            warc_headers_dict=_callback_headers(request),
        )
        offset = self.file.tell()
        self.writer.write_request_response_pair(req_record, record)
        return (Path(self.file.name).name, offset, self.file.tell() - offset)

    def close(self, spider):
        self.executor.shutdown(wait=True)
        if self.file is not None:
            self.file.close()
            self.file = None


class WarcLocationMiddleware(BaseSpiderMiddleware):
    """Spider middleware: every item a page's callback yields carries the page's place in
    the archive (``warc``), unless it has one already. Off with the archive."""

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("CLIPPER_ARCHIVE_DIR") and not crawler.settings.getlist(
            "CLIPPER_REPLAY_WARC"
        ):
            raise NotConfigured
        return cls(crawler)

    def get_processed_item(self, item, response):
        place = response.meta.get(WARC_META) if response is not None else None
        if place is not None and getattr(item, "warc", False) is None:
            item.warc = tuple(place)
        return item


def _callback_headers(request) -> dict[str, str]:
    callback = request.callback
    name = getattr(callback, "__name__", None) if callback is not None else "parse"
    if not name:
        return {}
    return {
        CALLBACK_HEADER: name,
        # ASCII JSON: WARC header values are one line of text.
        CB_KWARGS_HEADER: json.dumps(request.cb_kwargs, default=_encode, ensure_ascii=True),
    }


def _encode(value):
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, set | tuple):
        return list(value)
    return str(value)


def _decode(obj: dict):
    if set(obj) == {"$datetime"}:
        return datetime.fromisoformat(obj["$datetime"])
    return obj


class ArchivedPage:
    """One archived request/response pair read back: the response as Scrapy would have
    handed it to the spider (body decoded from its transfer and content encodings), when
    it was fetched, and how the spider handled it (None when the archive did not say)."""

    def __init__(self, response: Response, fetched_at: datetime | None, callback, cb_kwargs):
        self.response = response
        self.fetched_at = fetched_at
        self.callback: str | None = callback
        self.cb_kwargs: dict = cb_kwargs or {}


def read_page(path: Path, offset: int) -> ArchivedPage:
    """The page whose response record starts at ``offset`` in the WARC file ``path``, with
    the request record written with it (warcio writes the response first; another tool's
    request first is read too)."""
    with path.open("rb") as stream:
        stream.seek(offset)
        records = ArchiveIterator(stream)
        page = fetched = request = None
        response_id = None
        for record in records:
            if record.rec_type == "response" and page is None:
                url = record.rec_headers.get_header("WARC-Target-URI")
                page = record_response(record, Request(url, dont_filter=True))
                date = record.rec_headers.get_header("WARC-Date")
                fetched = datetime.fromisoformat(date.replace("Z", "+00:00")) if date else None
                response_id = record.rec_headers.get_header("WARC-Record-ID")
                if request is not None:
                    break
            elif record.rec_type == "request" and request is None:
                request = record.rec_headers
                if page is not None:
                    break
            else:
                break
        if page is None:
            raise ValueError(f"no response record at {path.name}:{offset}")
    callback = cb_kwargs = None
    if request is not None and (request.get_header("WARC-Concurrent-To") in (None, response_id)):
        callback = request.get_header(CALLBACK_HEADER)
        raw = request.get_header(CB_KWARGS_HEADER)
        cb_kwargs = json.loads(raw, object_hook=_decode) if raw else None
    return ArchivedPage(page, fetched, callback, cb_kwargs)


def index_pages(path: Path) -> dict[str, tuple[int, int]]:
    """URL -> (offset, length) of every archived page (its response record and the request
    written with it) in the WARC file ``path``; for a URL archived twice, the later page."""
    pages: dict[str, tuple[int, int]] = {}
    with path.open("rb") as stream:
        records = ArchiveIterator(stream)
        last_url = None  # the response the next request record may belong to
        for record in records:
            offset = records.get_record_offset()
            record.content_stream().read()  # the record's length is known once it is read
            end = offset + records.get_record_length()
            if record.rec_type == "response":
                last_url = record.rec_headers.get_header("WARC-Target-URI")
                pages[last_url] = (offset, end - offset)
            elif record.rec_type == "request" and last_url is not None:
                start = pages[last_url][0]
                pages[last_url] = (start, end - start)
                last_url = None
            else:
                last_url = None
    return pages


def record_response(record, request=None) -> Response:
    """A WARC response record as a Scrapy response (read its body before the next record)."""
    url = record.rec_headers.get_header("WARC-Target-URI")
    status = int(record.http_headers.get_statuscode() or 200)
    # content_stream() undoes chunking and gzip/deflate/br, as the downloader would.
    body = record.content_stream().read()
    scrapy_headers = Headers()
    for name, value in record.http_headers.headers:
        if name.lower().encode("latin-1") not in _WIRE_HEADERS:
            scrapy_headers.appendlist(name.encode("latin-1"), value.encode("latin-1"))
    cls = responsetypes.from_args(headers=scrapy_headers, url=url, body=body)
    return cls(
        url=url,
        status=status,
        headers=scrapy_headers,
        body=body,
        request=request,
        protocol="HTTP/1.1",
    )


def _path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
