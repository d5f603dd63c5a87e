"""Outlet RSS/Atom feeds: entries that name the topic, then their article pages.

The feeds are data (``clipper/data/rss_feeds.csv``: url, outlet, home region; the setting
``CLIPPER_RSS_FEEDS`` names another CSV). Each feed is decoded with
:func:`clipper.text.encoding.decode_html` (an EUC-KR label is read as cp949, UTF-8 bytes under an
EUC-KR label as UTF-8), its entries are filtered by the relevance terms and keywords in the
title and summary, and each matching entry's page is fetched and extracted by
:class:`~spiders.article.ArticlePageSpider`.

When the article page answers 404/410 (a removed story, a feed pointing at a dead path) the
entry becomes a degraded item from the feed's own title, summary and date
(``extra["degraded"] = "feed_entry"``), counted as ``clipper/rss/article/degraded``. Other
failures (timeouts, 5xx after retries) yield nothing, so the next run fetches the page again.
``source_url`` is the article page's canonical URL (the page is where the article was seen;
the feed is only how it was found); ``url`` is the URL the page declares for itself when it
lies on the outlet's ``domain`` (a CSV column), else the same.

Feeds are bounded (issue 13, item 9; docs/operations.md "Feed limits"): a feed larger than
``DOWNLOAD_MAXSIZE`` is cancelled by the downloader and reported as a failed download (an
ERROR, so the run fails and says which feed); of a feed listing more than
``CLIPPER_FEED_MAX_ITEMS`` entries only the first (newest) that many are read, the others
counted as ``clipper/<spider>/feed/entries_truncated`` with a warning naming the feed. Feeds
are parsed an entry at a time, so no feed becomes one tree of all its entries.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import scrapy
from bs4 import BeautifulSoup
from lxml import etree
from parsel import Selector
from scrapy.spidermiddlewares.httperror import HttpError

from clipper.items import ArticleItem, ItemExtra
from clipper.text.encoding import response_text
from clipper.text.urls import canonical_url, declared_canonical
from spiders.article import ArticlePageSpider

DEGRADE_STATUSES = {404, 410}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CDATA_START, _CDATA_END = "<![CDATA[", "]]>"
# An "&" that starts no entity: feeds print query strings raw (?id=5&cat=2), and lxml's
# recovery would drop "&cat" as an unknown entity.
_BARE_AMPERSAND = re.compile(r"&(?!(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#x[0-9A-Fa-f]+);)")
_ENTRY = "//*[local-name()='item' or local-name()='entry']"
_SUMMARY = ("description", "summary", "encoded", "content")
_DATE = ("pubDate", "published", "updated", "date")
_AUTHOR = ("author", "creator")
# Entries read per feed (CLIPPER_FEED_MAX_ITEMS): real feeds list 10 to a few hundred; each
# entry read may become a queued request, so a feed of 75,000 queued them all (~450 MB).
DEFAULT_FEED_MAX_ITEMS = 1000


@dataclass(frozen=True)
class FeedEntry:
    title: str
    link: str
    summary: str  # plain text
    published_raw: str
    author: str
    permalink: str = ""  # the guid, when it is a permalink


@dataclass(frozen=True)
class FeedSource:
    url: str
    outlet: str
    home_region: str
    domain: str = ""  # the outlet's own domain, where its pages' declared URLs may lie


def _child_text(entry: Selector, names: tuple[str, ...]) -> str:
    for name in names:
        # Atom <author><name>…</name></author> and RSS <author>text</author> alike.
        value = entry.xpath(f"string(*[local-name()='{name}'])").get("")
        if value.strip():
            return value.strip()
    return ""


def html_to_text(fragment: str) -> str:
    """Feed summaries are HTML (in CDATA, or escaped once more): their text, one line each."""
    if "<" not in fragment and "&" not in fragment:
        return " ".join(fragment.split())
    soup = BeautifulSoup(fragment, "lxml")
    lines = (" ".join(line.split()) for line in soup.get_text("\n").splitlines())
    return "\n".join(line for line in lines if line)


def _link(entry: Selector) -> str:
    # RSS: <link>url</link>; Atom: <link rel="alternate" href="url"/> (rel may be absent).
    text = entry.xpath("string(*[local-name()='link'])").get("").strip()
    if text:
        return text
    for href in entry.xpath("*[local-name()='link'][not(@rel) or @rel='alternate']/@href").getall():
        if href.strip():
            return href.strip()
    return _permalink(entry)


def _permalink(entry: Selector) -> str:
    guid = entry.xpath("*[local-name()='guid'][not(@isPermaLink='false')]/text()").get("")
    return guid.strip() if guid.strip().startswith("http") else ""


@dataclass(frozen=True)
class Feed:
    entries: list[FeedEntry]  # the entries read, in feed order
    listed: int  # entries the feed holds, read or not (with a link or not)
    read: int = 0  # entries looked at (up to the cap)

    @property
    def truncated(self) -> int:
        """Entries past the cap, not read."""
        return max(0, self.listed - self.read)


def _escape_bare_ampersands(body: str) -> str:
    """``body`` with every bare ``&`` outside CDATA sections escaped, in one pass (a regex
    for whole sections rescans to the end from every unclosed ``<![CDATA[``)."""
    parts, position = [], 0
    while True:
        start = body.find(_CDATA_START, position)
        end = body.find(_CDATA_END, start + len(_CDATA_START)) if start >= 0 else -1
        if end < 0:
            parts.append(_BARE_AMPERSAND.sub("&amp;", body[position:]))
            return "".join(parts)
        end += len(_CDATA_END)
        parts.append(_BARE_AMPERSAND.sub("&amp;", body[position:start]))
        parts.append(body[start:end])
        position = end


_ENTRY_NAMES = frozenset({"item", "entry"})
_FEED_CHUNK = 1 << 16  # characters fed to the parser at a time


def _entry_elements(body: str) -> Iterator[object]:
    """The feed's entry elements in document order, parsed incrementally: each entry is
    yielded when its end tag is read and cleared once the caller moves on, so a feed of
    75,000 entries never becomes one tree of 75,000 (recovering from broken markup as a
    whole-document parse would)."""
    parser = etree.XMLPullParser(
        events=("end",), recover=True, huge_tree=True, resolve_entities=False,
        remove_comments=True, no_network=True,
    )  # fmt: skip

    def entries():
        for _event, element in parser.read_events():
            if isinstance(element.tag, str) and etree.QName(element).localname in _ENTRY_NAMES:
                yield element
                element.clear(keep_tail=True)
                # Entries read before this one are gone for good: drop them from the tree.
                while element.getprevious() is not None:
                    del element.getparent()[0]

    for start in range(0, len(body), _FEED_CHUNK):
        parser.feed(body[start : start + _FEED_CHUNK])
        yield from entries()
    # Not XML at all, or cut short: what was read stands.
    with contextlib.suppress(etree.XMLSyntaxError):
        parser.close()
    yield from entries()


def _feed_entry(element) -> FeedEntry | None:
    entry = Selector(root=element, type="xml")
    link = _link(entry)
    if not link:
        return None
    return FeedEntry(
        title=" ".join(html_to_text(_child_text(entry, ("title",))).split()),
        link=link,
        summary=html_to_text(_child_text(entry, _SUMMARY)),
        published_raw=_child_text(entry, _DATE),
        author=" ".join(_child_text(entry, _AUTHOR).split()),
        permalink=_permalink(entry),
    )


def read_feed(text: str, max_items: int | None = None) -> Feed:
    """The entries of an RSS (0.9x/2.0) or Atom feed given as decoded text: the first
    ``max_items`` (all when None), and how many the feed holds.

    Entries without a link are skipped. The XML declaration is dropped (the text is already
    decoded, and lxml refuses a str that declares an encoding). A bare ``&`` (a raw query
    string in a link) is escaped first; lxml recovers from other broken markup. Entries past
    ``max_items`` are only counted.
    """
    body = _XML_DECLARATION.sub("", text or "", count=1).strip()
    if not body:
        return Feed([], 0)
    entries, listed = [], 0
    for element in _entry_elements(_escape_bare_ampersands(body)):
        listed += 1
        if max_items is None or listed <= max_items:
            entry = _feed_entry(element)
            if entry is not None:
                entries.append(entry)
    read = listed if max_items is None else min(listed, max_items)
    return Feed(entries, listed, read)


def parse_feed(text: str) -> list[FeedEntry]:
    """Every entry of a feed (:func:`read_feed` without a cap); [] if none."""
    return read_feed(text).entries


def feed_entries(spider: ArticlePageSpider, response) -> list[FeedEntry]:
    """The entries a spider reads from a feed response: at most ``CLIPPER_FEED_MAX_ITEMS``,
    the rest counted (``clipper/<spider>/feed/entries_truncated``) and said; the listing
    counted."""
    cap = spider.settings.getint("CLIPPER_FEED_MAX_ITEMS", DEFAULT_FEED_MAX_ITEMS)
    feed = read_feed(response_text(response), cap if cap > 0 else None)
    spider.count_listing(len(feed.entries))
    if feed.truncated:
        spider.count("feed/truncated")
        spider.count("feed/entries_truncated", feed.truncated)
        spider.logger.warning(
            "Feed %s lists %d entries: read the first %d (CLIPPER_FEED_MAX_ITEMS), %d not read",
            response.url,
            feed.listed,
            feed.read,
            feed.truncated,
        )
    return feed.entries


def load_feed_sources(path: str | Path | None = None) -> list[FeedSource]:
    """Rows of the feeds CSV (``url,outlet,home_region[,domain]``); the packaged list by
    default."""
    if path:
        text = Path(path).read_text(encoding="utf-8-sig")
    else:
        text = files("clipper").joinpath("data/rss_feeds.csv").read_text(encoding="utf-8-sig")
    rows = csv.DictReader(io.StringIO(text))
    return [
        FeedSource(row["url"].strip(), (row.get("outlet") or "").strip(),
                   (row.get("home_region") or "").strip(), (row.get("domain") or "").strip())
        for row in rows
        if (row.get("url") or "").strip() and not row["url"].lstrip().startswith("#")
    ]  # fmt: skip


class RssSpider(ArticlePageSpider):
    name = "rss"
    source_kind = "feed"

    def __init__(self, *args, feed: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # -a feed=<part of a feed URL or outlet name>: crawl only the matching feeds.
        self.only = (feed or "").strip()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.feed_sources()  # an unreadable CSV or a bad -a feed= fails before the crawl
        return spider

    def feed_sources(self) -> list[FeedSource]:
        sources = load_feed_sources(self.settings.get("CLIPPER_RSS_FEEDS") or None)
        if self.only:
            sources = [s for s in sources if self.only in s.url or self.only == s.outlet]
            if not sources:
                raise ValueError(f"-a feed={self.only!r} matches no feed in the feeds CSV")
        return sources

    async def start(self):
        for source in self.feed_sources():
            # A feed that cannot be had (over DOWNLOAD_MAXSIZE, 5xx after retries) is a failed
            # download with its reason, not a traceback.
            yield scrapy.Request(
                source.url,
                callback=self.parse,
                errback=self.download_failed,
                cb_kwargs={"source": source},
            )

    def parse(self, response, source: FeedSource):
        entries = feed_entries(self, response)
        if not entries:
            self.logger.warning("No entries in the feed %s", response.url)
        wanted = [
            entry
            for entry in entries
            if self.wants_entry(f"{entry.title}\n{entry.summary}", entry.published_raw)
        ]
        known = self.is_known([entry.link for entry in wanted])
        for entry in wanted:
            request = self.article_request(
                entry.link,
                meta_item=self._hints(entry, source),
                known=known,
                errback=self.article_failed,
            )
            if request is not None:
                yield request

    def _hints(self, entry: FeedEntry, source: FeedSource) -> dict:
        extra: ItemExtra = {}
        if source.home_region:
            # A source fact for the region stage; the outlet stage replaces it when the
            # registry knows the outlet.
            extra["outlet_home_region"] = source.home_region
        return {
            "outlet_raw": source.outlet,
            "published_raw": entry.published_raw,
            "title": entry.title,
            "author": entry.author,
            "site_domain": source.domain,
            "extra": extra,
            "feed_summary": entry.summary,
            "feed_permalink": entry.permalink,
        }

    def parse_article(self, response, *, feed_summary: str = "", feed_permalink: str = "", **hints):
        # The summary only matters when the page cannot be had (article_failed).
        yield from super().parse_article(response, **hints)

    def article_failed(self, failure) -> Iterator[ArticleItem]:
        request = failure.request
        hints = request.cb_kwargs
        status = failure.value.response.status if failure.check(HttpError) else None
        if status not in DEGRADE_STATUSES:
            self.count("article/failed")
            self.logger.warning("Article %s failed: %s", request.url, failure.getErrorMessage())
            return
        self.count("article/degraded")
        extra = dict(hints.get("extra") or {})
        # The guid, when it is a permalink on the outlet's site, names the article as its page
        # would have; else the link does.
        url = declared_canonical(
            request.url, hints.get("feed_permalink", ""), hints.get("site_domain", "")
        ) or canonical_url(request.url)
        yield ArticleItem(
            url=url,
            source_url=hints.get("source_url") or url,
            spider=self.name,
            fetched_at=self.now(),
            title=hints.get("title", ""),
            body=hints.get("feed_summary", ""),
            published_raw=hints.get("published_raw", ""),
            outlet_raw=hints.get("outlet_raw", ""),
            author=hints.get("author", ""),
            extra={**extra, "source_kind": self.source_kind, "degraded": "feed_entry"},
        )
