"""Scrapy's redirect handling, with redirect loops named.

A redirect goes back through the scheduler, whose duplicate filter silently drops a request
for a URL already requested. A page that redirects to itself (or A → B → A) therefore
vanished without a word: no error, no stat, the run reported ok. Here a redirect to a URL
already in the request's own chain fails the request as a redirect loop instead, which the
spiders' errback counts as ``clipper/download/failed/RedirectLoop`` and run health treats as
a lost page (``clipper.ops.health.LOST_PAGE_FAILURES``). A redirect to a page fetched
earlier for another link is still filtered: that page is stored once, nothing is lost.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if redirected.url in chain:
            raise IgnoreRequest(
                f"redirect loop: {request.url} redirects back to {redirected.url} "
                f"after {len(chain) - 1} redirect(s)"
            )
        return super()._redirect(redirected, request, reason)
