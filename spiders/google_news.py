"""Google News, Korean edition: the RSS search (``/rss/search?q=…&hl=ko&gl=KR&ceid=KR:ko``).

Each ``<item>`` has the title with a `` - <outlet>`` suffix, ``<source url="…">outlet</source>``,
``pubDate`` in GMT (read into KST) and a ``<link>`` that is an opaque
``news.google.com/rss/articles/CBMi…`` redirect, never the article's URL. That link is the
sighting (``source_url``). With ``CLIPPER_GOOGLE_NEWS_FOLLOW`` on (the default) the spider
requests it: when it redirects (HTTP or meta refresh) off Google, the target is extracted
and its canonical URL is the item's ``url``, so the entry joins the article the outlet's own
site or a portal gave. When it does not (the real site answers with a script page; the
setting is off), the item is a sighting only: ``url`` is the opaque link itself,
``extra["sighting_only"]`` is True and it has a title, outlet and date but no body.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import scrapy
from parsel import Selector

from clipper.items import ArticleItem
from clipper.text.dates import parse_date
from clipper.text.outlets import normalise_name
from clipper.text.urls import canonical_url
from spiders.article import ArticlePageSpider
from spiders.portal import from_mirror, host_of, via_mirror

GOOGLE_HOSTS = ("google.com", "google.co.kr")


@dataclass(frozen=True)
class Entry:
    link: str  # the opaque news.google.com link
    title: str  # without the " - outlet" suffix
    outlet: str
    outlet_url: str
    published_raw: str


def strip_outlet_suffix(title: str, outlet: str) -> str:
    """``title`` without a trailing `` - <outlet>``; only the named outlet is cut, since
    `` - `` also occurs inside headlines."""
    title = " ".join((title or "").split())
    head, sep, tail = title.rpartition(" - ")
    if sep and outlet and normalise_name(tail) == normalise_name(outlet):
        return head.strip()
    return title


def feed_entries(body: bytes | str) -> list[Entry]:
    """The items of a Google News RSS document; an item without a link is skipped."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if not body.strip():
        return []
    sel = Selector(text=body, type="xml")
    entries = []
    for item in sel.xpath("//item"):
        link = " ".join(item.xpath("link/text()").get("").split())
        if not canonical_url(link):
            continue
        outlet = " ".join(item.xpath("source/text()").get("").split())
        entries.append(
            Entry(
                link=link,
                title=strip_outlet_suffix(item.xpath("title/text()").get(""), outlet),
                outlet=outlet,
                outlet_url=item.xpath("source/@url").get("").strip(),
                published_raw=" ".join(item.xpath("pubDate/text()").get("").split()),
            )
        )
    return entries


def is_google(url: str) -> bool:
    host = host_of(url)
    return any(host == h or host.endswith("." + h) for h in GOOGLE_HOSTS)


class GoogleNewsSpider(ArticlePageSpider):
    name = "google_news"
    source_kind = "portal"

    @property
    def base_url(self) -> str:
        return self.settings.get("CLIPPER_GOOGLE_NEWS_URL").rstrip("/")

    @property
    def mirror(self) -> str:
        return self.settings.get("CLIPPER_PORTAL_MIRROR_URL", "")

    async def start(self):
        for keyword in self.keywords:
            query = {"q": keyword, "hl": "ko", "gl": "KR", "ceid": "KR:ko"}
            yield scrapy.Request(
                via_mirror(f"{self.base_url}/rss/search?{urlencode(query)}", self.mirror),
                callback=self.parse,
                cb_kwargs={"keyword": keyword},
            )

    def parse(self, response, keyword: str = ""):
        entries = feed_entries(response.body)
        self.count_listing(len(entries))
        if not entries:
            self.logger.info("No entries in the feed for %r (%s)", keyword, response.url)
        follow = self.settings.getbool("CLIPPER_GOOGLE_NEWS_FOLLOW", True)
        now = self.now()
        known = self.is_known([entry.link for entry in entries])
        for entry in entries:
            published = parse_date(entry.published_raw, now) if entry.published_raw else None
            if not self.in_window(published.date() if published else None):
                self.count("hit/out_of_window")
                continue
            hints = {
                "title": entry.title,
                "outlet_raw": entry.outlet,
                "published_raw": entry.published_raw,
                "published": published,
            }
            if follow:
                request = self.article_request(
                    via_mirror(entry.link, self.mirror),
                    source_url=canonical_url(entry.link),
                    meta_item=hints,
                    callback=self.parse_followed,
                    known=known,
                )
                if request is not None:
                    yield request
            elif self._first_sighting(entry.link, known):
                yield self.sighting_item(canonical_url(entry.link), **hints)

    def _first_sighting(self, link: str, known: set[str]) -> bool:
        source = canonical_url(link)
        if source in self._requested or source in known:
            self.count("article/skipped_" + ("duplicate" if source in self._requested else "known"))
            return False
        self._requested.add(source)
        return True

    def parse_followed(self, response, source_url: str, **hints):
        """The opaque link's answer: the article when it redirected off Google, else the
        sighting alone."""
        target = from_mirror(response.url, self.mirror)
        if response.meta.get("redirect_urls") and not is_google(target):
            self.count("follow/resolved")
            yield from self.parse_article(response, source_url=source_url, url=target, **hints)
        else:
            self.count("follow/unresolved")
            yield self.sighting_item(source_url, **hints)

    def sighting_item(self, source_url: str, *, extra=None, **hints) -> ArticleItem:
        self.count("sighting_only")
        return ArticleItem(
            url=source_url,
            source_url=source_url,
            spider=self.name,
            fetched_at=self.now(),
            title=hints.get("title", ""),
            outlet_raw=hints.get("outlet_raw", ""),
            published_raw=hints.get("published_raw", ""),
            published=hints.get("published"),
            extra={"source_kind": self.source_kind, "sighting_only": True, **(extra or {})},
        )
