"""Body cleaning: an article body fragment (HTML) to plain text paragraphs."""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterator
from typing import Any

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from bs4.element import CData

from clipper.extract.dropmatch import _drop_rules
from clipper.extract.page import _TAG_RE, _WS_RE, _norm, _unescape

# --- body cleaning ------------------------------------------------------------------------------

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
