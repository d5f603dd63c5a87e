"""Body cleaning: an article body fragment to plain text paragraphs, on lxml.

A fragment is either elements of the page's own tree (the site, microdata and text layers:
no serialising and no second parse) or markup (a JSON-LD ``articleBody``, Arc's paragraphs,
a script's body), parsed once with lxml's HTML parser. The tree is never changed: the blocks
to drop are found by one compiled XPath (the CSS of :data:`DROP_SELECTORS` plus a site rule's
``drop``, translated by cssselect as parsel translates the rules' selectors), noise blocks and
whole-line links are decided on top of that, and the text walk steps over all of them.
"""

from __future__ import annotations

import copy
import functools
import html
import itertools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from lxml import etree

from clipper.extract.page import CSS_TRANSLATOR, TAG_RE, WS_RE, norm, parse_html, unescape_entities
from clipper.text.patterns import strip_copyright

# What every fragment loses before its text is read.
DROP_SELECTORS = (
    "script, style, noscript, iframe, object, embed, form, button, input, select, textarea, "
    "svg, canvas, video, audio, figure, figcaption, picture, img, ins, aside, nav, footer, "
    "em.img_desc, strong.media_end_summary, div.view-copyright, div.view-editors, "
    "blockquote, [hidden], [aria-hidden=true], [style*='display:none'], [style*='display: none']"
)

# Class/id tokens of blocks that are not article text.
NOISE_TOKENS = frozenset(
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
TOKEN_SPLIT_RE = re.compile(r"[\s\-_]+")
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "main", "header", "li", "ul", "ol", "dl", "dt",
        "dd", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "td", "th", "pre", "center",
        "address", "hr", "body", "html",
    }
)  # fmt: skip
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


# Text inside these is not the element's text (ruby annotations, template content: what
# BeautifulSoup, which cleaned bodies before, leaves out of get_text()), except where it holds
# a line break (see _piece).
_SPECIAL_TEXT_TAGS = frozenset({"rt", "rp", "template"})
_INLINE_WRAPPERS = frozenset({"b", "strong", "span", "font", "em", "i"})
_OPEN, _TEXT, _CLOSE = 0, 1, 2


@functools.lru_cache(maxsize=256)
def _drop_query(drop: str) -> etree.XPath:
    """One XPath for :data:`DROP_SELECTORS` plus a site's ``drop`` (raises on a bad one)."""
    selectors = f"{DROP_SELECTORS}, {drop}" if drop.strip() else DROP_SELECTORS
    return etree.XPath(CSS_TRANSLATOR.css_to_xpath(selectors), smart_strings=False)


def _tokens(root: Any, removed: set[Any]) -> Iterator[tuple[int, Any, bool]]:
    """``root``'s subtree in document order, without recursion (pages nest deeply):
    ``(_OPEN, element, special)``, ``(_TEXT, text, special)``, ``(_CLOSE, element, special)``.

    Removed elements, comments and processing instructions are skipped whole, but their
    tails (the text after them, which belongs to the parent) are kept. ``special``: inside
    :data:`_SPECIAL_TEXT_TAGS`."""
    special = root.tag in _SPECIAL_TEXT_TAGS
    yield _OPEN, root, special
    if root in removed:
        return
    if root.text:
        yield _TEXT, root.text, special
    stack: list[tuple[Iterator[Any], Any, bool]] = [(iter(root), root, special)]
    while stack:
        children, parent, special = stack[-1]
        for child in children:
            if not isinstance(child.tag, str) or child in removed:
                if child.tail:
                    yield _TEXT, child.tail, special
                continue
            inner = special or child.tag in _SPECIAL_TEXT_TAGS
            yield _OPEN, child, inner
            if child.text:
                yield _TEXT, child.text, inner
            stack.append((iter(child), child, inner))
            break
        else:
            stack.pop()
            yield _CLOSE, parent, special
            if stack and parent.tail:
                yield _TEXT, parent.tail, stack[-1][2]


def _piece(text: str, special: bool) -> str:
    """What a text node adds to the body: raw newlines and tabs are spaces in HTML text
    (only ``<br>`` and blocks break lines)."""
    if "\n" in text or "\r" in text or "\t" in text:
        return WS_RE.sub(" ", text)
    return "" if special else text


def _stripped_length(element: Any, removed: set[Any]) -> int:
    """Characters of text in ``element`` (each text node stripped), removed parts left out."""
    return sum(
        len(_piece(item, special).strip())
        for kind, item, special in _tokens(element, removed)
        if kind == _TEXT
    )


def _has_noise_token(element: Any) -> bool:
    values = (element.get("class") or "").split()
    element_id = element.get("id")
    if element_id is not None:
        values.append(element_id)
    for value in values:
        lowered = value.lower()
        if lowered in NOISE_TOKENS:
            return True
        parts = TOKEN_SPLIT_RE.split(lowered)
        if len(parts) > 1 and any(p in NOISE_TOKENS for p in parts):
            return True
        # "sub-tit-ll" is a subtitle: try adjacent tokens joined too.
        if any(a + b in NOISE_TOKENS for a, b in itertools.pairwise(parts)):
            return True
    return False


def _inside(element: Any, removed: set[Any]) -> bool:
    """Whether ``element`` or one of its ancestors is removed."""
    while element is not None:
        if element in removed:
            return True
        element = element.getparent()
    return False


def _edge(element: Any, removed: set[Any], before: bool) -> bool:
    """Whether ``element`` meets a line edge on one side: nothing, ``<br>`` or a block
    element next to it, past whitespace and removed elements."""
    node = element
    while True:
        if before:
            sibling = node.getprevious()
            between = sibling.tail if sibling is not None else node.getparent().text
        else:
            sibling, between = node.getnext(), node.tail
        if between and between.strip():
            return False  # text on the same line
        if sibling is None:
            return True
        if isinstance(sibling.tag, str) and sibling not in removed:
            return sibling.tag == "br" or sibling.tag in _BLOCK_TAGS
        node = sibling


def _is_whole_line_link(link: Any, removed: set[Any]) -> bool:
    """A link that fills its line on its own (``<br>`` or block edges on both sides)."""
    if not _stripped_length(link, removed):
        return False
    parent = link.getparent()
    if parent is not None and parent.tag in _INLINE_WRAPPERS:
        link = parent
    return _edge(link, removed, before=True) and _edge(link, removed, before=False)


def text_lines(text: str) -> list[str]:
    lines = []
    for raw in text.split("\n"):
        line = norm(raw.replace("\xa0", " "))
        if not line or _JUNK_LINE_RE.match(line):
            continue
        if _PROMO_LINE_RE.match(line):
            continue
        line = strip_copyright(line)
        if line:
            lines.append(line)
    return lines


def _body_text(body: Any, drop: str) -> str:
    """The text of ``body``'s content with ``<br>`` and every block element as a line
    break, after the drops, noise blocks and whole-line links are left out."""
    removed: set[Any] = set(_drop_query(drop)(body))
    removed.discard(body)
    noisy: list[Any] = []
    links: list[Any] = []
    total = 0
    for kind, item, special in _tokens(body, removed):
        if kind == _TEXT:
            total += len(_piece(item, special).strip())
        elif kind == _OPEN and item is not body:
            if item.attrib and _has_noise_token(item):
                noisy.append(item)
            if item.tag == "a":
                links.append(item)
    for element in noisy:
        if _inside(element, removed):
            continue
        # A noisy-looking class on the block that holds most of a real article (the
        # fragment's own container, say "photo_article_body") is a wrapper, not noise.
        length = _stripped_length(element, removed)
        if length < 0.5 * total or length < 200:
            removed.add(element)
    for link in links:
        if not _inside(link, removed) and _is_whole_line_link(link, removed):
            removed.add(link)
    out: list[str] = []
    for kind, item, special in _tokens(body, removed):
        if kind == _TEXT:
            out.append(_piece(item, special))
        elif item.tag in _BLOCK_TAGS or (kind == _OPEN and item.tag == "br"):
            out.append("\n")
    return "".join(out)


def _lines_of(text: str) -> str:
    return "\n\n".join(text_lines(text))


def clean_body_html(fragment: str, drop: str = "") -> str:
    """Plain text of an article body fragment: paragraphs separated by a blank line.

    Removes scripts, photo captions, summary boxes, pull quotes, copyright and promo blocks
    (plus the ``drop`` selectors of a site rule), turns ``<br>`` and block elements into
    paragraph breaks, and drops copyright and ``▶`` promo lines.
    """
    if not fragment or not fragment.strip():
        return ""
    try:
        root = parse_html(fragment)
        body = root.find("body")
        text = _body_text(body if body is not None else root, drop)
    except Exception:  # a pathological fragment: fall back to tag stripping
        text = html.unescape(TAG_RE.sub("\n", fragment))
    return _lines_of(text)


def clean_body_elements(elements: Iterable[Any], drop: str = "") -> str:
    """:func:`clean_body_html` of elements of a parsed page, as if their markup were joined
    by line breaks; the page's tree is not changed (the text walk runs on a copy)."""
    body = etree.Element("body")
    for element in elements:
        if len(body):
            body[-1].tail = "\n"
        body.append(copy.deepcopy(element))
        body[-1].tail = None
    if not len(body):
        return ""
    try:
        text = _body_text(body, drop)
    except Exception:  # a broken site rule's drop selector: the tag stripping of before
        text = html.unescape(
            TAG_RE.sub(
                "\n",
                "\n".join(
                    etree.tostring(e, method="html", encoding="unicode", with_tail=False)
                    for e in body
                ),
            )
        )
    return _lines_of(text)


def text_to_body(text: str) -> str:
    """A body given as text (JSON-LD, script JSON): HTML is cleaned, plain text split."""
    text = unescape_entities(text) if "&" in text and "<" not in text else text
    if TAG_RE.search(text):
        return clean_body_html(text)
    return "\n\n".join(text_lines(text.replace("\\n", "\n")))
