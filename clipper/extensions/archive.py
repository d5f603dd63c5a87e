"""WARC archive of fetched responses (``CLIPPER_ARCHIVE_DIR``, off when empty).

Every response the downloader receives (article pages, listings, redirects, error pages) is
written with its request to a gzip WARC file (ISO 28500, via warcio), so a page can be read
again after the crawl: for debugging a spider on exactly what it saw, and for re-running an
improved extraction over the history. One file per run, rotated when it passes
``CLIPPER_ARCHIVE_MAX_BYTES``. Bytes written are the run stat ``clipper/archive/bytes``
(``clipper runs`` shows it).

A downloader middleware at 880, between the downloader and HttpCompressionMiddleware (590):
the archived body is the one the server sent (compressed if it was), as WARC wants.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

logger = logging.getLogger(__name__)


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

    def process_response(self, request, response, spider):
        try:
            self._write(request, response, spider)
        except OSError as exc:
            # A full disk must not cost the crawl its pages: the page goes on, the miss is
            # counted (and fails the run's archive figures, not the run).
            self.stats.inc_value("clipper/archive/errors")
            logger.error("Could not archive %s: %s", response.url, exc)
        return response

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
        )
        offset = self.file.tell()
        self.writer.write_request_response_pair(req_record, record)
        written = self.file.tell() - offset
        # Where the pair lies, for whoever wants to find this page again.
        request.meta["warc"] = (self.file.name, offset, written)
        self.stats.inc_value("clipper/archive/records")
        self.stats.inc_value("clipper/archive/bytes", written)

    def close(self, spider):
        if self.file is not None:
            self.file.close()
            self.file = None


def _path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
