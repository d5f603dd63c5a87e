"""Shared base for portal search spiders (Naver, Daum): keyword searches, paged, newest first.

A leaf spider builds the search request for a keyword and page (:meth:`search_request`) and
reads a result page into :class:`Hit` rows (:meth:`parse_hits`); this base does the rest:
counts the listing (a page that suddenly shows nothing is a layout change, not "no news"),
skips hits outside ``since``/``until`` and pages already stored, stops paging, and fetches
each hit's page through :meth:`ArticlePageSpider.article_request`.

``url`` vs ``source_url``: a portal's copy of an article (``n.news.naver.com``,
``v.daum.net``) is the sighting (``source_url``, its canonical portal URL); the item's ``url``
is the publisher's original when the listing or the copy names it, so the same story found on
the outlet's own site or on another portal is one article. Without an original, ``url`` is
the canonical portal URL. A hit the portal does not host is fetched at the publisher's URL,
which is then both.

Requests are built from the real URLs; ``CLIPPER_PORTAL_MIRROR_URL`` (the offline mirror)
only changes where they are sent (:func:`via_mirror`), so identities are the real URLs
whichever host served the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import scrapy

from clipper.text.dates import parse_date
from clipper.text.urls import canonical_url, daum_id, naver_ids
from spiders.article import ArticlePageSpider

# Hosts whose pages are portal pages, never a publisher's original.
PORTAL_DOMAINS = ("naver.com", "naver.net", "pstatic.net", "daum.net", "kakao.com", "google.com")
# Anchors on a portal copy that lead to the publisher (Naver: 기사원문, Daum: 원문 / 원문보기).
ORIGIN_LINKS = (
    "a.media_end_head_origin_link::attr(href)",  # Naver, current layout
    "a.btn_artialoriginal::attr(href)",  # Naver, legacy read.naver layout
    "//a[contains(normalize-space(.), '원문')]/@href",  # any portal, by its label
)


@dataclass(frozen=True)
class Hit:
    """One search result, as the listing states it."""

    link: str  # the page to fetch: the portal's copy, else the publisher's article
    original: str = ""  # the publisher's article URL, when the listing names it
    title: str = ""
    outlet_raw: str = ""
    published_raw: str = ""  # as printed: "3시간 전", "2026.05.24.", an RFC 822 date


def host_of(url: str) -> str:
    try:
        return (urlsplit((url or "").strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


def is_portal_url(url: str) -> bool:
    host = host_of(url)
    return any(host == d or host.endswith("." + d) for d in PORTAL_DOMAINS)


def publisher_link(href: str) -> str:
    """``href`` when it can be a publisher's article (http(s), off the portals, with a path
    beyond the site's front page); ``""`` otherwise."""
    if not canonical_url(href) or is_portal_url(href):
        return ""
    path = urlsplit(href.strip()).path
    return href.strip() if path not in ("", "/") else ""


def portal_copy_id(url: str) -> str:
    """The canonical URL of a Naver or Daum article copy, ``""`` for any other page."""
    return canonical_url(url) if (naver_ids(url) or daum_id(url)) else ""


def via_mirror(url: str, mirror: str) -> str:
    """Where to send a request for ``url``: itself, or with ``mirror`` set
    (``CLIPPER_PORTAL_MIRROR_URL``) ``{mirror}/{host}{path}?{query}``: the offline mirror
    stands in for every host a portal spider visits. Requests are built from the real URLs
    either way, so identities never change."""
    if not mirror:
        return url
    parts = urlsplit(url)
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{mirror.rstrip('/')}/{parts.hostname}{rest}"


def from_mirror(url: str, mirror: str) -> str:
    """The real URL behind a mirror URL (the inverse of :func:`via_mirror`, read as https:
    the mirror only serves https hosts); ``url`` itself when it is not the mirror's."""
    base = mirror.rstrip("/") + "/" if mirror else ""
    if not base or not url.startswith(base):
        return url
    return "https://" + url[len(base) :]


class PortalSearchSpider(ArticlePageSpider):
    """Base for keyword searches on a portal. Subclasses define :meth:`search_request` and
    :meth:`parse_hits`; ``page_limit`` caps the pages per keyword (what the portal serves)."""

    source_kind = "portal"
    page_limit = 40

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Per keyword: the hit links already listed, to notice a portal repeating its last page.
        self._listed: dict[str, set[str]] = {}

    # --- to define in a leaf spider --------------------------------------------------------

    def search_request(self, keyword: str, page: int) -> scrapy.Request:
        raise NotImplementedError

    def parse_hits(self, response) -> list[Hit]:
        raise NotImplementedError

    def request_url(self, url: str) -> str:
        """Where to send a request for ``url`` (the mirror in tests and the demo)."""
        return via_mirror(url, self.settings.get("CLIPPER_PORTAL_MIRROR_URL", ""))

    def fetch_url(self, hit: Hit) -> str:
        return self.request_url(hit.link)

    # --- crawl -------------------------------------------------------------------------------

    async def start(self):
        for keyword in self.keywords:
            yield self.search_request(keyword, 1)

    def parse(self, response, keyword: str = "", page: int = 1):
        hits = self.parse_hits(response)
        self.count_listing(len(hits))
        for hit in hits:
            # A redesign shows here first: hits found, but fields the listing no longer gives.
            for field in ("title", "outlet_raw", "published_raw"):
                if not getattr(hit, field):
                    self.count(f"hit/no_{field.removesuffix('_raw')}")
        if not hits:
            self.logger.info(
                "No results on page %d for %r (%s): stopping", page, keyword, response.url
            )
            return
        now = self.now()
        dated = [
            (hit, parse_date(hit.published_raw, now) if hit.published_raw else None) for hit in hits
        ]
        known = self.is_known([self.sighting(hit) for hit in hits])
        for hit, published in dated:
            if not self.in_window(published.date() if published else None):
                self.count("hit/out_of_window")
                continue
            request = self.hit_request(hit, published, known)
            if request is not None:
                yield request
        if not self.should_stop(dated, known, keyword, page):
            yield self.search_request(keyword, page + 1)

    def hit_request(self, hit: Hit, published: datetime | None, known: set[str]):
        hints = {
            "url": hit.original,
            "title": hit.title,
            "outlet_raw": hit.outlet_raw,
            "published_raw": hit.published_raw,
            "published": published,
        }
        return self.article_request(
            self.fetch_url(hit), source_url=self.sighting(hit), meta_item=hints, known=known
        )

    def sighting(self, hit: Hit) -> str:
        """The canonical URL of the page a hit is seen on (what ``known_urls`` checks)."""
        return canonical_url(hit.link)

    def should_stop(self, dated, known: set[str], keyword: str, page: int) -> bool:
        listed = self._listed.setdefault(keyword, set())
        links = {self.sighting(hit) for hit, _ in dated}
        fresh = links - listed
        listed.update(links)
        if not fresh:
            self.logger.info("Page %d for %r only repeats earlier results: stopping", page, keyword)
            return True
        if self.may_stop_at_known_page() and links <= known:
            self.logger.info("Every result on page %d for %r is stored: stopping", page, keyword)
            return True
        days = [published.date() for _, published in dated if published is not None]
        if self.since and days and all(day < self.since for day in days):
            self.logger.info(
                "Page %d for %r is older than since=%s: stopping", page, keyword, self.since
            )
            return True
        limit = min(self.max_pages or self.page_limit, self.page_limit)
        if page >= limit:
            self.logger.info("Reached page %d for %r (the limit): stopping", page, keyword)
            return True
        return False

    # --- article pages -----------------------------------------------------------------------

    def parse_article(self, response, **hints) -> Iterator:
        """The base extraction, with the item's ``url`` set to the publisher's original: the
        listing's, else the copy's own 원문 link, else the canonical portal URL."""
        source_url = hints.get("source_url") or ""
        if not hints.get("url") and portal_copy_id(source_url):
            hints["url"] = self.origin_link(response) or source_url
            self.count("original/" + ("from_page" if hints["url"] != source_url else "missing"))
        elif hints.get("url"):
            self.count("original/from_listing")
        yield from super().parse_article(response, **hints)

    def origin_link(self, response) -> str:
        for selector in ORIGIN_LINKS:
            query = response.xpath if selector.startswith("/") else response.css
            for href in query(selector).getall():
                link = publisher_link(response.urljoin(href))
                if link:
                    return link
        return ""
