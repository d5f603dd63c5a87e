"""The small-library news board (smalllibrary.org, 작은도서관 뉴스): hand-curated clippings.

List pages ``/helper/news?currentPage=N`` (newest first) link to detail pages
``/helper/news/{id}``; a post's identity is its id, whatever host or ``currentPage`` a link
carries. Each post names the outlet, the report date and (in the newer layout) the original
article's URL; the item's ``url`` is that original when there is one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

import scrapy
from lxml import html as lxml_html

from clipper.extract import page_selector
from clipper.items import ArticleItem
from clipper.text.dates import parse_day
from clipper.text.regions import split_title_tag
from clipper.text.urls import canonical_url
from spiders.base import ClipperSpider

DETAIL_ID = re.compile(r"/helper/news/(\d+)(?:[/?#]|$)")
PAGE_PARAM = re.compile(r"[?&]currentPage=(\d+)")
OUTLET = re.compile(r"매체명\s*:\s*(.*?)\s*(?=보도일\s*:|$)", re.M)
PUBLISHED = re.compile(r"보도일\s*:\s*(\S*)")
BLOCK_TAGS = {"p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr"}
PAGE_SIZE = 10  # rows per list page
CANONICAL_BASE = "https://www.smalllibrary.org"
SKIP_TAGS = {"script", "style", "noscript", "iframe"}


def board_id(href: str) -> int | None:
    """The post id in a detail link, whatever its host, order of parameters or page."""
    match = DETAIL_ID.search(href or "")
    return int(match.group(1)) if match else None


def clean_text(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def block_paragraphs(element: lxml_html.HtmlElement) -> list[str]:
    """Paragraphs of a body element: ``<p>``-like blocks and ``<br>``-separated runs.

    Walked with a stack, not recursion: a post whose blocks nest 5,000 deep (issue 13, item
    9) would exceed Python's recursion limit and lose the post.
    """
    paragraphs: list[str] = []
    run: list[str] = []

    def flush() -> None:
        # Inline markup splits words (<b>공부방</b>으로도): join the pieces as they stand.
        text = clean_text("".join(run))
        if text:
            paragraphs.append(text)
        run.clear()

    run.append(element.text or "")
    stack = [(element, iter(element))]
    while stack:
        block, children = stack[-1]
        child = next(children, None)
        if child is None:  # the end of a block: its last run, then its tail in the parent's
            stack.pop()
            flush()
            if stack:
                run.append(block.tail or "")
            continue
        tag = child.tag if isinstance(child.tag, str) else ""  # comments have callable tags
        if tag in BLOCK_TAGS:
            flush()
            run.append(child.text or "")
            stack.append((child, iter(child)))
            continue
        if tag == "br":
            flush()
        elif tag and tag not in SKIP_TAGS:
            run.append(child.text_content())
        run.append(child.tail or "")
    return paragraphs


@dataclass(frozen=True)
class ListRow:
    board_id: int
    source_url: str  # canonical detail URL
    day: date | None  # from the row's 보도일, None when unreadable


class SmallLibrarySpider(ClipperSpider):
    name = "smalllibrary"
    # Hand-picked by editors: a short excerpt without the word 작은도서관 is still on topic.
    curated = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every id seen on a list page: a post is requested once per crawl.
        self._listed_ids: set[int] = set()
        self._base_url: str | None = None

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            self._base_url = self.settings.get("CLIPPER_SMALLLIBRARY_BASE_URL").rstrip("/")
        return self._base_url

    def detail_url(self, post_id: int) -> str:
        """The post's identity: always on the board's own host, whichever host served it
        (the offline mirror, a proxy), so a post is one sighting wherever it was fetched."""
        return f"{CANONICAL_BASE}/helper/news/{post_id}"

    def list_request(self, page: int) -> scrapy.Request:
        return scrapy.Request(
            f"{self.base_url}/helper/news?currentPage={page}",
            callback=self.parse,
            errback=self.download_failed,
            cb_kwargs={"page": page},
        )

    async def start(self):
        yield self.list_request(1)

    # --- List pages -----------------------------------------------------------------------

    def parse(self, response, page: int = 1):
        rows = self._parse_rows(response)
        self.count_listing(len(rows))
        if not rows:
            self.logger.info("No posts on list page %d (%s): stopping", page, response.url)
            return
        fresh = [row for row in rows if row.board_id not in self._listed_ids]
        self._listed_ids.update(row.board_id for row in rows)
        known = set() if self.full else self.known_urls([row.source_url for row in rows])
        for row in fresh:
            if row.source_url not in known and self.in_window(row.day):
                yield self.detail_request(row, page)
        if not self._should_stop(rows, fresh, known, page, response):
            yield self.list_request(page + 1)

    def _parse_rows(self, response) -> list[ListRow]:
        rows = []
        for tr in response.css("table.board_list tbody tr") or response.css("tr"):
            post_id = board_id(tr.css("td.subject a::attr(href), a::attr(href)").get(""))
            if post_id is None:
                continue
            date_text = " ".join(tr.css("td.date ::text").getall()) or " ".join(
                tr.css("::text").getall()
            )
            rows.append(ListRow(post_id, self.detail_url(post_id), parse_day(date_text)))
        return rows

    def _should_stop(self, rows, fresh, known, page: int, response) -> bool:
        if self.may_stop_at_known_page() and all(row.source_url in known for row in rows):
            self.logger.info("Every post on list page %d is already stored: stopping", page)
            return True
        if not fresh:
            # A site past its last page may repeat one page for any currentPage.
            self.logger.info("List page %d only repeats posts already listed: stopping", page)
            return True
        days = [row.day for row in rows if row.day is not None]
        if self.since and days and all(day < self.since for day in days):
            self.logger.info("List page %d is older than since=%s: stopping", page, self.since)
            return True
        if self.max_pages is not None and page >= self.max_pages:
            self.logger.info("Reached max_pages=%d: stopping", self.max_pages)
            return True
        last_page = self._parse_last_page(response)
        if last_page is None:
            # No pager (a layout change?): a full page suggests there is another one.
            return len(rows) < PAGE_SIZE
        if last_page <= page:
            self.logger.info("List page %d is the last one", page)
            return True
        return False

    def _parse_last_page(self, response) -> int | None:
        """The highest page the pager links to, None when there is no pager."""
        pages = [
            int(match.group(1))
            for href in response.css(".paging a::attr(href)").getall()
            if (match := PAGE_PARAM.search(href))
        ]
        return max(pages, default=None)

    # --- Detail pages ---------------------------------------------------------------------

    def detail_request(self, row: ListRow, page: int) -> scrapy.Request:
        # Fetch the URL as the board links it (with its page), on the configured host.
        return scrapy.Request(
            f"{self.base_url}/helper/news/{row.board_id}?currentPage={page}",
            callback=self.parse_detail,
            errback=self.download_failed,
            cb_kwargs={"post_id": row.board_id, "source_url": row.source_url},
        )

    def parse_detail(self, response, post_id: int, source_url: str):
        # A broken page still yields what it has: the validate stage drops it with a named
        # reason (MissingTitle, MissingBody), which is counted and remembered. The post is
        # read through the extractor's parse, which keeps a post nested deeper than libxml2
        # builds (5,000 wrappers) instead of cutting its text off.
        page, _ = page_selector(response.text)
        title = self._parse_title(page)
        body = self._parse_body(page)
        info = self._parse_info(page)
        # The pipelines read the board's tag from region_tag; the title goes without it.
        region_tag, title = split_title_tag(title)
        yield ArticleItem(
            url=canonical_url(self._parse_link(page)) or source_url,
            source_url=source_url,
            spider=self.name,
            fetched_at=self.now(),
            title=title,
            region_tag=region_tag or "",
            outlet_raw=self._parse_outlet(info),
            published_raw=self._parse_published(info),
            body=body,
            html_hash=hashlib.sha1(response.body).hexdigest(),
            extra={"board_id": post_id},
        )

    def _parse_title(self, page) -> str:
        return clean_text(" ".join(page.css(".board_view .view_title ::text").getall()))

    def _parse_info(self, page) -> str:
        """The 매체명/보도일 text, one line per text node (the older layout uses two rows)."""
        nodes = page.css(".board_view .view_info ::text").getall()
        return "\n".join(clean_text(node) for node in nodes if clean_text(node))

    def _parse_outlet(self, info: str) -> str:
        match = OUTLET.search(info)
        return match.group(1).strip() if match else ""

    def _parse_published(self, info: str) -> str:
        match = PUBLISHED.search(info)
        return match.group(1) if match else ""

    def _parse_link(self, page) -> str:
        # Newer layout only: the anchor after the 링크주소 label.
        return page.css(".board_view .view_link a::attr(href)").get("") or page.xpath(
            "//*[contains(text(), '링크주소')]/following::a[1]/@href"
        ).get("")

    def _parse_body(self, page) -> str:
        element = page.css(".board_view .view_cont")
        if not element:
            return ""
        return "\n\n".join(block_paragraphs(element[0].root))
