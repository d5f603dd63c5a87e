"""Shared base for spiders that land on article pages (an outlet's or a portal's).

A leaf spider finds article links on its listings (a search, a feed, a portal's results)
and hands them to :meth:`ArticlePageSpider.article_request`; the page is then extracted by
:meth:`ArticlePageSpider.parse_article` through the layered extractor
(:func:`clipper.extract.extract_article`; in a worker process as the page arrives when
:mod:`clipper.middlewares.workers` is on), which never returns nothing silently: every field
is counted as ``clipper/extract/<field>/<layer>`` or ``clipper/extract/<field>/missing``, so
a layout change that drops a site's selectors shows as a shift to the generic layers.

``url`` vs ``source_url`` (one article, many sightings): ``source_url`` is the canonical URL
of the page a spider fetched (the sighting; what ``known_urls`` checks), ``url`` the
canonical URL of the article itself. On an outlet's own page both are the same. A portal
page that names its publisher's original passes it as the ``url`` hint, so the portal copy and
the outlet page (fetched by an outlet spider) are one article with two sightings.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import scrapy

from clipper.extract import Extracted, SiteRules
from clipper.items import ArticleItem
from clipper.middlewares.workers import EXTRACT_META, extract_page, take_extracted
from clipper.text.dates import parse_date
from clipper.text.encoding import charset_from_content_type
from clipper.text.relevance import DEFAULT_TERMS, match_terms
from clipper.text.urls import canonical_url, declared_canonical
from spiders.base import ClipperSpider

# Fields whose extraction layer is counted; "missing" when no layer found one.
COVERAGE_FIELDS = ("title", "published", "author", "outlet", "body")
# What search-driven spiders ask for when CLIPPER_KEYWORDS is empty: each keyword costs a
# search per site, and these two name the topic in most headlines (see clipper.text.relevance).
DEFAULT_KEYWORDS: tuple[str, ...] = DEFAULT_TERMS[:2]


def declared_url(page_url: str, found: Extracted) -> str:
    """The URL a page declares for itself (``<link rel=canonical>``, else ``og:url``, read by
    the extractor from the tree it already parsed), absolute; "" when none."""
    href = found.canonical.strip()
    return urljoin(page_url, href) if href else ""


class ArticlePageSpider(ClipperSpider):
    """Base for spiders that fetch article pages; subclasses set ``source_kind``."""

    # "portal", "outlet" or "feed": what kind of page the spider's listings are.
    source_kind = "outlet"
    # Selectors for every page this spider fetches; None lets the extractor choose by host,
    # URL shape (the local-news CMS) or markup (clipper.extract.rules_for).
    site_rules: SiteRules | None = None
    # Article pages are extracted in worker processes as they arrive (clipper.middlewares.workers,
    # CLIPPER_EXTRACT_WORKERS); spiders without this attribute start no workers.
    extract_in_workers = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Canonical page URLs requested in this crawl: a search and a feed often list the
        # same article under different links (with and without the search parameters).
        self._requested: set[str] = set()

    # --- settings ------------------------------------------------------------------------

    @property
    def keywords(self) -> list[str]:
        """What to search for: ``CLIPPER_KEYWORDS``, else :data:`DEFAULT_KEYWORDS`."""
        configured = [k.strip() for k in self.settings.getlist("CLIPPER_KEYWORDS") if k.strip()]
        return configured or list(DEFAULT_KEYWORDS)

    @property
    def filter_terms(self) -> list[str]:
        """Terms that make a feed entry worth fetching: the relevance terms plus keywords.

        Filtering a feed costs nothing, so it uses the whole relevance list, not only what
        the spider searches for.
        """
        terms = self.settings.getlist("CLIPPER_RELEVANCE_TERMS") or list(DEFAULT_TERMS)
        return list(dict.fromkeys([*terms, *self.keywords]))

    def wants_entry(self, text: str, published_raw: str = "", *, stat: str = "entries") -> bool:
        """Whether a feed entry (its title and summary as ``text``) is worth fetching: dated
        inside ``since``/``until`` (undated passes) and naming one of :attr:`filter_terms`.
        Counted as ``clipper/<spider>/<stat>/{matched,unmatched,outside_window}``."""
        published = parse_date(published_raw, self.now()) if published_raw else None
        if not self.in_window(published.date() if published else None):
            self.count(f"{stat}/outside_window")
            return False
        if not match_terms(text, self.filter_terms):
            self.count(f"{stat}/unmatched")
            return False
        self.count(f"{stat}/matched")
        return True

    def count(self, key: str, value: int = 1) -> None:
        """Increment ``clipper/<spider>/<key>``."""
        self.crawler.stats.inc_value(f"clipper/{self.name}/{key}", value)

    # --- requests ------------------------------------------------------------------------

    def article_request(
        self,
        url: str,
        *,
        source_url: str | None = None,
        meta_item: dict[str, Any] | None = None,
        priority: int = 0,
        callback=None,
        errback=None,
        known: set[str] | None = None,
    ) -> scrapy.Request | None:
        """A request for the article page ``url``, or None when it need not be fetched.

        ``source_url`` is the sighting's identity (default: the canonical form of ``url``);
        it is skipped when the store already knows it (unless ``full``; counted as
        ``article/skipped_known``) or was already requested in this crawl
        (``article/skipped_duplicate``). ``meta_item`` holds hints from the listing, passed
        to :meth:`parse_article` as keyword arguments (``outlet_raw``, ``published_raw``,
        ``title``, ``url``, …). The page itself is fetched as linked: the canonical form is
        an identity and may not be served (a stripped ``www.``). A listing that looked its
        page's URLs up at once (:meth:`is_known`) passes the result as ``known``, saving a
        database query per article.
        """
        source = source_url or canonical_url(url)
        if not source:
            self.count("article/bad_url")
            return None
        if source in self._requested:
            self.count("article/skipped_duplicate")
            return None
        self._requested.add(source)
        if known is None:
            known = self.is_known([source])
        if source in known:
            self.count("article/skipped_known")
            return None
        callback = callback or self.parse_article
        return scrapy.Request(
            url,
            callback=callback,
            errback=errback,
            priority=priority,
            cb_kwargs={**(meta_item or {}), "source_url": source},
            # parse_article's extraction may run in a worker as the page arrives.
            meta={EXTRACT_META: True} if callback == self.parse_article else None,
        )

    def is_known(self, urls: list[str]) -> set[str]:
        """The canonical forms of ``urls`` the store knows (empty on a full crawl)."""
        canonical = [c for c in (canonical_url(u) for u in urls) if c]
        return set() if self.full or not canonical else self.known_urls(canonical)

    # --- article pages -------------------------------------------------------------------

    def parse_article(
        self,
        response,
        *,
        source_url: str | None = None,
        url: str | None = None,
        outlet_raw: str = "",
        published_raw: str = "",
        published: datetime | None = None,
        title: str = "",
        author: str = "",
        region_tag: str = "",
        site_domain: str = "",
        extra: dict[str, Any] | None = None,
    ) -> Iterator[ArticleItem]:
        """Extract the article on ``response`` into one item.

        The article's ``url`` is the ``url`` hint (the original article, when the fetched
        page is a portal's copy), else the URL the page declares for itself when it can be
        trusted (:func:`clipper.text.urls.declared_canonical`; ``site_domain`` is the publisher's
        domain from the source's data), else the fetched page's canonical URL.

        Other hints come from the listing: ``outlet_raw`` (wins over the page: a listing names its outlet
        more reliably than a page's copyright line), and ``title``/``published_raw``/
        ``published``/``author``, which only fill what the page lacks.
        """
        fetched = canonical_url(response.url)
        done = take_extracted(response)
        if done is not None:
            found, html_hash, prepared = done.found, done.html_hash, done.prepared
        else:
            found, html_hash = extract_page(
                response.body,
                response.url,
                charset_from_content_type(response.headers.get("Content-Type")),
                self.site_rules,
                self.now(),
            )
            prepared = None  # the stages do their own work
        self.record_coverage(found.fields_from)
        own = declared_canonical(response.url, declared_url(response.url, found), site_domain)
        if own and own != fetched and not url:
            self.count("article/url_declared")
        if found.published is not None:
            published_raw, published = found.published_raw, found.published
        yield ArticleItem(
            url=canonical_url(url or "") or own or fetched,
            source_url=canonical_url(source_url or "") or fetched,
            spider=self.name,
            fetched_at=self.now(),
            title=found.title or title,
            body=found.body,
            published_raw=published_raw,
            published=published,
            outlet_raw=outlet_raw or found.outlet,
            region_tag=region_tag,
            author=found.author or author,
            html_hash=html_hash,
            extra={
                "source_kind": self.source_kind,
                "encoding": found.encoding,
                **(extra or {}),
            },
            prepared=prepared,
        )

    def record_coverage(self, fields_from: dict[str, str]) -> None:
        """Count which layer gave each field: ``clipper/extract/<field>/<layer|missing>``."""
        stats = self.crawler.stats
        for name in COVERAGE_FIELDS:
            stats.inc_value(f"clipper/extract/{name}/{fields_from.get(name, 'missing')}")
