"""Naver news search: the official Search API when keys are set, else the result pages.

API (``NAVER_CLIENT_ID``/``NAVER_CLIENT_SECRET`` in the environment, sent as headers): JSON
items with ``title`` (``<b>`` marks, entities), ``originallink`` (the publisher),
``link`` (Naver's copy, or the publisher again), ``pubDate`` (RFC 822, +0900); 100 a page,
``start`` at most 1000. The keys are read from the environment, not from settings, because
Scrapy logs the project's settings at start-up. They are never put in a request: the
:mod:`clipper.middlewares.secrets` middleware adds them at download time to requests for the
API's origin only (not to a redirect off it) and takes them off again, so a queued (Redis),
archived or redirected request never holds them.

Result pages (``search.naver.com/search.naver?where=news&sort=1&start=N``): the 2025+ markup
has generated class names, so results are found by their links (:func:`search_hits`), not by
classes. Each hit is fetched on Naver when Naver hosts a copy (outlet from the press id), else
at the publisher. See :mod:`spiders.portal` for ``url`` vs ``source_url``.
"""

from __future__ import annotations

import html
import json
import os
import re
from urllib.parse import urlencode, urlsplit

import scrapy
from lxml import html as lxml_html

from clipper.text.dates import parse_date
from clipper.text.outlets import default_registry
from clipper.text.urls import canonical_url, naver_ids
from spiders.portal import Hit, PortalSearchSpider, host_of, is_portal_url, publisher_link

PRESS_LINK = re.compile(r"^https?://media\.naver\.com/press/(\d{3,4})(?:[/?#]|$)")
TAG = re.compile(r"<[^>]+>")
# Link texts that label a result's Naver copy rather than title it.
COPY_LABELS = {"네이버뉴스", "네이버 뉴스", "naver news"}
MAX_DATE_CHARS = 30  # a date on a result line is short; longer text is a title or a snippet
WEB_PAGE_SIZE = 10
API_PAGE_SIZE = 100
API_MAX_START = 1000
API_KEY_HEADERS = ("X-Naver-Client-Id", "X-Naver-Client-Secret")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port or default
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or "").lower(), port


def strip_markup(text: str) -> str:
    """API text without ``<b>`` marks and entities (``&quot;``, ``&amp;lt;`` twice escaped)."""
    text = TAG.sub("", text or "")
    for _ in range(2):
        text = html.unescape(text)
    return " ".join(text.split())


def press_outlet(oid: str | None) -> str:
    outlet = default_registry().by_oid(oid) if oid else None
    return outlet.name if outlet else ""


def _link_kind(href: str) -> tuple[str, str] | None:
    """What a result-page link is: ("copy", canonical Naver URL), ("original", canonical
    publisher URL), ("outlet", press id or home host), or None (navigation, Keep, …)."""
    href = (href or "").strip()
    if naver_ids(href):
        return "copy", canonical_url(href)
    match = PRESS_LINK.match(href)
    if match:
        return "outlet", "press:" + match.group(1)
    if publisher_link(href):
        return "original", canonical_url(href)
    if canonical_url(href) and not is_portal_url(href):
        return "outlet", "home:" + host_of(href)  # a non-partner outlet's front page
    return None


def _result_blocks(root) -> list[tuple[object, list[tuple[object, str, str]]]]:
    """Result blocks and their classified links. A result is the largest element around an
    article link that holds at most one Naver copy, one publisher article and one outlet:
    whatever the class names, two results never share an element below that."""
    anchors = [(a, *kind) for a in root.iter("a") if (kind := _link_kind(a.get("href", "")))]
    keys: dict[object, dict[str, set[str]]] = {}
    for a, kind, key in anchors:
        for element in (a, *a.iterancestors()):
            keys.setdefault(element, {"copy": set(), "original": set(), "outlet": set()})[kind].add(
                key
            )
    blocks: dict[object, list] = {}
    for a, kind, _ in anchors:
        if kind == "outlet":
            continue
        block = a
        for element in a.iterancestors():
            if any(len(found) > 1 for found in keys[element].values()):
                break
            block = element
        blocks.setdefault(block, [])
    for a, kind, key in anchors:
        for element in (a, *a.iterancestors()):
            if element in blocks:
                blocks[element].append((a, kind, key))
                break
    return list(blocks.items())


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _date_text(block, links: list, now) -> str:
    """The first short text in a block that reads as a date (``3시간 전``, ``2026.05.24.``);
    text inside the title and snippet links is not looked at, nor ``A19면 1단``."""
    inside = {a for a, kind, _ in links if kind != "outlet"}
    for element in block.iter():
        if not isinstance(element.tag, str) or element in inside:
            continue
        if any(parent in inside for parent in element.iterancestors()):
            continue
        for text in (element.text, element.tail if element is not block else None):
            text = " ".join((text or "").split())
            if text and len(text) <= MAX_DATE_CHARS and parse_date(text, now) is not None:
                return text
    return ""


def search_hits(page: str | bytes, now=None) -> list[Hit]:
    """The results of a Naver news search page, keyed on links (see :func:`_result_blocks`).

    A block needs a Naver copy or an outlet link besides its article link, so a lone
    off-site link (an ad, a footer) is not a result.
    """
    if not page or not page.strip():
        return []
    root = lxml_html.fromstring(page)
    hits = []
    for block, links in _result_blocks(root):
        by_kind: dict[str, list] = {"copy": [], "original": [], "outlet": []}
        for a, kind, key in links:
            by_kind[kind].append((a, key))
        if not by_kind["copy"] and not by_kind["outlet"]:
            continue
        copy = by_kind["copy"][0][0].get("href", "").strip() if by_kind["copy"] else ""
        original = by_kind["original"][0][0].get("href", "").strip() if by_kind["original"] else ""
        titles = [_text(a) for a, _ in by_kind["original"]] + [
            _text(a) for a, _ in by_kind["copy"] if _text(a).lower() not in COPY_LABELS
        ]
        outlets = [_text(a) for a, _ in by_kind["outlet"] if _text(a)]
        oid = next((k[6:] for _, k in by_kind["outlet"] if k.startswith("press:")), None)
        if oid is None and copy:
            oid = naver_ids(copy)[0]
        hits.append(
            Hit(
                link=copy or original,
                original=original,
                title=next((t for t in titles if t), ""),
                outlet_raw=(outlets[0] if outlets else "") or press_outlet(oid),
                published_raw=_date_text(block, links, now),
            )
        )
    return hits


def api_hits(data: dict) -> list[Hit]:
    """The items of a Search API answer (``/v1/search/news.json``)."""
    hits = []
    for item in data.get("items") or []:
        if not isinstance(item, dict):
            continue
        original = publisher_link(item.get("originallink") or "")
        link = (item.get("link") or "").strip()
        ids = naver_ids(link)
        if not ids and not original:
            continue
        hits.append(
            Hit(
                link=link if ids else original,
                original=original,
                title=strip_markup(item.get("title") or ""),
                outlet_raw=press_outlet(ids[0]) if ids else "",
                published_raw=(item.get("pubDate") or "").strip(),
            )
        )
    return hits


class NaverNewsSpider(PortalSearchSpider):
    name = "naver_news"
    page_limit = 40  # web pages; the API stops at start=1000
    secret_header_names = API_KEY_HEADERS  # see clipper.middlewares.secrets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._client = (
            os.environ.get("NAVER_CLIENT_ID", ""),
            os.environ.get("NAVER_CLIENT_SECRET", ""),
        )
        self._totals: dict[str, int] = {}
        # Keywords whose API search failed: searched on the result pages from then on.
        self._web_only: set[str] = set()

    @property
    def uses_api(self) -> bool:
        return all(self._client)

    def search_request(self, keyword: str, page: int) -> scrapy.Request:
        if self.uses_api and keyword not in self._web_only:
            start = (page - 1) * API_PAGE_SIZE + 1
            query = {"query": keyword, "display": API_PAGE_SIZE, "start": start, "sort": "date"}
            return scrapy.Request(
                self.request_url(
                    f"{self.settings.get('CLIPPER_NAVER_API_URL')}?{urlencode(query)}"
                ),
                callback=self.parse,
                errback=self.api_failed,
                cb_kwargs={"keyword": keyword, "page": page},
                meta={"naver_api": True, "keyword": keyword},
            )
        start = (page - 1) * WEB_PAGE_SIZE + 1
        query = {"where": "news", "query": keyword, "sort": 1, "start": start}
        return scrapy.Request(
            self.request_url(f"{self.settings.get('CLIPPER_NAVER_SEARCH_URL')}?{urlencode(query)}"),
            callback=self.parse,
            cb_kwargs={"keyword": keyword, "page": page},
        )

    def secret_headers(self, request) -> dict[str, str]:
        """The API keys for ``request`` when it is an API request to the API's origin (a
        redirect elsewhere gets none); added at download time only."""
        if not self.uses_api or not request.meta.get("naver_api"):
            return {}
        api_url = self.request_url(self.settings.get("CLIPPER_NAVER_API_URL"))
        if _origin(request.url) != _origin(api_url):
            return {}
        return dict(zip(API_KEY_HEADERS, self._client, strict=True))

    def parse_hits(self, response) -> list[Hit]:
        if not response.meta.get("naver_api"):
            return search_hits(response.body, self.now())
        try:
            data = json.loads(response.body)
        except ValueError:
            self.count("api/bad_json")
            return []
        keyword = response.meta.get("keyword", "")
        self._totals[keyword] = int(data.get("total") or 0)
        return api_hits(data)

    def api_failed(self, failure):
        """The API refused (bad keys, quota): search the result pages instead, once."""
        request = failure.request
        response = getattr(failure.value, "response", None)
        status = response.status if response is not None else type(failure.value).__name__
        self.count(f"api/error/{status}")
        self.logger.warning("Naver Search API failed (%s): using the search pages", status)
        keyword = request.cb_kwargs["keyword"]
        self._web_only.add(keyword)
        if request.cb_kwargs.get("page") == 1:
            yield self.search_request(keyword, 1)

    def should_stop(self, dated, known, keyword: str, page: int) -> bool:
        total = self._totals.get(keyword)
        if total is not None and self.uses_api and keyword not in self._web_only:
            next_start = page * API_PAGE_SIZE + 1
            if next_start > min(total, API_MAX_START):
                self.logger.info("Page %d for %r is the API's last: stopping", page, keyword)
                return True
        return super().should_stop(dated, known, keyword, page)
