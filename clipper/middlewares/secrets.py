"""Secret request headers (API keys): added at download time, for their own origin only.

A spider that sends keys as headers (Naver's Search API) does not put them in its requests.
It names them in ``secret_header_names`` and gives them per request from
``secret_headers(request)`` (empty for a request that is not to its API's origin). This
downloader middleware, the last before the download handler, adds them just before the
request is sent and takes them off again as soon as the response (or the failure) is in, so:

- a redirect or a retry, built from the request after that, never carries them; a redirect
  off the API's origin is sent without them (Scrapy's redirect handling strips only
  ``Authorization`` and ``Cookie``), one on it gets them again here;
- no request that is queued (in Redis in distributed mode, pickled, for days), archived
  (the WARC request record) or handed to a callback holds them.
"""

from __future__ import annotations

from scrapy import Request


class SecretHeadersMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _spider(self):
        return self.crawler.spider

    def _strip(self, request: Request) -> None:
        for name in getattr(self._spider(), "secret_header_names", ()):
            request.headers.pop(name, None)

    def process_request(self, request: Request, spider=None) -> None:
        # Copies of old requests may still hold keys (a queue filled by an older version).
        self._strip(request)
        provider = getattr(self._spider(), "secret_headers", None)
        if provider is not None:
            for name, value in provider(request).items():
                request.headers[name] = value

    def process_response(self, request: Request, response, spider=None):
        self._strip(request)
        return response

    def process_exception(self, request: Request, exception, spider=None) -> None:
        self._strip(request)
