"""Decode every page by what its bytes are, not only by what its headers claim.

Korean sites label EUC-KR pages UTF-8 and the reverse; Scrapy decodes by the header, and a
mislabelled page would be stored as mojibake. This downloader middleware asks
``clipper.encoding.decode_html`` (BOM, header, meta, then the bytes themselves; any EUC-KR
label read as cp949) and re-labels the response when it disagrees, so selectors and
``response.text`` see the right text. Counted as ``clipper/charset/relabelled/<from>-><to>``.
"""

from __future__ import annotations

import codecs

from scrapy.http import TextResponse

from clipper.encoding import decode_html


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
        _text, encoding = decode_html(response.body, header)
        if not encoding or _codec(encoding) == _codec(response.encoding):
            return response
        self.stats.inc_value(f"clipper/charset/relabelled/{response.encoding}->{encoding}")
        return response.replace(encoding=encoding)
