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

The outlet also comes from ``url`` (the domain, through :mod:`clipper.outlets`). Parsel finds
things in the whole page; BeautifulSoup cleans only the chosen body fragment.
:func:`extract_article` never raises: a broken page gives empty fields.
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

from bs4 import BeautifulSoup, Comment, Tag
from parsel import Selector

from clipper.encoding import decode_html

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
    trafilatura, script or url.
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
            if rules.detect and _select(sel, rules.detect):
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


def _select(sel: Selector, selector: str) -> list[Selector]:
    try:
        if selector.startswith(("/", "(")):
            return list(sel.xpath(selector))
        return list(sel.css(selector))
    except Exception:  # a bad selector in a rule must not break extraction
        return []


def _texts(results: Iterable[Selector]) -> list[str]:
    out = []
    for result in results:
        if isinstance(result.root, str):
            out.append(result.root)
        else:
            out.append(" ".join(result.xpath(".//text()[not(ancestor::script)]").getall()))
    return out


def _first_values(sel: Selector, selectors: Selectors) -> list[str]:
    """Values of the first alternative that matches something non-empty."""
    for selector in _alternatives(selectors):
        values = [_norm(_unescape(v)) for v in _texts(_select(sel, selector))]
        values = [v for v in values if v]
        if values:
            return values
    return []


def _meta(sel: Selector, *keys: str) -> str:
    """Content of the first meta tag whose property/name/itemprop is one of ``keys``."""
    for key in keys:
        for attr in ("property", "name", "itemprop"):
            value = sel.xpath(f"//meta[@{attr}=$key]/@content", key=key).get()
            if value and _norm(value):
                return _norm(_unescape(value))
    return ""


# --- dates --------------------------------------------------------------------------------------

_DATE_SHAPE_RE = re.compile(r"\d{1,4}\s*[-./년:]\s*\d{1,2}|\d{8,14}|\d+\s*(?:분|시간|일)\s*전|어제")
_MODIFIED_LABEL_RE = re.compile(r"수정|업데이트|갱신|updated|modified", re.I)
_PUBLISHED_LABEL_RE = re.compile(r"입력|등록|송고|작성|게재|발행|published|posted", re.I)
_APPROVED_LABEL_RE = re.compile(r"승인")


def _parse_date(raw: str | None, now: datetime | None) -> datetime | None:
    if not raw or not _DATE_SHAPE_RE.search(raw):
        return None
    try:
        from clipper.dates import parse_date

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
    return _WS_RE.sub("", text).lower() in _PORTALS


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
    """The outlet registry, or None when :mod:`clipper.outlets` is unavailable."""
    try:
        from clipper.outlets import default_registry

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
_PROMO_LINE_RE = re.compile(r"^\s*(?:[▶☞▷►■◆]|\[?(?:관련\s*기사|관련기사|추천\s*기사)\]?\s*$)")
_JUNK_LINE_RE = re.compile(r"^(?:advertisement|광고|AD|\W)$", re.I)


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

    if not link.get_text(strip=True):
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


def clean_body_html(fragment: str, drop: str = "") -> str:
    """Plain text of an article body fragment: paragraphs separated by a blank line.

    Removes scripts, photo captions, summary boxes, pull quotes, copyright and promo blocks
    (plus the ``drop`` selectors of a site rule), turns ``<br>`` and block elements into
    paragraph breaks, and drops copyright and ``▶`` promo lines.
    """
    if not fragment or not fragment.strip():
        return ""
    try:
        soup = BeautifulSoup(fragment, "lxml")
        for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
            comment.extract()
        for selector in (_DROP_SELECTORS, drop):
            if selector:
                for tag in soup.select(selector):
                    tag.decompose()
        root = soup.body or soup
        for node in root.find_all(string=True):
            # Raw newlines in HTML text are spaces; only <br> and blocks break lines.
            if "\n" in node or "\r" in node or "\t" in node:
                node.replace_with(_WS_RE.sub(" ", str(node)))
        total = len(root.get_text(strip=True))
        for tag in root.find_all(True):
            if tag.decomposed or not _has_noise_token(tag):
                continue
            # A noisy-looking class on the block that holds most of a real article (the
            # fragment's own container, say "photo_article_body") is a wrapper, not noise.
            length = len(tag.get_text(strip=True))
            if length < 0.5 * total or length < 200:
                tag.decompose()
        for link in root.find_all("a"):
            if not link.decomposed and _is_whole_line_link(link):
                link.decompose()
        for br in root.find_all("br"):
            br.replace_with("\n")
        for tag in root.find_all(_BLOCK_TAGS):
            tag.insert_before("\n")
            tag.insert_after("\n")
        text = root.get_text()
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


def _layer_site(sel: Selector, rules: SiteRules) -> dict[str, str]:
    found: dict[str, str] = {}
    titles = _first_values(sel, rules.title)
    if titles:
        found["title"] = titles[0]
    for kind in ("published", "modified"):
        raw = _pick_date(_first_values(sel, getattr(rules, kind)), kind)
        if raw:
            found[kind] = raw
    authors = [_clean_author(v) for v in _first_values(sel, rules.author)]
    authors = list(dict.fromkeys(a for a in authors if a))
    if authors:
        found["author"] = ", ".join(authors[:3])
    outlets = [
        _outlet_from_copyright(_outlet_from_pipe(v)) for v in _first_values(sel, rules.outlet)
    ]
    found["outlets"] = "\n".join(o for o in outlets if o)
    for selector in _alternatives(rules.body):
        parts = _select(sel, selector)
        fragments = [p.get() for p in parts if not isinstance(p.root, str)]
        if fragments:
            body = clean_body_html("\n".join(fragments), rules.drop)
            if body:
                found["body"] = body
                break
    return found


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


_LD_FIELD_RE = {
    key: re.compile(rf'"{key}"\s*:\s*"((?:[^"\\]|\\.)*)"')
    for key in ("headline", "datePublished", "dateModified", "articleBody")
}


def _layer_jsonld(sel: Selector) -> dict[str, str]:
    found: dict[str, str] = {}
    for script in sel.xpath("//script[contains(@type, 'ld+json')]/text()").getall():
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
        "body": _text_to_body(found["articleBody"]) if found.get("articleBody") else "",
    }
    return {k: v for k, v in result.items() if isinstance(v, str) and v}


# --- layer: microdata ---------------------------------------------------------------------------


def _itemprop(sel: Selector, name: str) -> str:
    for node in sel.xpath(f"//*[@itemprop='{name}']"):
        value = node.attrib.get("content") or node.attrib.get("datetime")
        if not value and node.root.tag != "meta":
            value = " ".join(node.xpath(".//text()[not(ancestor::script)]").getall())
        if value and _norm(value):
            return _norm(_unescape(value))
    return ""


def _layer_microdata(sel: Selector) -> dict[str, str]:
    found = {
        "title": _itemprop(sel, "headline"),
        "published": _itemprop(sel, "datePublished"),
        "modified": _itemprop(sel, "dateModified"),
    }
    bodies = sel.xpath("//*[@itemprop='articleBody']")
    if bodies:
        best = max(bodies, key=lambda b: len(b.xpath("string()").get() or ""))
        found["body"] = clean_body_html(best.get())
    return {k: v for k, v in found.items() if v}


# --- layer: meta --------------------------------------------------------------------------------


def _headings(sel: Selector) -> list[str]:
    return [
        _norm(" ".join(h.xpath(".//text()").getall())) for h in sel.xpath("//h1 | //h2 | //h3")[:60]
    ]


def _layer_meta(sel: Selector, known_outlets: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    site_name = _meta(sel, "og:site_name")
    pipe_author = _meta(sel, "og:article:author", "article:author", "dable:author")
    outlets: list[str] = []
    if site_name:
        outlets.append(site_name)
    if "|" in pipe_author:
        outlets.append(_outlet_from_pipe(pipe_author))

    raw_title = _meta(sel, "og:title", "twitter:title", "title") or _norm(
        _unescape(sel.xpath("//title/text()").get() or "")
    )
    if raw_title:
        title, suffix = strip_title_suffix(raw_title, [*known_outlets, *outlets])
        # A page heading that equals the start of og:title is the title without suffix.
        for heading in _headings(sel):
            if heading and len(heading) >= 5 and raw_title.startswith(heading):
                rest = raw_title[len(heading) :].strip()
                if rest and _TITLE_SEP_RE.match(" " + rest) and len(heading) < len(title):
                    title = heading
                    break
        found["title"] = title
        if suffix:
            # "머니투데이 뉴스" names the outlet 머니투데이.
            outlets.append(re.sub(r"\s+(?:뉴스|news|NEWS|News)$", "", suffix))
    found["outlets"] = "\n".join(o for o in outlets if o)
    found["published"] = _meta(
        sel,
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
    found["modified"] = _meta(
        sel, "article:modified_time", "og:updated_time", "og:article:modified_time", "last-modified"
    )
    author = pipe_author if "|" not in pipe_author else ""
    if not author or "://" in author:
        author = _meta(sel, "author", "byl", "dable:author")
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


def _densest_block(sel: Selector) -> Any:
    """The element holding the most paragraph text (readability's idea, much reduced)."""
    root = sel.root
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


def _layer_text(sel: Selector, want_body: bool) -> dict[str, str]:
    found: dict[str, str] = {}
    h1 = sel.xpath("//h1")
    if h1:
        found["title"] = _norm(" ".join(h1[0].xpath(".//text()").getall()))
    visible = " ".join(
        sel.xpath("//body//text()[not(ancestor::script or ancestor::style)]").getall()
    )
    match = _TEXT_DATE_RE.search(_norm(visible))
    if match:
        found["published"] = _norm(match.group(0))
    if want_body:
        block = _densest_block(sel)
        if block is not None:
            from lxml import html as lxml_html

            found["body"] = clean_body_html(lxml_html.tostring(block, encoding="unicode"))
    return {k: v for k, v in found.items() if v}


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


def _layer_script(sel: Selector) -> dict[str, str]:
    best = ""
    for script in sel.xpath("//script[not(contains(@type, 'ld+json'))]/text()").getall():
        if not any(key in script for key in _BODY_KEYS):
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
    rules = site_rules if site_rules is not None else rules_for(url, sel)

    layers: list[tuple[str, Callable[[], dict[str, str]]]] = []
    if rules is not None:
        layers.append(("site", lambda: _layer_site(sel, rules)))
    layers.append(("jsonld", lambda: _layer_jsonld(sel)))
    layers.append(("microdata", lambda: _layer_microdata(sel)))

    outlet_candidates: list[tuple[str, str]] = []

    def known_outlets() -> list[str]:
        return [t for t, _ in outlet_candidates]

    layers.append(("meta", lambda: _layer_meta(sel, known_outlets())))
    layers.append(("text", lambda: _layer_text(sel, want_body=not result.body)))
    layers.append(
        (
            "trafilatura",
            lambda: _layer_trafilatura(text, url) if not (result.body and result.title) else {},
        )
    )

    dates: dict[str, str] = {}
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
        script = _layer_script(sel).get("body", "")
    except Exception:
        script = ""
    if script and len(script) > 2 * len(result.body):
        # The only real text is in a script (Next.js): what the HTML layers found is chrome.
        result.body, result.fields_from["body"] = script, "script"
    if not result.body and bodies:
        body, name = max(bodies, key=lambda b: len(b[0]))
        result.body, result.fields_from["body"] = body, name

    result.published_raw = dates.get("published", "")
    outlet, layer = _choose_outlet(outlet_candidates, url)
    if outlet:
        result.outlet, result.fields_from["outlet"] = outlet, layer
    if (
        result.author
        and result.outlet
        and _WS_RE.sub("", result.author) == _WS_RE.sub("", result.outlet)
    ):
        result.author = ""  # sites that put their own name in meta author
        result.fields_from.pop("author", None)
    result.title = unicodedata.normalize("NFC", result.title)
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

    ``body`` is the page as bytes (decoded with :func:`clipper.encoding.decode_html`, using
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
