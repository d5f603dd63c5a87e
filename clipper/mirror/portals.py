"""The portals on the offline mirror: Naver, Daum and Google News, from ``data/portals.json``.

Every portal host is served below ``/portals/{host}`` (the spiders' ``CLIPPER_PORTAL_MIRROR_URL``
is the mirror's ``/portals``), so the pages can link the real hosts, as the real pages do,
and the spiders read them with the selectors they use on the real sites. The markup is our
own, keyed the way SOURCES.md records the real pages:

- ``search.naver.com/search.naver?where=news&query=…&start=N``: 2025+ style, generated class
  names; results told apart only by their links (``media.naver.com/press/{oid}``,
  ``n.news.naver.com/mnews/article/{oid}/{aid}``, the publisher's article). A redesign at
  ``/changed/search.naver``: no outlet links, dates in ``<time>``.
- ``openapi.naver.com/v1/search/news.json``: the Search API's JSON (:func:`api_answer`; 401
  with Naver's error JSON without the key headers).
- ``n.news.naver.com/mnews/article/{oid}/{aid}`` copies, and one legacy EUC-KR page at
  ``news.naver.com/main/read.naver?oid=…&aid=…`` (only the API links it).
- ``search.daum.net/search?w=news&q=…&p=N`` (``ul.c-list-basic``), a redesign at
  ``/changed/search``; copies at ``v.daum.net/v/{id}`` with a ``원문`` link.
- ``news.google.com/rss/search?q=…`` and the opaque ``/rss/articles/{token}`` links, which
  redirect (HTTP 302) to the original when it is on the mirror, and otherwise answer with a
  script page, as the real site does.
- ``www.{slug}.example``: a mirror local-news site's own host, the pages ``/localnews/{slug}``
  serves. Portal pages link originals at these URLs (what the sites' pages declare as their
  identity), so one story is reachable at its outlet, through a portal and through Google
  News, and is one article.

Queries match a word in the title or text; a page past the last result is the empty one.

This module routes the hosts; each portal's pages are its own module (``naver``, ``daum``,
``google_news``), and the entries they list, with the helpers they share, ``portal_entries``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from clipper.mirror import localnews, localnews_pages
from clipper.mirror.daum import daum_news_host, daum_search_host
from clipper.mirror.google_news import google_news_host
from clipper.mirror.naver import naver_api_host, naver_news_host, naver_search_host
from clipper.mirror.portal_entries import PREFIX, local_site
from clipper.mirror.server import Page
from clipper.text.dates import KST


def handle(path: str, query: Mapping[str, str], base: str) -> Page | None:
    """Render ``/portals/{host}{path}``: each portal host's pages below one prefix (the
    spiders' ``CLIPPER_PORTAL_MIRROR_URL``); None for a 404."""
    host, _, rest = path.lstrip("/").partition("/")
    origin = base[: -len(PREFIX)] if base.endswith(PREFIX) else base
    site = local_site(host)
    if site is not None:
        # A local-news site's own host (www.hanbit.example): the pages /localnews serves.
        return localnews_pages.handle(f"/{site.slug}/{rest}", query, origin + localnews.PREFIX)
    handler = HOSTS.get(host)
    if handler is None:
        return None
    return handler("/" + rest, query, origin, datetime.now(KST))


HOSTS = {
    "search.naver.com": naver_search_host,
    "openapi.naver.com": naver_api_host,
    "n.news.naver.com": naver_news_host,
    "news.naver.com": naver_news_host,
    "search.daum.net": daum_search_host,
    "v.daum.net": daum_news_host,
    "news.google.com": google_news_host,
}
