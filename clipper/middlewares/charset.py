"""Decode every page by what its bytes are, not only by what its headers claim.

Korean sites label EUC-KR pages UTF-8 and the reverse; Scrapy decodes by the header, and a
mislabelled page would be stored as mojibake. This downloader middleware asks
``clipper.text.encoding.decode_html`` (BOM, header, meta, then the bytes themselves; any EUC-KR
label read as cp949) and re-labels the response when it disagrees, so selectors and
``response.text`` see the right text. Counted as ``clipper/charset/relabelled/<from>-><to>``.

An article page extracted in a worker (``clipper.middlewares.workers``) was decoded there by the same
function with the same header, so the codec comes with the worker's result instead of a
second decode on the reactor thread (30-210 µs a page); the middleware therefore runs on
responses after ``ExtractMiddleware``.
"""

from __future__ import annotations

import codecs

from scrapy.http import TextResponse

from clipper.middlewares.workers import worker_result
from clipper.text.encoding import decode_html


def _codec(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


class CharsetMiddleware:
    def __init__(self, crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        if not isinstance(response, TextResponse) or not response.body:
            return response
        header = response.headers.get("Content-Type", b"").decode("latin-1")
        # request.meta: a response in the downloader middlewares has no request attached yet.
        done = worker_result(request.meta, response.body)
        # The worker decoded by the header's charset parameter, which is what decode_html
        # reads from a Content-Type value; a bare word ("EUC-KR") it takes as a label, so
        # such a page is decoded here.
        as_value = not header or any(mark in header for mark in "=;/")
        if done is not None and done.found.encoding and as_value:
            encoding = done.found.encoding
        else:
            _text, encoding = decode_html(response.body, header)
        if not encoding or _codec(encoding) == _codec(response.encoding):
            return response
        self.stats.inc_value(f"clipper/charset/relabelled/{response.encoding}->{encoding}")
        return response.replace(encoding=encoding)
