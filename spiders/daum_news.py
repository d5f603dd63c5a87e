"""Daum news search (``search.daum.net/search?w=news&sort=recency&p=N``).

Hits are ``ul.c-list-basic > li[data-docid]``: outlet in ``.item-writer .txt_info``, date in
``span.gem-subinfo .txt_info`` (``2026.03.19``, ``24분전``), article links
``v.daum.net/v/{17 digits}`` whose first 14 digits are the time (``YYYYMMDDhhmmss``), the
fallback date. When that list is gone (a redesign), every ``v.daum.net/v/`` link on the page
is a hit (title and date from the link alone), counted as ``clipper/daum_news/listing/
fallback``. Copies are fetched on Daum; their ``원문`` link names the publisher's original,
which becomes the item's ``url`` (see :mod:`spiders.portal`).
"""

from __future__ import annotations

from urllib.parse import urlencode

import scrapy
from parsel import Selector

from clipper.text.dates import parse_date
from clipper.text.urls import daum_id
from spiders.portal import Hit, PortalSearchSpider, publisher_link

RESULTS = "ul.c-list-basic > li[data-docid]"
DAUM_LINKS = "a[href*='v.daum.net/v/']"
MIN_TITLE_CHARS = 6  # shorter link texts are badges and labels


def clean(text: str) -> str:
    return " ".join((text or "").split())


def id_time(link: str) -> str:
    """The ``YYYYMMDDhhmmss`` an article id starts with, ``""`` when it has none."""
    article = daum_id(link) or ""
    return article[:14] if len(article) >= 14 else ""


def _first_link_text(sel: Selector, css: str) -> str:
    """The first real text of the matching links: the title comes before the snippet, after
    a thumbnail that holds no text or only a badge ("2" related articles)."""
    texts = [clean("".join(a.css("::text").getall())) for a in sel.css(css)]
    return next(
        (text for text in texts if len(text) >= MIN_TITLE_CHARS), max(texts, key=len, default="")
    )


def _hit(sel: Selector, now) -> Hit | None:
    links = [href for href in sel.css(f"{DAUM_LINKS}::attr(href)").getall() if daum_id(href)]
    original = next(
        (link for href in sel.css("a::attr(href)").getall() if (link := publisher_link(href))),
        "",
    )
    if not links and not original:
        return None
    link = links[0].strip() if links else original
    title = clean("".join(sel.css(".item-title a ::text").getall())) or _first_link_text(
        sel, DAUM_LINKS
    )
    dates = [clean(t) for t in sel.css("span.gem-subinfo .txt_info ::text").getall()]
    printed = next((d for d in dates if d and parse_date(d, now) is not None), "")
    return Hit(
        link=link,
        original=original,
        title=title,
        outlet_raw=clean(sel.css(".item-writer .txt_info ::text").get("")),
        published_raw=printed or id_time(link),
    )


def search_hits(response_or_text, now=None) -> tuple[list[Hit], bool]:
    """The hits of a result page and whether the fallback (any Daum article link) was used."""
    sel = (
        response_or_text
        if hasattr(response_or_text, "css")
        else Selector(text=response_or_text or "<html></html>")
    )
    rows = sel.css(RESULTS)
    if rows:
        return [hit for row in rows if (hit := _hit(row, now))], False
    hits, seen = [], set()
    for anchor in sel.css(DAUM_LINKS):
        article = daum_id(anchor.attrib.get("href", ""))
        if article and article not in seen:
            seen.add(article)
            same = f"a[href*='v.daum.net/v/{article}']"
            link = anchor.attrib["href"].strip()
            hits.append(
                Hit(link=link, title=_first_link_text(sel, same), published_raw=id_time(link))
            )
    return hits, bool(hits)


class DaumNewsSpider(PortalSearchSpider):
    name = "daum_news"
    page_limit = 80

    def search_request(self, keyword: str, page: int) -> scrapy.Request:
        query = {"w": "news", "q": keyword, "sort": "recency", "p": page}
        return scrapy.Request(
            self.request_url(f"{self.settings.get('CLIPPER_DAUM_SEARCH_URL')}?{urlencode(query)}"),
            callback=self.parse,
            cb_kwargs={"keyword": keyword, "page": page},
        )

    def parse_hits(self, response) -> list[Hit]:
        hits, fallback = search_hits(response, self.now())
        if fallback:
            self.count("listing/fallback")
            self.logger.warning("No result list on %s: took %d Daum links", response.url, len(hits))
        return hits
