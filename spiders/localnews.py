"""Local and regional outlets on the shared news CMS (``/news/articleView.html?idxno=N``).

The outlets are data: one row each in ``clipper/data/localnews_sites.csv`` (domain, base URL,
name, home region; ``CLIPPER_LOCALNEWS_SITES`` names another CSV). Adding an outlet that runs
this CMS is a row, no code. For each site the spider reads

- the keyword search, newest first: ``/news/articleList.html?sc_area=A&view_type=sm&
  sc_word={keyword}&sc_order_by=E&page={n}`` (with ``sc_sdate``/``sc_edate`` for
  ``since``/``until``), paging until a page lists nothing new, is older than ``since``,
  is wholly stored (incremental runs), reaches ``max_pages`` or is the pager's last;
- the full-article feed ``/rss/allArticle.xml``, keeping entries that name the topic;

(``-a mode=search|feed|both``, default both; ``-a site=<domain>`` for one site). List pages
are read by their links to ``articleView.html?idxno=``, inside the list container of either
skin, else anywhere outside header/nav/aside/footer (a redesign; counted as
``clipper/localnews/listing/generic``). Articles go through the layered extractor, whose
``LOCAL_CMS_RULES`` know both skins. The article's own page is its sighting: ``source_url``
is its canonical ``…/news/articleView.html?idxno=N``, and ``url`` the same, or the URL the
page declares for itself on the site's ``domain`` (the same article fetched from another
host, such as the offline mirror).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import scrapy
from parsel import Selector

from clipper.text.dates import parse_day
from clipper.text.encoding import response_text
from clipper.text.urls import canonical_url
from spiders.article import ArticlePageSpider
from spiders.rss import feed_entries

MODES = ("search", "feed", "both")
IDXNO = re.compile(r"articleView\.html\?(?:[^\"'#]*&)?idxno=(\d+)")
PAGE = re.compile(r"[?&]page=(\d+)")
# The list container of the old skin, the newer skin and older variants of both.
LIST_CONTAINERS = (
    "#section-list",
    "section.article-list-content",
    "#user-container .article-list",
    "#user-container .list-block",
)
ARTICLE_LINKS = "a[href*='articleView.html']"
# Outside these a link is a result, when the page has no known list container.
CHROME = "ancestor::*[self::header or self::nav or self::aside or self::footer]"
# Rows a full list page holds on the real sites; a page without a pager that holds fewer
# is taken as the last one.
FULL_PAGE = 20


@dataclass(frozen=True)
class Site:
    domain: str
    base_url: str  # without a trailing slash
    name: str
    home_region: str

    def search_url(self, keyword: str, page: int, since: date | None, until: date | None) -> str:
        query = {"sc_area": "A", "view_type": "sm", "sc_word": keyword, "sc_order_by": "E"}
        if since or until:
            query["sc_sdate"] = since.isoformat() if since else ""
            query["sc_edate"] = until.isoformat() if until else ""
        query["page"] = str(page)
        return f"{self.base_url}/news/articleList.html?{urlencode(query)}"

    @property
    def feed_url(self) -> str:
        return f"{self.base_url}/rss/allArticle.xml"

    def matches(self, wanted: str) -> bool:
        """Whether ``-a site=wanted`` names this site: its domain or its host, www or not."""
        host = (urlsplit(self.base_url).hostname or "").lower()
        wanted = wanted.strip().lower().removeprefix("www.")
        return wanted in (self.domain.lower(), host, host.removeprefix("www."))


@dataclass(frozen=True)
class ListEntry:
    url: str  # absolute, as linked
    idxno: int
    day: date | None  # from the row's text, None when the row shows no date


def load_sites(path: str | Path | None = None) -> list[Site]:
    """Rows of the sites CSV (``domain,base_url,name,home_region``); the packaged list by
    default."""
    if path:
        text = Path(path).read_text(encoding="utf-8-sig")
    else:
        text = files("clipper").joinpath("data/localnews_sites.csv").read_text("utf-8-sig")
    sites = []
    for row in csv.DictReader(io.StringIO(text)):
        base = (row.get("base_url") or "").strip().rstrip("/")
        if not base or base.startswith("#"):
            continue
        domain = (row.get("domain") or "").strip() or (urlsplit(base).hostname or "")
        name, region = (row.get("name") or "").strip(), (row.get("home_region") or "").strip()
        sites.append(Site(domain, base, name, region))
    return sites


class _RowDays:
    """The day printed in the row around each result link of one list page.

    A row is the nearest ancestor of a link (up to four levels) that holds a date and no
    other article's link. The article ids an ancestor holds and the day it shows are worked
    out once per ancestor: the links of one block share their ancestors, and working them out
    per link made a page quadratic in its links (8,000 links in one block: a minute).
    """

    def __init__(self) -> None:
        self._ids: dict[object, frozenset[str]] = {}
        self._days: dict[object, date | None] = {}

    def ids(self, element) -> frozenset[str]:
        if element not in self._ids:
            self._ids[element] = frozenset(
                m.group(1) for href in element.xpath(".//a/@href") if (m := IDXNO.search(href))
            )
        return self._ids[element]

    def day_of(self, element) -> date | None:
        if element not in self._days:
            self._days[element] = parse_day(element.text_content())
        return self._days[element]

    def __call__(self, link) -> date | None:
        element = link.root
        own = IDXNO.search(link.attrib.get("href", ""))
        for _ in range(4):
            element = element.getparent()
            if element is None:
                return None
            ids = self.ids(element)
            if own and (len(ids) > 1 or (ids and own.group(1) not in ids)):
                return None  # reached the list itself
            day = self.day_of(element)
            if day:
                return day
        return None


def parse_list(sel: Selector, page_url: str) -> tuple[list[ListEntry], bool]:
    """The result entries of a search list page, and whether a known container held them.

    Entries are unique by idxno, in page order.
    """
    links, in_container = [], False
    for container in LIST_CONTAINERS:
        links = sel.css(container).css(ARTICLE_LINKS)
        if links:
            in_container = True
            break
    if not in_container:
        links = [a for a in sel.css(ARTICLE_LINKS) if not a.xpath(CHROME)]
    entries: dict[int, ListEntry] = {}
    row_day = _RowDays()
    for link in links:
        href = link.attrib.get("href", "")
        match = IDXNO.search(href)
        if not match or int(match.group(1)) in entries:
            continue
        idxno = int(match.group(1))
        entries[idxno] = ListEntry(urljoin(page_url, href), idxno, row_day(link))
    return list(entries.values()), in_container


def parse_last_page(sel: Selector) -> int | None:
    """The highest page the pager links to; None when there are no pager links."""
    pages = [
        int(match.group(1))
        for href in sel.css("a[href*='articleList.html']::attr(href)").getall()
        if (match := PAGE.search(href))
    ]
    return max(pages, default=None)


class LocalNewsSpider(ArticlePageSpider):
    name = "localnews"
    source_kind = "outlet"

    def __init__(self, *args, mode: str = "both", site: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if mode not in MODES:
            raise ValueError(f"-a mode= expects one of {', '.join(MODES)}, got {mode!r}")
        self.mode = mode
        self.only_site = (site or "").strip()
        # idxnos listed so far per (site, keyword): a site past its last page may repeat one.
        self._listed: dict[tuple[str, str], set[int]] = {}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.sites()  # an unreadable CSV or a bad -a site= fails before the crawl starts
        return spider

    def sites(self) -> list[Site]:
        sites = load_sites(self.settings.get("CLIPPER_LOCALNEWS_SITES") or None)
        if self.only_site:
            sites = [site for site in sites if site.matches(self.only_site)]
            if not sites:
                raise ValueError(f"-a site={self.only_site!r} is not in the local-news sites CSV")
        return sites

    async def start(self):
        for site in self.sites():
            if self.mode in ("search", "both"):
                for keyword in self.keywords:
                    yield self.search_request(site, keyword, 1)
            if self.mode in ("feed", "both"):
                yield scrapy.Request(
                    site.feed_url,
                    callback=self.parse_feed,
                    errback=self.download_failed,
                    cb_kwargs={"site": site},
                )

    def search_request(self, site: Site, keyword: str, page: int) -> scrapy.Request:
        return scrapy.Request(
            site.search_url(keyword, page, self.since, self.until),
            callback=self.parse,
            cb_kwargs={"site": site, "keyword": keyword, "page": page},
        )

    def _hints(self, site: Site, **more) -> dict:
        return {
            "outlet_raw": site.name,
            "site_domain": site.domain,
            "extra": {"outlet_home_region": site.home_region},
            **more,
        }

    # --- Search list pages ------------------------------------------------------------------

    def parse(self, response, site: Site, keyword: str, page: int = 1):
        sel = Selector(text=response_text(response))
        entries, in_container = parse_list(sel, response.url)
        self.count_listing(len(entries))
        if entries and not in_container:
            self.count("listing/generic")
            self.logger.warning("No known list container on %s: read its links", response.url)
        listed = self._listed.setdefault((site.domain, keyword), set())
        fresh = [e for e in entries if e.idxno not in listed]
        listed.update(e.idxno for e in entries)
        known = self.is_known([e.url for e in entries])
        for entry in fresh:
            if not self.in_window(entry.day):
                continue
            request = self.article_request(entry.url, meta_item=self._hints(site), known=known)
            if request is not None:
                yield request
        if not self._should_stop(entries, fresh, known, sel, page, response.url):
            yield self.search_request(site, keyword, page + 1)

    def _should_stop(self, entries, fresh, known, sel, page: int, url: str) -> bool:
        if not entries:
            self.logger.info("No results on %s: stopping", url)
            return True
        if not fresh:
            self.logger.info("List page %d repeats what was listed: stopping (%s)", page, url)
            return True
        if self.may_stop_at_known_page() and all(canonical_url(e.url) in known for e in entries):
            self.logger.info("Every result on list page %d is stored: stopping (%s)", page, url)
            return True
        days = [e.day for e in entries if e.day is not None]
        if self.since and days and all(day < self.since for day in days):
            self.logger.info("List page %d is older than since=%s: stopping", page, self.since)
            return True
        if self.max_pages is not None and page >= self.max_pages:
            self.logger.info("Reached max_pages=%d: stopping (%s)", self.max_pages, url)
            return True
        last = parse_last_page(sel)
        if last is None:
            return len(entries) < FULL_PAGE
        return last <= page

    # --- Feed -------------------------------------------------------------------------------

    def parse_feed(self, response, site: Site):
        entries = feed_entries(self, response)
        wanted = [
            entry
            for entry in entries
            if self.wants_entry(f"{entry.title}\n{entry.summary}", entry.published_raw, stat="feed")
        ]
        known = self.is_known([entry.link for entry in wanted])
        for entry in wanted:
            hints = self._hints(site, published_raw=entry.published_raw, title=entry.title)
            request = self.article_request(entry.link, meta_item=hints, known=known)
            if request is not None:
                yield request
