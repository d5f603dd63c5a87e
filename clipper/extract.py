"""Layered extraction of one news article from its HTML.

Layers, most specific first; each field takes the first layer that gives a usable value, and
``Extracted.fields_from`` records which one did, so a layout change shows up in the field
coverage stats as a shift from ``site`` to a fallback instead of as silently empty fields.

1. ``site``: CSS/XPath selectors for a known layout (:data:`SITE_RULES`, the shared local-news
   CMS), chosen by host or detected from the markup.
2. ``jsonld``: schema.org ``NewsArticle``/``Article`` in ``application/ld+json`` (``@graph``,
   lists and sloppy JSON included).
3. ``microdata``: ``itemprop=headline/datePublished/articleBody``.
4. ``meta``: OpenGraph and ``article:*`` meta tags, ``<title>`` minus the outlet suffix.
5. ``text``: the page's own text: the densest block of paragraphs for the body, a labelled
   ``입력 …`` date, the first ``<h1>``.
6. ``trafilatura``: the generic extractor, when it can be imported.
7. ``script``: a body that only exists as an escaped JSON string in a ``<script>`` (Next.js
   ``__NEXT_DATA__`` and friends), used when the layers above found no real body.

Layers after the first look only for the fields still missing (what they found for the
others would be ignored): on a page the site rules cover, the generic layers cost little.

The outlet also comes from ``url`` (the domain, through :mod:`clipper.text.outlets`). Parsel finds
things in the whole page (one Selector per page, queried with compiled XPath on its lxml
tree); BeautifulSoup cleans only the chosen body fragment, once. ``Extracted.canonical`` is
the URL the page declares for itself. :func:`extract_article` never raises: a broken page
gives empty fields.
"""

from __future__ import annotations

import functools
import html
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from bs4.element import CData
from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from clipper.text.encoding import decode_html

__all__ = [
    "LOCAL_CMS_RULES",
    "SITE_RULES",
    "Extracted",
    "SiteRules",
    "clean_body_html",
    "extract_article",
    "rules_for",
    "strip_title_suffix",
]

Selectors = str | tuple[str, ...]
# The fields a layer can give; layers told which are still missing skip the others.
_ALL_FIELDS = frozenset({"title", "published", "modified", "author", "body"})


@dataclass(frozen=True)
class SiteRules:
    """Selectors for one layout. Each field is a selector or a tuple of alternatives.

    A selector is CSS (``::text``/``::attr(x)`` allowed) or XPath when it starts with ``/``
    or ``(``. Alternatives are tried in order; the first that matches anything is used.
    ``drop`` lists blocks to remove from the body before cleaning; ``detect`` is markup that
    identifies the layout when the URL does not.
    """

    title: Selectors = ""
    published: Selectors = ""
    modified: Selectors = ""
    author: Selectors = ""
    body: Selectors = ""
    outlet: Selectors = ""
    drop: str = ""
    detect: str = ""


@dataclass
class Extracted:
    """What :func:`extract_article` found. Empty strings and None mean "not found".

    ``published_raw`` is the string the publication time was read from, kept so an item can be
    re-parsed without re-crawling. ``encoding`` is the codec the bytes were decoded with (empty
    when a str was passed). ``fields_from`` maps each found field (title, published, modified,
    author, outlet, body) to the layer that gave it: site, jsonld, microdata, meta, text,
    trafilatura, script or url. ``canonical`` is the URL the page declares for itself, as
    written (``<link rel=canonical>`` href, else ``og:url``; may be relative), "" when none.
    """

    title: str = ""
    published: datetime | None = None
    modified: datetime | None = None
    published_raw: str = ""
    outlet: str = ""
    author: str = ""
    body: str = ""
    encoding: str = ""
    fields_from: dict[str, str] = field(default_factory=dict)
    canonical: str = ""


# --- site rules ---------------------------------------------------------------------------------

NAVER_RULES = SiteRules(
    # Current layout (n.news.naver.com/mnews/article/…), then the legacy read.naver layout.
    title=("h2#title_area", "h2.media_end_head_headline", "h3#articleTitle", "h3.tts_head"),
    published=(
        "span._ARTICLE_DATE_TIME::attr(data-date-time)",
        "span._ARTICLE_DATE_TIME",
        # Legacy: 기사입력 <span class="t11">…</span> [최종수정 <span class="t11">…</span>]
        "(//div[contains(@class, 'sponsor')]//span[contains(@class, 't11')])[1]",
    ),
    modified=(
        "span._ARTICLE_MODIFY_DATE_TIME::attr(data-modify-date-time)",
        "span._ARTICLE_MODIFY_DATE_TIME",
        "(//div[contains(@class, 'sponsor')]//span[contains(@class, 't11')])[2]",
    ),
    author=("em.media_end_head_journalist_name", "span.byline_s", "div.byline p.b_text"),
    body=("article#dic_area", "div#dic_area", "div#articleBodyContents"),
    outlet=(
        "a.media_end_head_top_logo img::attr(alt)",
        "div.press_logo img::attr(alt)",
        "meta[property='og:article:author']::attr(content)",
    ),
    drop=(
        "strong.media_end_summary, em.img_desc, span.end_photo_org, div.end_photo_org, "
        "div.vod_player_wrap, div._VOD_PLAYER_WRAP, div.link_news, div.artical-btm, "
        "a.media_end_head_origin_link"
    ),
    detect="#dic_area, #articleBodyContents, #title_area, h3#articleTitle",
)

DAUM_RULES = SiteRules(
    title="h3.tit_view",
    # The label sits in the parent span: <span class="txt_info">입력 <span class="num_date">.
    published=(
        "//span[contains(@class, 'txt_info')][span[contains(@class, 'num_date')]]",
        "span.num_date",
    ),
    modified="//span[contains(@class, 'txt_info')][span[contains(@class, 'num_date')]]",
    author="//div[contains(@class, 'info_view')]//span[contains(@class, 'txt_info')][not(span)]",
    body=("div.article_view section", "div.article_view"),
    outlet=(
        "div.head_view img.thumb_g::attr(alt)",
        "a.link_cp img::attr(alt)",
        "meta[name='article:media_name']::attr(content)",
    ),
    drop="figure, figcaption, .txt_caption, .link_figure, div.layer_util",
    detect="h3.tit_view, div.article_view[data-translation-body]",
)

# The CMS many regional and local outlets share (/news/articleView.html?idxno=…), old skin
# and new skin; only one is ever present, so the alternatives do not compete.
LOCAL_CMS_RULES = SiteRules(
    title=(
        "div.article-head-title",
        "header.article-view-header h1.heading",
        "h1.heading",
        "h3.heading",
    ),
    published=("div.info-text li", "ul.infomation li", "ul.info-group li"),
    modified=("div.info-text li", "ul.infomation li", "ul.info-group li"),
    author=("div.info-text li", "ul.infomation li", "ul.info-group li"),
    body="#article-view-content-div",
    outlet=("div.view-copyright", "meta[property='og:site_name']::attr(content)"),
    drop=(
        "div.view-copyright, div.view-editors, div.view-editor, div.article-copy, "
        "figure, .photo-layout, center, div.ad-template, div.IMGFLOATING, div.view-banner"
    ),
    detect="#article-view-content-div",
)

# Host suffix → rules; the longest matching suffix wins.
SITE_RULES: dict[str, SiteRules] = {
    "n.news.naver.com": NAVER_RULES,
    "news.naver.com": NAVER_RULES,
    "v.daum.net": DAUM_RULES,
}


def rules_for(url: str | None, sel: Selector | None = None) -> SiteRules | None:
    """The site rules for a page: by host, then by the local CMS URL, then by markup."""
    host = _host(url)
    if host:
        for suffix in sorted(SITE_RULES, key=len, reverse=True):
            if host == suffix or host.endswith("." + suffix):
                return SITE_RULES[suffix]
    if url and "/news/articleView.html" in url:
        return LOCAL_CMS_RULES
    if sel is not None:
        for rules in (*dict.fromkeys(SITE_RULES.values()), LOCAL_CMS_RULES):
            if rules.detect and _nodes(sel.root, rules.detect):
                return rules
    return None


# --- small helpers ------------------------------------------------------------------------------

_WS_RE = re.compile(r"\s+")
_HANGUL_RE = re.compile(r"[가-힣]")
_TAG_RE = re.compile(r"<[a-zA-Z/!][^>]*>")


def _norm(text: str | None) -> str:
    if not text:
        return ""
    return _WS_RE.sub(" ", text.replace("\u200b", "").replace("\ufeff", "")).strip()


def _unescape(text: str) -> str:
    # JSON-LD and meta values are sometimes entity-escaped twice ("&amp;#039;").
    for _ in range(2):
        if "&" not in text:
            break
        text = html.unescape(text)
    return text


def _host(url: str | None) -> str:
    if not url:
        return ""
    try:
        return (urlsplit(url if "//" in url else "//" + url).hostname or "").rstrip(".")
    except ValueError:
        return ""


def _alternatives(selectors: Selectors) -> tuple[str, ...]:
    if isinstance(selectors, str):
        return (selectors,) if selectors else ()
    return tuple(s for s in selectors if s)


# parsel finds things in the page; its Selector wraps every result in another Selector, which
# cost more than the queries themselves (hundreds per page). The hot paths therefore run
# compiled XPath on the lxml tree the page's one Selector built (``sel.root``), with parsel's
# own CSS translation and its default EXSLT namespaces, so rules mean what they meant.
_CSS = HTMLTranslator()
_XPATH_NAMESPACES = {"re": "http://exslt.org/regular-expressions", "set": "http://exslt.org/sets"}


@functools.lru_cache(maxsize=1024)
def _compiled(selector: str) -> etree.XPath | None:
    """``selector`` (CSS, or XPath when it starts with ``/`` or ``(``) compiled; None if bad."""
    try:
        query = selector if selector.startswith(("/", "(")) else _CSS.css_to_xpath(selector)
        return etree.XPath(query, namespaces=_XPATH_NAMESPACES, smart_strings=False)
    except Exception:  # a bad selector in a rule must not break extraction
        return None


def _xpath(query: str) -> etree.XPath:
    """A fixed XPath of this module, compiled once."""
    return etree.XPath(query, namespaces=_XPATH_NAMESPACES, smart_strings=False)


def _nodes(root: Any, selector: str) -> list[Any]:
    """Raw lxml results (elements, strings) of ``selector`` on the tree ``root``."""
    compiled = _compiled(selector)
    if compiled is None or not hasattr(root, "xpath"):
        return []
    try:
        result = compiled(root)
    except Exception:  # an XPath that compiles but cannot run (unknown function, …)
        return []
    return result if isinstance(result, list) else [result]


_TEXT_NOT_SCRIPT = _xpath(".//text()[not(ancestor::script)]")
_ALL_TEXT = _xpath(".//text()")
_STRING = _xpath("string()")


def _texts(results: Iterable[Any]) -> list[str]:
    out = []
    for result in results:
        if isinstance(result, str):
            out.append(result)
        elif isinstance(result, etree._Element):
            out.append(" ".join(_TEXT_NOT_SCRIPT(result)))
        else:  # a number or boolean from an XPath expression carries no text
            out.append("")
    return out


class _Page:
    """One parsed page: the lxml tree of its one Selector and what the layers share.

    Site rules ask for the same selectors several times (the local CMS's info line gives the
    dates and the byline) and several layers read the same meta tags and ``itemprop``
    elements; each is looked up once per page here.
    """

    def __init__(self, sel: Selector) -> None:
        self.sel = sel
        self.root: Any = sel.root
        self._values: dict[Selectors, list[str]] = {}
        self._metas: dict[tuple[str, str], str] | None = None
        self._itemprops: dict[str, list[Any]] | None = None

    def nodes(self, selector: str) -> list[Any]:
        return _nodes(self.root, selector)

    def first_values(self, selectors: Selectors) -> list[str]:
        """Values of the first alternative that matches something non-empty."""
        cached = self._values.get(selectors)
        if cached is not None:
            return cached
        values: list[str] = []
        for selector in _alternatives(selectors):
            values = [_norm(_unescape(v)) for v in _texts(self.nodes(selector))]
            values = [v for v in values if v]
            if values:
                break
        self._values[selectors] = values
        return values

    def metas(self) -> dict[tuple[str, str], str]:
        """``(attr, value) -> content`` of the page's meta tags, ``attr`` one of property,
        name, itemprop: the first tag with a content attribute, as
        ``//meta[@attr=$value]/@content`` finds it, read in one pass over ``<meta>``."""
        if self._metas is None:
            metas: dict[tuple[str, str], str] = {}
            for element in _META(self.root):
                content = element.get("content")
                if content is None:
                    continue
                for attr in _META_ATTRS:
                    value = element.get(attr)
                    if value is not None:
                        metas.setdefault((attr, value), content)
            self._metas = metas
        return self._metas

    def meta(self, *keys: str) -> str:
        """Content of the first meta tag whose property/name/itemprop is one of ``keys``."""
        metas = self.metas()
        for key in keys:
            for attr in _META_ATTRS:
                value = metas.get((attr, key))
                if value and _norm(value):
                    return _norm(_unescape(value))
        return ""

    def itemprop_nodes(self, name: str) -> list[Any]:
        """Elements with ``itemprop="name"``, in document order (one query for all names)."""
        if self._itemprops is None:
            grouped: dict[str, list[Any]] = {}
            for element in _ITEMPROP(self.root):
                grouped.setdefault(element.get("itemprop"), []).append(element)
            self._itemprops = grouped
        return self._itemprops.get(name, [])

    def canonical(self) -> str:
        """The page's ``<link rel=canonical>`` href, else its ``og:url``, as written."""
        links = self.nodes("link[rel~='canonical']::attr(href)")
        if links and links[0]:
            return str(links[0])
        return self.metas().get(("property", "og:url"), "")


_META = _xpath("//meta")
_META_ATTRS = ("property", "name", "itemprop")
_ITEMPROP = _xpath("//*[@itemprop]")


# --- dates --------------------------------------------------------------------------------------

_DATE_SHAPE_RE = re.compile(r"\d{1,4}\s*[-./년:]\s*\d{1,2}|\d{8,14}|\d+\s*(?:분|시간|일)\s*전|어제")
_MODIFIED_LABEL_RE = re.compile(r"수정|업데이트|갱신|updated|modified", re.I)
_PUBLISHED_LABEL_RE = re.compile(r"입력|등록|송고|작성|게재|발행|published|posted", re.I)
_APPROVED_LABEL_RE = re.compile(r"승인")


def _parse_date(raw: str | None, now: datetime | None) -> datetime | None:
    if not raw or not _DATE_SHAPE_RE.search(raw):
        return None
    try:
        from clipper.text.dates import parse_date

        found = parse_date(raw[:300], now)
    except Exception:
        return None
    if found is None:
        return None
    if now is not None and found > now + timedelta(days=1):
        return None  # a "publication" after the crawl is a misreading
    return found


def _pick_date(values: list[str], kind: str) -> str:
    """Pick the raw value for ``published`` or ``modified`` from labelled candidates.

    Published: an 입력-type label first, then 승인, then unlabelled; never a 수정 value.
    Modified: a 수정-type label first, then unlabelled; never an 입력/승인 value.
    """
    dated = [v for v in values if _DATE_SHAPE_RE.search(v)]
    modified = [v for v in dated if _MODIFIED_LABEL_RE.search(v)]
    published = [v for v in dated if v not in modified and _PUBLISHED_LABEL_RE.search(v)]
    approved = [v for v in dated if v not in modified and _APPROVED_LABEL_RE.search(v)]
    unlabelled = [v for v in dated if v not in modified + published + approved]
    order = (published + approved + unlabelled) if kind == "published" else (modified + unlabelled)
    return order[0] if order else ""


# --- outlets ------------------------------------------------------------------------------------

_PORTALS = frozenset(
    {"네이버", "네이버뉴스", "네이버스포츠", "네이버연예", "naver", "navernews", "다음", "다음뉴스",
     "daum", "daumnews", "네이트", "네이트뉴스", "nate", "줌", "zum", "구글뉴스", "googlenews"}
)  # fmt: skip
_OUTLET_SUFFIX_RE = re.compile(
    r"(일보|신문|뉴스|경제|방송|미디어|타임스|타임즈|저널|닷컴|데일리|투데이|헤럴드|포스트|통신|매일|"
    r"TV|tv|News|NEWS|news|Times|Daily|Herald|Post|\.com|\.co\.kr|\.kr|\.net)(\s*[0-9]+)?$"
)
_COPYRIGHT_OUTLET_RE = re.compile(
    r"(?:저작권자|copyright|ⓒ|©|\(c\))\s*(?:ⓒ|©|\(c\)|[:：])?\s*"
    r"(?:\(주\)|㈜|주식회사)?\s*([^\s,.:]+(?:\s[^\s,.:]+)?)",
    re.I,
)


def _is_portal(text: str) -> bool:
    key = _WS_RE.sub("", text).lower()
    return key in _PORTALS or key.removesuffix("뉴스").removesuffix("news") in _PORTALS


def _dateline_outlet(body: str) -> str | None:
    """The outlet the body's opening dateline names: ``(세종=연합뉴스) 김도란 기자 = …``."""
    for line in body.split("\n")[:3]:
        if line.strip():
            named, _ = _byline_outlet(line.strip())
            return next((n for n in map(_resolve_outlet, named) if n), None)
    return None


def _plausible_outlet(text: str) -> bool:
    """Short, name-like, not a sentence or slogan, not a URL, not a portal."""
    if not text or len(text) > 20 or _is_portal(text):
        return False
    if "://" in text or "@" in text or len(text.split()) > 3:
        return False
    return not re.search(r"[,!?…·~\"'“”‘’]|\.\s|기자", text)


def _outlet_from_pipe(value: str) -> str:
    """``뉴시스 | 네이버`` → 뉴시스; ``네이버 스포츠 | 연합뉴스`` → 연합뉴스."""
    parts = [p.strip() for p in value.split("|") if p.strip()]
    if len(parts) < 2:
        return value.strip()
    if _is_portal(parts[0]):
        return parts[-1]
    return parts[0]


def _outlet_from_copyright(value: str) -> str:
    match = _COPYRIGHT_OUTLET_RE.search(value)
    if not match:
        return value
    name = match.group(1).strip()
    # "저작권자 © 한국스포츠경제 무단전재" → stop before the notice words.
    return re.split(r"\s*(?:무단|all\s+rights|재배포|전재)", name, flags=re.I)[0].strip()


@functools.cache
def _registry() -> Any:
    """The outlet registry, or None when :mod:`clipper.text.outlets` is unavailable."""
    try:
        from clipper.text.outlets import default_registry

        return default_registry()
    except Exception:
        return None


def _resolve_outlet(text: str) -> str | None:
    registry = _registry()
    if registry is None or not text:
        return None
    try:
        outlet = registry.resolve(text)
    except Exception:
        return None
    return outlet.name if outlet is not None else None


def _resolve_outlet_url(url: str | None) -> str | None:
    registry = _registry()
    if registry is None or not url:
        return None
    try:
        outlet = registry.resolve_url(url)
    except Exception:
        return None
    return outlet.name if outlet is not None else None


# --- titles -------------------------------------------------------------------------------------

# " - 한국일보", " | 매일경제", " : 네이버 뉴스", "ㅣ한국일보" (a Hangul ㅣ, not a pipe).
_TITLE_SEP_RE = re.compile(r"\s+[-–—:|·/<]{1,2}\s+|\s*[|ㅣ]\s*")
# The local CMS's <title>: "제목 < 사회 < 기사본문 - 매체".
_CMS_CRUMB_RE = re.compile(r"(?:\s+<\s+[^<>]{1,20}){1,4}$")
_SECTION_TAIL_RE = re.compile(r"\s*-\s*([가-힣A-Za-z/·]{1,6})$")


def _looks_like_site_suffix(tail: str, known: Iterable[str]) -> bool:
    key = _WS_RE.sub("", tail).lower()
    if not key or len(tail) > 25:
        return False
    if any(key == _WS_RE.sub("", k).lower() for k in known if k):
        return True
    if _is_portal(tail) or _resolve_outlet(tail):
        return True
    return bool(_OUTLET_SUFFIX_RE.search(tail)) and len(tail.split()) <= 3


def strip_title_suffix(title: str, known_outlets: Iterable[str] = ()) -> tuple[str, str]:
    """Remove a trailing outlet name from an ``og:title``/``<title>``.

    Returns ``(title, suffix)``; ``suffix`` is the outlet text removed (empty when none), so
    it can serve as an outlet candidate. Handles `` - 한국일보``, `` | 매일경제``,
    ``-정치ㅣ한국일보`` (a section before the outlet) and `` : 네이버 뉴스``.
    """
    known = tuple(known_outlets)
    title = _norm(title)
    removed = ""
    for _ in range(2):
        matches = list(_TITLE_SEP_RE.finditer(title))
        if not matches:
            break
        last = matches[-1]
        head, tail = title[: last.start()].strip(), title[last.end() :].strip()
        if not head or not _looks_like_site_suffix(tail, known):
            break
        title, removed = head, removed or tail
        if "ㅣ" in last.group(0) or "|" in last.group(0):
            # "…-정치ㅣ한국일보": the section name left behind goes too.
            section = _SECTION_TAIL_RE.search(title)
            if section and len(title) > len(section.group(0)) + 5:
                title = title[: section.start()].strip()
    crumb = _CMS_CRUMB_RE.search(title)
    if crumb and "기사본문" in crumb.group(0) and crumb.start() > 0:
        title = title[: crumb.start()].strip()
    return title, removed


# --- body cleaning ------------------------------------------------------------------------------

_DROP_SELECTORS = (
    "script, style, noscript, iframe, object, embed, form, button, input, select, textarea, "
    "svg, canvas, video, audio, figure, figcaption, picture, img, ins, aside, nav, footer, "
    "em.img_desc, strong.media_end_summary, div.view-copyright, div.view-editors, "
    "blockquote, [hidden], [aria-hidden=true], [style*='display:none'], [style*='display: none']"
)
# Class/id tokens of blocks that are not article text.
_NOISE_TOKENS = frozenset(
    {
        "ad", "ads", "adsense", "advert", "advertisement", "banner", "promotion", "promo",
        "caption", "captions", "photo_caption", "img_desc", "copyright", "copy", "related",
        "relation", "recommend", "popular", "ranking", "rank", "sns", "share", "social",
        "comment", "comments", "reply", "tags", "tag", "keyword", "keywords", "subscribe",
        "summary", "quote", "subtitle", "subtit", "sub_title", "mid_title", "midtitle",
        "byline", "reporter", "journalist", "writer", "editor_info", "profile", "btn",
        "button", "tool", "toolbar", "util", "popup", "modal", "layer", "breadcrumb",
        "gnb", "lnb", "snb", "menu", "nav", "footer", "sidebar", "aside", "hidden", "blind",
        "sr-only", "is_blind", "screen_out", "video", "vod", "player", "thumb", "photo",
        "image", "img", "figure", "gallery", "reaction", "sharing", "more",
    }
)  # fmt: skip
_TOKEN_SPLIT_RE = re.compile(r"[\s\-_]+")
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "main", "header", "li", "ul", "ol", "dl", "dt",
        "dd", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "td", "th", "pre", "center",
        "address", "hr", "body", "html",
    }
)  # fmt: skip
_COPYRIGHT_LINE_RE = re.compile(
    r"무단\s*(?:전재|복제|배포|게재)|재배포\s*금지|ⓒ|©|copyright|저작권자|all rights reserved", re.I
)
# Arrows point away ("▶ 구독하기"); ■/◆ also lead an interview's speaker lines and section
# heads, so they mark a promo only before the words of one.
_PROMO_LINE_RE = re.compile(
    r"^\s*(?:[▶☞▷►]|[■◆]\s*(?:관련|추천|많이\s*본|인기|핫\s*클릭)"
    r"|\[?(?:관련\s*기사|관련기사|추천\s*기사)\]?\s*$)"
)
# Whole lines that are widget labels, not text: ads, and the zoom buttons photo blocks carry
# ("이미지 확대하기", "사진 크게보기", "확대보기").
_JUNK_LINE_RE = re.compile(
    r"^(?:advertisement|광고|AD|\W|(?:(?:이미지|사진)\s*)?(?:확대|크게)\s*(?:보기|하기)"
    r"|(?:이미지|사진)\s*(?:확대|닫기|원본\s*보기))$",
    re.I,
)


def _has_noise_token(tag: Tag) -> bool:
    values: list[str] = []
    for attr in ("class", "id"):
        value = tag.get(attr)
        if isinstance(value, list):
            values.extend(value)
        elif isinstance(value, str):
            values.append(value)
    for value in values:
        lowered = value.lower()
        if lowered in _NOISE_TOKENS:
            return True
        parts = _TOKEN_SPLIT_RE.split(lowered)
        if len(parts) > 1 and any(p in _NOISE_TOKENS for p in parts):
            return True
        # "sub-tit-ll" is a subtitle: try adjacent tokens joined too.
        if any(a + b in _NOISE_TOKENS for a, b in itertools.pairwise(parts)):
            return True
    return False


def _is_whole_line_link(link: Tag) -> bool:
    """A link that fills its line on its own (``<br>`` or block edges on both sides)."""

    def edge(sibling: Any, attr: str) -> bool:
        while sibling is not None and isinstance(sibling, str) and not sibling.strip():
            sibling = getattr(sibling, attr)
        if sibling is None:
            return True
        return isinstance(sibling, Tag) and (sibling.name == "br" or sibling.name in _BLOCK_TAGS)

    if not _stripped_length(link):
        return False
    parent = link.parent
    if isinstance(parent, Tag) and parent.name in ("b", "strong", "span", "font", "em", "i"):
        link = parent
    return edge(link.previous_sibling, "previous_sibling") and edge(
        link.next_sibling, "next_sibling"
    )


def _text_lines(text: str) -> list[str]:
    lines = []
    for raw in text.split("\n"):
        line = _norm(raw.replace("\xa0", " "))
        if not line or _JUNK_LINE_RE.match(line):
            continue
        if _PROMO_LINE_RE.match(line):
            continue
        if len(line) < 160 and _COPYRIGHT_LINE_RE.search(line):
            continue
        lines.append(line)
    return lines


# --- drop selectors, matched in one walk --------------------------------------------------------
#
# soupsieve evaluates a selector list against every tag for every ``select`` (a third of the
# cleaning time, measured). The drop lists are simple selectors (``figure``, ``div.view-copyright``,
# ``[hidden]``), so they are compiled once into a matcher; a list holding anything else
# (combinators, pseudo-classes, escapes) still goes to soupsieve, which then decides as before.

_IDENT = r"-?[A-Za-z_\u00a0-\U0010ffff][A-Za-z0-9_\-\u00a0-\U0010ffff]*"
_SIMPLE_PART_RE = re.compile(
    rf"""(?P<cls>\.{_IDENT})|(?P<id>\#{_IDENT})
    |\[\s*(?P<attr>{_IDENT})\s*(?:(?P<op>[*^$]?=)\s*(?:"(?P<dq>[^"\\\n]+)"|'(?P<sq>[^'\\\n]+)'|(?P<bare>{_IDENT})))?\s*\]""",
    re.X,
)
_NAME_RE = re.compile(rf"{_IDENT}|\*")
# The HTML spec's attributes whose values match case-insensitively (soupsieve honours this):
# selectors on them are left to soupsieve.
_CASE_INSENSITIVE_ATTRS = frozenset(
    {
        "accept", "accept-charset", "align", "alink", "axis", "bgcolor", "charset", "checked",
        "clear", "codetype", "color", "compact", "declare", "defer", "dir", "direction",
        "disabled", "enctype", "face", "frame", "hreflang", "http-equiv", "lang", "language",
        "link", "media", "method", "multiple", "nohref", "noresize", "noshade", "nowrap",
        "readonly", "rel", "rev", "rules", "scope", "scrolling", "selected", "shape", "target",
        "text", "type", "valign", "valuetype", "vlink",
    }
)  # fmt: skip


@dataclass(frozen=True)
class _SimpleSelector:
    """``name.class#id[attr op value]``; empty parts match anything."""

    name: str = ""
    classes: frozenset[str] = frozenset()
    ids: tuple[str, ...] = ()
    attrs: tuple[tuple[str, str, str], ...] = ()  # (name, op, value); op "" = present

    def matches(self, tag: Tag) -> bool:
        attrs = tag.attrs
        if self.classes:
            classes = attrs.get("class")
            if not classes:
                return False
            if isinstance(classes, str):
                classes = classes.split()
            if not self.classes.issubset(classes):
                return False
        for wanted in self.ids:
            if attrs.get("id") != wanted:
                return False
        for name, op, value in self.attrs:
            found = attrs.get(name)
            if found is None:
                return False
            if isinstance(found, list):
                found = " ".join(found)
            if (
                (op == "=" and found != value)
                or (op == "*=" and value not in found)
                or (op == "^=" and not found.startswith(value))
                or (op == "$=" and not found.endswith(value))
            ):
                return False
        return True


def _parse_simple(selector: str) -> _SimpleSelector | None:
    """One compound selector, or None when it is more than the simple forms above."""
    selector = selector.strip()
    name = _NAME_RE.match(selector)
    pos = name.end() if name else 0
    classes: list[str] = []
    ids: list[str] = []
    attrs: list[tuple[str, str, str]] = []
    while pos < len(selector):
        part = _SIMPLE_PART_RE.match(selector, pos)
        if part is None:
            return None
        if part["cls"]:
            classes.append(part["cls"][1:])
        elif part["id"]:
            ids.append(part["id"][1:])
        else:
            attr = part["attr"].lower()
            if attr in _CASE_INSENSITIVE_ATTRS:
                return None
            attrs.append((attr, part["op"] or "", part["dq"] or part["sq"] or part["bare"] or ""))
        pos = part.end()
    if pos == 0:
        return None  # empty
    tag = name.group(0).lower() if name else ""
    return _SimpleSelector("" if tag == "*" else tag, frozenset(classes), tuple(ids), tuple(attrs))


@dataclass(frozen=True)
class _DropMatcher:
    """A selector list of simple selectors: bare tag names in a set, the rest by name."""

    names: frozenset[str]
    by_name: dict[str, tuple[_SimpleSelector, ...]]
    anywhere: tuple[_SimpleSelector, ...]

    def matches(self, tag: Tag) -> bool:
        name = tag.name
        if name in self.names:
            return True
        return any(s.matches(tag) for s in self.by_name.get(name, ())) or any(
            s.matches(tag) for s in self.anywhere
        )


def _matcher(selectors: list[_SimpleSelector]) -> _DropMatcher:
    names = {s.name for s in selectors if s.name and s == _SimpleSelector(s.name)}
    by_name: dict[str, list[_SimpleSelector]] = {}
    for s in selectors:
        if s.name and s.name not in names:
            by_name.setdefault(s.name, []).append(s)
    return _DropMatcher(
        frozenset(names),
        {name: tuple(found) for name, found in by_name.items()},
        tuple(s for s in selectors if not s.name),
    )


def _parse_list(selectors: str) -> list[_SimpleSelector] | None:
    parsed = [_parse_simple(part) for part in selectors.split(",")]
    return None if any(p is None for p in parsed) else parsed  # type: ignore[return-value]


@functools.lru_cache(maxsize=256)
def _drop_rules(drop: str) -> tuple[_DropMatcher, str]:
    """The matcher for :data:`_DROP_SELECTORS` plus ``drop``, and what is left for
    soupsieve: all of ``drop`` when any part of it is not simple, else ""."""
    default = _parse_list(_DROP_SELECTORS) or []
    extra = _parse_list(drop) if drop else []
    if extra is None:
        return _matcher(default), drop
    return _matcher(default + extra), ""


_MAIN_STRINGS = frozenset({NavigableString, CData})
# Closes a block element in the text walk of :func:`_soup_text`.
_BLOCK_END = object()


def _has_line_whitespace(text: str) -> bool:
    return "\n" in text or "\r" in text or "\t" in text


def _string_text(node: Any, types: Any) -> str:
    """What ``node`` adds to a tag's ``get_text()`` over ``types``, once raw newlines have
    become spaces: they are spaces in HTML text; only ``<br>`` and blocks break lines."""
    if _has_line_whitespace(node):
        return _WS_RE.sub(" ", node) if NavigableString in types else ""
    return str(node) if type(node) in types else ""


def _text_types(tag: Any) -> Any:
    return tag.interesting_string_types or _MAIN_STRINGS


def _stripped_length(tag: Tag) -> int:
    """``len(tag.get_text(strip=True))`` with raw newlines as spaces."""
    types = _text_types(tag)
    return sum(
        len(_string_text(node, types).strip())
        for node in tag.descendants
        if not isinstance(node, Tag)
    )


def _walk(root: Any) -> Iterator[Any]:
    """Descendants of ``root`` in document order, without recursion (pages nest deeply)."""
    stack = [iter(root.contents)]
    while stack:
        for node in stack[-1]:
            yield node
            if isinstance(node, Tag) and node.contents:
                stack.append(iter(node.contents))
                break
        else:
            stack.pop()


def _soup_text(root: Any) -> str:
    """``root.get_text()`` with ``<br>`` as a line break, a line break around every block
    element and raw newlines inside text as spaces; the tree is not changed."""
    types = _text_types(root)
    out: list[str] = []
    stack: list[Iterator[Any]] = [iter(root.contents)]
    while stack:
        for node in stack[-1]:
            if node is _BLOCK_END:
                out.append("\n")
            elif isinstance(node, Tag):
                name = node.name
                if name == "br":
                    out.append("\n")
                elif name in _BLOCK_TAGS:
                    out.append("\n")
                    stack.append(itertools.chain(node.contents, (_BLOCK_END,)))
                    break
                elif node.contents:
                    stack.append(iter(node.contents))
                    break
            else:
                out.append(_string_text(node, types))
        else:
            stack.pop()
    return "".join(out)


def _clean_soup(soup: BeautifulSoup, drop: str) -> str:
    matcher, leftover = _drop_rules(drop)
    # One walk finds the comments and the blocks to drop (not entering dropped ones).
    comments: list[Any] = []
    dropped: list[Tag] = []
    stack = [iter(soup.contents)]
    while stack:
        for node in stack[-1]:
            if isinstance(node, Tag):
                if matcher.matches(node):
                    dropped.append(node)
                elif node.contents:
                    stack.append(iter(node.contents))
                    break
            elif isinstance(node, Comment):
                comments.append(node)
        else:
            stack.pop()
    for comment in comments:
        comment.extract()
    for tag in dropped:
        tag.decompose()
    if leftover:
        for tag in soup.select(leftover):
            tag.decompose()

    root = soup.body or soup
    types = _text_types(root)
    total = 0
    noisy: list[Tag] = []
    links: list[Tag] = []
    for node in _walk(root):
        if isinstance(node, Tag):
            if node.attrs and _has_noise_token(node):
                noisy.append(node)
            if node.name == "a":
                links.append(node)
        else:
            total += len(_string_text(node, types).strip())
    for tag in noisy:
        if tag.decomposed:
            continue
        # A noisy-looking class on the block that holds most of a real article (the
        # fragment's own container, say "photo_article_body") is a wrapper, not noise.
        length = _stripped_length(tag)
        if length < 0.5 * total or length < 200:
            tag.decompose()
    for link in links:
        if not link.decomposed and _is_whole_line_link(link):
            link.decompose()
    return _soup_text(root)


def clean_body_html(fragment: str, drop: str = "") -> str:
    """Plain text of an article body fragment: paragraphs separated by a blank line.

    Removes scripts, photo captions, summary boxes, pull quotes, copyright and promo blocks
    (plus the ``drop`` selectors of a site rule), turns ``<br>`` and block elements into
    paragraph breaks, and drops copyright and ``▶`` promo lines. BeautifulSoup parses the
    fragment once; the drops are matched in one walk over it and the text is read in another,
    without rewriting the tree.
    """
    if not fragment or not fragment.strip():
        return ""
    try:
        text = _clean_soup(BeautifulSoup(fragment, "lxml"), drop)
    except Exception:  # a pathological fragment: fall back to tag stripping
        text = _TAG_RE.sub("\n", fragment)
        text = html.unescape(text)
    return "\n\n".join(_text_lines(text))


def _text_to_body(text: str) -> str:
    """A body given as text (JSON-LD, script JSON): HTML is cleaned, plain text split."""
    text = _unescape(text) if "&" in text and "<" not in text else text
    if _TAG_RE.search(text):
        return clean_body_html(text)
    return "\n\n".join(_text_lines(text.replace("\\n", "\n")))


# --- layer: site rules --------------------------------------------------------------------------


def _layer_site(page: _Page, rules: SiteRules, want_body: bool = True) -> dict[str, str]:
    found: dict[str, str] = {}
    titles = page.first_values(rules.title)
    if titles:
        found["title"] = titles[0]
    for kind in ("published", "modified"):
        raw = _pick_date(page.first_values(getattr(rules, kind)), kind)
        if raw:
            found[kind] = raw
    authors = [_clean_author(v) for v in page.first_values(rules.author)]
    authors = list(dict.fromkeys(a for a in authors if a))
    if authors:
        found["author"] = ", ".join(authors[:3])
    outlets = [
        _outlet_from_copyright(_outlet_from_pipe(v)) for v in page.first_values(rules.outlet)
    ]
    found["outlets"] = "\n".join(o for o in outlets if o)
    for selector in _alternatives(rules.body) if want_body else ():
        fragments = [_html(p) for p in page.nodes(selector) if isinstance(p, etree._Element)]
        if fragments:
            body = clean_body_html("\n".join(fragments), rules.drop)
            if body:
                found["body"] = body
                break
    return found


def _html(element: Any) -> str:
    """An element's markup, without its tail (what parsel's ``.get()`` gives)."""
    return etree.tostring(element, method="html", encoding="unicode", with_tail=False)


_AUTHOR_LABEL_RE = re.compile(r"^(?:기자명|기자\s*이름|글|작성자|취재|by)\s*[:：]?\s*", re.I)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _clean_author(value: str) -> str:
    value = _norm(_EMAIL_RE.sub(" ", value))
    value = _AUTHOR_LABEL_RE.sub("", value).strip(" /|·,")
    if not value or len(value) > 40 or "://" in value or re.search(r"\d", value):
        return ""
    if re.search(r"댓글|입력|수정|승인|등록|조회|공유|구독", value):
        return ""
    return value


# --- layer: JSON-LD -----------------------------------------------------------------------------

_ARTICLE_TYPE_RE = re.compile(r"(?:^|[:/])(?:\w*Article|BlogPosting|LiveBlogPosting)$")


def _loads_loose(text: str) -> Any:
    text = text.strip().removeprefix("<!--").removesuffix("-->").strip()
    text = text.removeprefix("//<![CDATA[").removesuffix("//]]>").strip().rstrip(";")
    attempts: list[Callable[[str], str]] = [
        lambda t: t,
        lambda t: re.sub(r",\s*([}\]])", r"\1", t),  # trailing commas
        lambda t: "[" + re.sub(r"}\s*{", "},{", t) + "]",  # objects back to back
        lambda t: re.sub(r"\\(?![\"\\/bfnrtu])", r"\\\\", re.sub(r",\s*([}\]])", r"\1", t)),
    ]
    for fix in attempts:
        try:
            return json.loads(fix(text), strict=False)
        except (ValueError, RecursionError):
            continue
    return None


def _walk_json(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 12:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk_json(item, depth + 1)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "item"):
            if key in node:
                yield from _walk_json(node[key], depth + 1)


def _is_article(node: dict[str, Any]) -> bool:
    types = node.get("@type")
    types = types if isinstance(types, list) else [types]
    return any(isinstance(t, str) and _ARTICLE_TYPE_RE.search(t) for t in types)


def _ld_text(value: Any) -> str:
    if isinstance(value, str):
        return _norm(_unescape(value))
    if isinstance(value, dict):
        return _ld_text(value.get("name") or value.get("@value") or "")
    if isinstance(value, list):
        names = [_ld_text(v) for v in value]
        return ", ".join(dict.fromkeys(n for n in names if n))
    return ""


_LD_SCRIPTS = _xpath("//script[contains(@type, 'ld+json')]/text()")
_LD_FIELD_RE = {
    key: re.compile(rf'"{key}"\s*:\s*"((?:[^"\\]|\\.)*)"')
    for key in ("headline", "datePublished", "dateModified", "articleBody")
}


def _layer_jsonld(page: _Page, want_body: bool = True) -> dict[str, str]:
    found: dict[str, str] = {}
    for script in _LD_SCRIPTS(page.root):
        data = _loads_loose(script)
        if data is None:
            # Unparseable JSON: salvage the fields from an article-typed blob.
            if re.search(r'"@type"\s*:\s*"\w*Article"', script):
                for key, regex in _LD_FIELD_RE.items():
                    match = regex.search(script)
                    if match and key not in found:
                        found[key] = _loads_loose(f'"{match.group(1)}"') or ""
            continue
        for node in _walk_json(data):
            if not _is_article(node):
                continue
            for key in ("headline", "datePublished", "dateModified"):
                value = _ld_text(node.get(key) or (node.get("name") if key == "headline" else ""))
                if value and key not in found:
                    found[key] = value
            if "author" not in found:
                author = _ld_text(node.get("author"))
                if author:
                    found["author"] = author
            publisher = _ld_text(node.get("publisher"))
            if publisher and "outlets" not in found:
                found["outlets"] = publisher
            body = node.get("articleBody")
            if isinstance(body, str) and body.strip() and "articleBody" not in found:
                found["articleBody"] = body
    result = {
        "title": found.get("headline", ""),
        "published": found.get("datePublished", ""),
        "modified": found.get("dateModified", ""),
        "author": ", ".join(
            a for a in (_clean_author(p) for p in found.get("author", "").split(", ")) if a
        ),
        "outlets": found.get("outlets", ""),
        "body": _text_to_body(found["articleBody"])
        if want_body and found.get("articleBody")
        else "",
    }
    return {k: v for k, v in result.items() if isinstance(v, str) and v}


# --- layer: script payload (Arc XP) ------------------------------------------------------------

# Arc XP sites (조선일보 and many others) render the article client-side from one inline
# object, ``Fusion.globalContent = {…}`` in Arc's ANS format; the static HTML has no body and
# no visible date. Related and most-read stories are separate objects, so only this one is read.
_ARC_MARKER = "Fusion.globalContent="
_ARC_SCRIPTS = _xpath("//script[contains(., 'Fusion.globalContent')]/text()")
_ARC_TEXT_TYPES = frozenset({"text", "header"})
# "(서울=연합뉴스) 홍길동 기자", "[OSEN=대전, 지형준 기자]": a dateline naming place and outlet
# in either order; the registry tells which side is the outlet.
_DATELINE_RE = re.compile(
    r"^[(\[]\s*([^=()\[\],]{1,15})\s*=\s*([^=()\[\],]{1,15})[^()\[\]]{0,30}[)\]]\s*"
)


def _arc_content(page: _Page) -> dict[str, Any] | None:
    for script in _ARC_SCRIPTS(page.root):
        if _ARC_MARKER not in script.replace(" ", ""):
            continue
        brace = script.find("{", script.find("globalContent"))
        if brace < 0:
            continue
        try:
            data, _ = json.JSONDecoder(strict=False).raw_decode(script, brace)
        except (ValueError, RecursionError):
            continue
        if isinstance(data, dict) and data.get("type") == "story":
            return data
    return None


def _arc_byline(entry: Any) -> str:
    if not isinstance(entry, dict):
        return ""
    original = (entry.get("additional_properties") or {}).get("original") or {}
    for value in (original.get("byline") if isinstance(original, dict) else None,
                  entry.get("byline"), entry.get("name")):  # fmt: skip
        if isinstance(value, str) and value.strip():
            return _norm(value)
    return ""


def _byline_outlet(byline: str) -> tuple[list[str], str]:
    """Outlet candidates a byline names, and the rest: ``스포츠조선 = 안소윤 기자`` →
    ([스포츠조선], 안소윤 기자); ``(서울=연합뉴스) 홍길동 기자`` → ([서울, 연합뉴스], 홍길동 기자)."""
    dateline = _DATELINE_RE.match(byline)
    if dateline:
        sides = [side.strip() for side in dateline.groups()]
        return [s for s in sides if _plausible_outlet(s)], byline[dateline.end() :]
    head, sep, tail = byline.partition("=")
    if sep and _plausible_outlet(head.strip()):
        return [head.strip()], tail.strip()
    return [], byline


def _layer_arc(page: _Page, want_body: bool = True) -> dict[str, str]:
    data = _arc_content(page)
    if data is None:
        return {}
    found: dict[str, str] = {}
    headlines = data.get("headlines")
    if isinstance(headlines, dict) and isinstance(headlines.get("basic"), str):
        found["title"] = _norm(_unescape(headlines["basic"]))
    # The time the story first went out; created_date is when the draft was opened (조선일보's
    # article:published_time copies it, up to 20 minutes early) and display_date may be moved.
    for key in ("first_publish_date", "display_date", "publish_date", "created_date"):
        if isinstance(data.get(key), str) and data[key]:
            found["published"] = data[key]
            break
    if isinstance(data.get("last_updated_date"), str):
        found["modified"] = data["last_updated_date"]
    outlets: list[str] = []
    authors: list[str] = []
    credits = data.get("credits")
    for entry in (credits.get("by") or []) if isinstance(credits, dict) else []:
        named, person = _byline_outlet(_arc_byline(entry))
        outlets.extend(named)
        author = _clean_author(person)
        if author:
            authors.append(author)
    distributor = data.get("distributor")
    if isinstance(distributor, dict) and isinstance(distributor.get("name"), str):
        outlets.append(distributor["name"].strip())
    found["outlets"] = "\n".join(dict.fromkeys(o for o in outlets if o))
    found["author"] = ", ".join(dict.fromkeys(authors))
    if want_body:
        parts = [
            f"<p>{element['content']}</p>"
            for element in data.get("content_elements") or []
            if isinstance(element, dict)
            and element.get("type") in _ARC_TEXT_TYPES
            and isinstance(element.get("content"), str)
        ]
        if parts:
            found["body"] = clean_body_html("<div>" + "".join(parts) + "</div>")
    return {k: v for k, v in found.items() if v}


# --- layer: microdata ---------------------------------------------------------------------------


def _itemprop(page: _Page, name: str) -> str:
    for node in page.itemprop_nodes(name):
        value = node.get("content") or node.get("datetime")
        if not value and node.tag != "meta":
            value = " ".join(_TEXT_NOT_SCRIPT(node))
        if value and _norm(value):
            return _norm(_unescape(value))
    return ""


def _layer_microdata(page: _Page, want: frozenset[str] = _ALL_FIELDS) -> dict[str, str]:
    """``want``: the fields still missing; the others are not looked up."""
    found = {
        "title": _itemprop(page, "headline") if "title" in want else "",
        "published": _itemprop(page, "datePublished") if "published" in want else "",
        "modified": _itemprop(page, "dateModified") if "modified" in want else "",
    }
    bodies = page.itemprop_nodes("articleBody") if "body" in want else []
    if bodies:
        best = max(bodies, key=lambda b: len(_STRING(b)))
        found["body"] = clean_body_html(_html(best))
    return {k: v for k, v in found.items() if v}


# --- layer: meta --------------------------------------------------------------------------------


_HEADINGS = _xpath("//h1 | //h2 | //h3")
_TITLE_TEXT = _xpath("//title/text()")


def _headings(page: _Page) -> Iterator[str]:
    for heading in _HEADINGS(page.root)[:60]:
        yield _norm(" ".join(_ALL_TEXT(heading)))


def _is_site_name(text: str, names: list[str]) -> bool:
    key = _WS_RE.sub("", text).lower()
    if any(key == _WS_RE.sub("", n).lower() for n in names if n):
        return True
    return len(text) <= 25 and _resolve_outlet(text) is not None and len(text.split()) <= 2


def _layer_meta(
    page: _Page, known_outlets: list[str], want: frozenset[str] = _ALL_FIELDS
) -> dict[str, str]:
    """``want``: the fields still missing; the title is always read, for the outlet its
    suffix names."""
    found: dict[str, str] = {}
    site_name = page.meta("og:site_name")
    pipe_author = page.meta("og:article:author", "article:author", "dable:author")
    outlets: list[str] = []
    if site_name:
        outlets.append(site_name)
    if "|" in pipe_author:
        outlets.append(_outlet_from_pipe(pipe_author))

    titles = _TITLE_TEXT(page.root)
    raw_title = _unescape(page.meta("og:title", "twitter:title", "title")) or _norm(
        _unescape(titles[0] if titles else "")
    )
    if raw_title:
        title, suffix = strip_title_suffix(raw_title, [*known_outlets, *outlets])
        # A page heading that equals the start of og:title is the title without suffix.
        for heading in _headings(page):
            if heading and len(heading) >= 5 and raw_title.startswith(heading):
                rest = raw_title[len(heading) :].strip()
                if rest and _TITLE_SEP_RE.match(" " + rest) and len(heading) < len(title):
                    title = heading
                    break
        if _is_site_name(title, [*known_outlets, *outlets]):
            # <title>/og:title holding only the site's name: the story's heading is the first
            # one that is not the name again (the first <h1> is often the logo).
            title = next(
                (h for h in _headings(page) if len(h) >= 5 and not _is_site_name(h, [title])), ""
            )
        found["title"] = title
        if suffix:
            # "머니투데이 뉴스" names the outlet 머니투데이.
            outlets.append(re.sub(r"\s+(?:뉴스|news|NEWS|News)$", "", suffix))
    found["outlets"] = "\n".join(o for o in outlets if o)
    if "published" in want:
        found["published"] = page.meta(
            "article:published_time",
            "og:article:published_time",
            "og:published_time",
            "published_time",
            "pubdate",
            "publishdate",
            "article:published",
            "dc.date.issued",
            "date",
        )
    if "modified" in want:
        found["modified"] = page.meta(
            "article:modified_time",
            "og:updated_time",
            "og:article:modified_time",
            "last-modified",
        )
    if "author" in want:
        author = pipe_author if "|" not in pipe_author else ""
        if not author or "://" in author:
            author = page.meta("author", "byl", "dable:author")
        found["author"] = _clean_author(author)
    return {k: v for k, v in found.items() if v}


# --- layer: page text (density) -----------------------------------------------------------------

_NEGATIVE_TAGS = frozenset({"nav", "footer", "aside", "header", "form", "button", "select", "a"})
_INLINE_TAGS = frozenset({"b", "strong", "span", "font", "em", "i", "u"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "textarea", "option", "head"})
_TEXT_DATE_RE = re.compile(
    r"(?:기사\s*)?(?:입력|등록|승인|작성|송고|게재)\s*(?:일시|시간|일)?\s*[:：]?\s*"
    r"(\d{4}\s*[-./년]\s*\d{1,2}\s*[-./월]\s*\d{1,2}\s*[.일]?\s*(?:(?:오전|오후)\s*)?(?:\d{1,2}:\d{2}(?::\d{2})?)?)"
)


def _is_negative(element: Any) -> bool:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _NEGATIVE_TAGS:
        return True
    for attr in ("class", "id"):
        value = (element.get(attr) or "").lower()
        for token in _TOKEN_SPLIT_RE.split(value):
            if token in _NOISE_TOKENS:
                return True
    return False


def _own_text(element: Any) -> str:
    """Text directly inside an element (old pages put the body in a div, split by <br>)."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag in _INLINE_TAGS:
            parts.append(child.text_content() or "")
        parts.append(child.tail or "")
    return "".join(parts)


def _densest_block(page: _Page) -> Any:
    """The element holding the most paragraph text (readability's idea, much reduced)."""
    root = page.root
    if not hasattr(root, "iter"):
        return None
    scores: dict[Any, float] = {}
    negative: dict[Any, bool] = {}

    def is_bad(element: Any) -> bool:
        chain = []
        node = element
        while node is not None and node not in negative:
            chain.append(node)
            node = node.getparent()
        bad = negative.get(node, False) if node is not None else False
        for item in reversed(chain):
            bad = bad or _is_negative(item)
            negative[item] = bad
        return bad

    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if not tag or tag in _SKIP_TAGS:
            continue
        if tag == "p":
            text = element.text_content() or ""
            owner = element.getparent()
        elif tag in ("div", "section", "article", "td", "span", "font"):
            text = _own_text(element)
            owner = element
        else:
            continue
        length = len(_WS_RE.sub("", text))
        if length < 25 or owner is None or is_bad(element):
            continue
        links = sum(len(_WS_RE.sub("", a.text_content() or "")) for a in element.iter("a"))
        if tag == "p" and links > 0.5 * length:
            continue
        weight = length * (1.5 if _HANGUL_RE.search(text) else 1.0)
        scores[owner] = scores.get(owner, 0.0) + weight
        parent = owner.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0.0) + weight / 3
    if not scores:
        return None
    best, score = max(scores.items(), key=lambda kv: kv[1])
    # ~70 Hangul characters: a short news brief still qualifies, a stray footer line not.
    return best if score >= 100 else None


_H1 = _xpath("//h1")
_VISIBLE_TEXT = _xpath("//body//text()[not(ancestor::script or ancestor::style)]")


def _layer_text(page: _Page, want: frozenset[str] = _ALL_FIELDS) -> dict[str, str]:
    """``want``: the fields still missing (title, published, body); the others are skipped."""
    found: dict[str, str] = {}
    if "title" in want:
        h1 = _H1(page.root)
        if h1:
            found["title"] = _norm(" ".join(_ALL_TEXT(h1[0])))
    if "published" in want:
        match = _TEXT_DATE_RE.search(_norm(" ".join(_VISIBLE_TEXT(page.root))))
        if match:
            found["published"] = _norm(match.group(0))
    if "body" in want:
        block = _densest_block(page)
        if block is not None:
            from lxml import html as lxml_html

            found["body"] = clean_body_html(lxml_html.tostring(block, encoding="unicode"))
    return {k: v for k, v in found.items() if v}


_CLOCK_RE = re.compile(r"\d{1,2}\s*(?::|시)\s*\d{2}")
_OFFSET_SLIP = timedelta(hours=9)


def _visible_published(page: _Page, now: datetime | None) -> tuple[str, datetime] | None:
    """The page's first visible 입력-type time, when it gives the time of day."""
    match = _TEXT_DATE_RE.search(_norm(" ".join(_VISIBLE_TEXT(page.root))))
    if not match or not _CLOCK_RE.search(match.group(1)):
        return None
    raw = _norm(match.group(0))
    parsed = _parse_date(raw, now)
    return (raw, parsed) if parsed is not None else None


def _visible_outweighs(raw: str, structured: datetime, visible: datetime) -> bool:
    """Whether the visible 입력 time should replace a structured one that disagrees: the
    structured value has no time of day (a date-only meta, read as midnight) on the same day,
    or it is off by exactly Korea's nine hours (``Z`` on Korean wall-clock time, or the reverse)."""
    if not _CLOCK_RE.search(raw) and structured.date() == visible.date():
        return True
    return abs(abs(structured - visible) - _OFFSET_SLIP) <= timedelta(minutes=1)


# --- layer: trafilatura -------------------------------------------------------------------------


def _layer_trafilatura(text: str, url: str | None) -> dict[str, str]:
    try:
        import trafilatura
    except Exception:  # not importable (e.g. lxml's html cleaner missing): skip the layer
        return {}
    try:
        doc = trafilatura.bare_extraction(
            text,
            url=url,
            favor_precision=True,
            include_comments=False,
            with_metadata=True,
        )
    except Exception:
        return {}
    if doc is None:
        return {}
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    body = data.get("text") or ""
    # No date from here: trafilatura's date guess (htmldate) is a day without a time and
    # takes a 수정 (modified) stamp when that is all the page prints.
    found = {
        "title": _norm(data.get("title") or ""),
        "body": "\n\n".join(_text_lines(body)) if body else "",
    }
    return {k: v for k, v in found.items() if v}


# --- layer: JSON in scripts (Next.js and friends) -----------------------------------------------

_BODY_KEYS = ("articleBody", "article_body", "articleContent", "content", "contents", "body",
              "newsContent", "bodyHtml", "html", "text")  # fmt: skip
# "articleBody": "…" at the current escape level; deeper levels (a JSON document inside a JS
# string, as Next.js app-router pages push it) are reached by decoding long literals.
_SCRIPT_KEY_RE = re.compile(r'"(' + "|".join(_BODY_KEYS) + r')"\s*:\s*"((?:[^"\\]|\\.){60,})"')
_LONG_LITERAL_RE = re.compile(r'"((?:[^"\\]|\\.){60,})"')


def _body_like(value: str) -> bool:
    stripped = _TAG_RE.sub(" ", value)
    letters = len(_HANGUL_RE.findall(stripped)) + len(re.findall(r"[A-Za-z]", stripped))
    return len(stripped) >= 60 and letters > 0.5 * len(_WS_RE.sub("", stripped)) and " " in stripped


def _script_bodies(text: str, depth: int = 0) -> Iterator[str]:
    stripped = text.strip()
    if stripped[:1] in "{[":
        data = _loads_loose(stripped)
        if data is not None:
            yield from _json_bodies(data)
            return
    for match in _SCRIPT_KEY_RE.finditer(text):
        raw = match.group(2)
        decoded = _loads_loose(f'"{raw}"')
        if isinstance(decoded, str) and _body_like(decoded):
            yield decoded
    if depth < 2:
        for match in _LONG_LITERAL_RE.finditer(text):
            literal = match.group(1)
            if "\\" in literal and any(k in literal for k in _BODY_KEYS):
                decoded = _loads_loose(f'"{literal}"')
                if isinstance(decoded, str):
                    yield from _script_bodies(decoded, depth + 1)


def _json_bodies(node: Any, depth: int = 0) -> Iterator[str]:
    if depth > 30:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _BODY_KEYS and isinstance(value, str) and _body_like(value):
                yield value
            elif isinstance(value, dict | list):
                yield from _json_bodies(value, depth + 1)
    elif isinstance(node, list):
        for item in node:
            yield from _json_bodies(item, depth + 1)


_SCRIPTS = _xpath("//script[not(contains(@type, 'ld+json'))]/text()")
_QUOTED_BODY_KEY_RE = re.compile('"(?:' + "|".join(_BODY_KEYS) + ')"')


def _may_hold_body(script: str) -> bool:
    """Whether :func:`_script_bodies` can find anything in ``script``: it must name a body
    key and be JSON, hold escapes (a JSON document inside a JS string) or name the key in
    quotes (``"content": "…"``). Ordinary inline JavaScript (ad tags, analytics, tens of KB
    on news pages) is none of these; one regex pass tells, cheaper than the key lookups."""
    if "\\" in script or script.lstrip()[:1] in ("{", "["):
        return any(key in script for key in _BODY_KEYS)
    return _QUOTED_BODY_KEY_RE.search(script) is not None


def _layer_script(page: _Page) -> dict[str, str]:
    best = ""
    for script in _SCRIPTS(page.root):
        if not _may_hold_body(script):
            continue
        for candidate in _script_bodies(script):
            if len(candidate) > len(best):
                best = candidate
    return {"body": _text_to_body(best)} if best else {}


# --- assembling ---------------------------------------------------------------------------------

_MIN_BODY = {"site": 1, "jsonld": 200, "microdata": 80, "text": 60, "trafilatura": 150}


def _choose_outlet(candidates: list[tuple[str, str]], url: str | None) -> tuple[str, str]:
    """The first candidate the registry resolves, then the URL's domain, then the first
    plausible raw candidate."""
    for text, layer in candidates:
        name = _resolve_outlet(text)
        if name:
            return name, layer
    name = _resolve_outlet_url(url)
    if name:
        return name, "url"
    for text, layer in candidates:
        if _plausible_outlet(text):
            return text, layer
    return "", ""


def _extract(
    text: str, url: str | None, site_rules: SiteRules | None, now: datetime | None
) -> Extracted:
    result = Extracted()
    sel = Selector(text=text.replace("\x00", ""))
    page = _Page(sel)
    rules = site_rules if site_rules is not None else rules_for(url, sel)
    dates: dict[str, str] = {}

    def missing() -> frozenset[str]:
        """Fields no layer has given yet: a later layer only looks for these (its value for
        a field already found would be ignored anyway)."""
        have = {
            "title": result.title,
            "published": "published" in dates,
            "modified": "modified" in dates,
            "author": result.author,
            "body": result.body,
        }
        return frozenset(name for name, value in have.items() if not value)

    layers: list[tuple[str, Callable[[], dict[str, str]]]] = []
    if rules is not None:
        layers.append(("site", lambda: _layer_site(page, rules)))
    layers.append(("script", lambda: _layer_arc(page, want_body=not result.body)))
    layers.append(("jsonld", lambda: _layer_jsonld(page, want_body=not result.body)))
    layers.append(("microdata", lambda: _layer_microdata(page, missing())))

    outlet_candidates: list[tuple[str, str]] = []

    def known_outlets() -> list[str]:
        return [t for t, _ in outlet_candidates]

    layers.append(("meta", lambda: _layer_meta(page, known_outlets(), missing())))
    layers.append(("text", lambda: _layer_text(page, missing())))
    layers.append(
        (
            "trafilatura",
            lambda: _layer_trafilatura(text, url) if not (result.body and result.title) else {},
        )
    )

    bodies: list[tuple[str, str]] = []
    for name, layer in layers:
        try:
            found = layer()
        except Exception:  # one broken layer must not cost the others
            found = {}
        for outlet in found.get("outlets", "").split("\n"):
            if outlet.strip():
                outlet_candidates.append((outlet.strip(), name))
        if not result.title and found.get("title"):
            result.title = found["title"]
            result.fields_from["title"] = name
        for kind in ("published", "modified"):
            raw = found.get(kind, "")
            if kind in dates or not raw:
                continue
            parsed = _parse_date(raw, now)
            if parsed is not None:
                dates[kind] = raw
                setattr(result, kind, parsed)
                result.fields_from[kind] = name
        if not result.author and found.get("author"):
            result.author = found["author"]
            result.fields_from["author"] = name
        body = found.get("body", "")
        if body:
            bodies.append((body, name))
            if not result.body and len(body) >= _MIN_BODY.get(name, 1):
                result.body, result.fields_from["body"] = body, name

    try:
        script = _layer_script(page).get("body", "")
    except Exception:
        script = ""
    if script and len(script) > 2 * len(result.body):
        # The only real text is in a script (Next.js): what the HTML layers found is chrome.
        result.body, result.fields_from["body"] = script, "script"
    if not result.body and bodies:
        body, name = max(bodies, key=lambda b: len(b[0]))
        result.body, result.fields_from["body"] = body, name

    if result.published is not None and result.fields_from.get("published") != "text":
        visible = _visible_published(page, now)
        if visible is not None and _visible_outweighs(
            dates["published"], result.published, visible[1]
        ):
            dates["published"], result.published = visible
            result.fields_from["published"] = "text"
    result.published_raw = dates.get("published", "")
    outlet, layer = _choose_outlet(outlet_candidates, url)
    if not outlet or _is_portal(outlet):
        # A portal's copy: the story's own outlet is the one its dateline names.
        named = _dateline_outlet(result.body)
        if named:
            outlet, layer = named, "text"
    if outlet:
        result.outlet, result.fields_from["outlet"] = outlet, layer
    if (
        result.author
        and result.outlet
        and _WS_RE.sub("", result.author) == _WS_RE.sub("", result.outlet)
    ):
        result.author = ""  # sites that put their own name in meta author
        result.fields_from.pop("author", None)
    # Whatever layer gave it, a title still holding entities was escaped twice ("&amp;quot;").
    result.title = unicodedata.normalize("NFC", _norm(_unescape(result.title)))
    try:
        result.canonical = page.canonical()
    except Exception:  # never worth losing the article over
        result.canonical = ""
    return result


def extract_article(
    body: bytes | str,
    url: str | None = None,
    *,
    declared_encoding: str | None = None,
    site_rules: SiteRules | None = None,
    now: datetime | None = None,
) -> Extracted:
    """Extract title, dates, outlet, author and body text from an article page.

    ``body`` is the page as bytes (decoded with :func:`clipper.text.encoding.decode_html`, using
    ``declared_encoding``, the HTTP charset, when given) or as text. ``url`` selects the
    site rules and lets the outlet registry resolve the domain; ``site_rules`` overrides the
    registry lookup; ``now`` anchors relative dates. Never raises.
    """
    encoding = ""
    try:
        if isinstance(body, bytes | bytearray | memoryview):
            text, encoding = decode_html(bytes(body), declared_encoding)
        else:
            text = body if isinstance(body, str) else ""
        result = _extract(text, url, site_rules, now)
    except Exception:
        result = Extracted()
    result.encoding = encoding
    return result
