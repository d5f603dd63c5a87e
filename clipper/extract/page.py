"""Page access: one parsed page (the lxml tree of its one parsel Selector), compiled
selectors, and the small text helpers every layer shares."""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

Selectors = str | tuple[str, ...]
# The fields a layer can give; layers told which are still missing skip the others.
ALL_FIELDS = frozenset({"title", "published", "modified", "author", "body"})


# --- small helpers ------------------------------------------------------------------------------

WS_RE = re.compile(r"\s+")
HANGUL_RE = re.compile(r"[가-힣]")
# "<" ends a tag too: "<a<a<a…" with no ">" is then read in one pass, not one per "<".
TAG_RE = re.compile(r"<[a-zA-Z/!][^<>]*+>")


def norm(text: str | None) -> str:
    if not text:
        return ""
    # str.split() breaks on exactly the characters \s matches, several times faster.
    return " ".join(text.replace("\u200b", "").replace("\ufeff", "").split())


def unescape_entities(text: str) -> str:
    # JSON-LD and meta values are sometimes entity-escaped twice ("&amp;#039;").
    for _ in range(2):
        if "&" not in text:
            break
        text = html.unescape(text)
    return text


def selector_alternatives(selectors: Selectors) -> tuple[str, ...]:
    if isinstance(selectors, str):
        return (selectors,) if selectors else ()
    return tuple(s for s in selectors if s)


# parsel finds things in the page; its Selector wraps every result in another Selector, which
# cost more than the queries themselves (hundreds per page). The hot paths therefore run
# compiled XPath on the lxml tree the page's one Selector built (``sel.root``), with parsel's
# own CSS translation and its default EXSLT namespaces, so rules mean what they meant.
CSS_TRANSLATOR = HTMLTranslator()
_XPATH_NAMESPACES = {"re": "http://exslt.org/regular-expressions", "set": "http://exslt.org/sets"}


@functools.lru_cache(maxsize=1024)
def _compiled(selector: str) -> etree.XPath | None:
    """``selector`` (CSS, or XPath when it starts with ``/`` or ``(``) compiled; None if bad."""
    try:
        query = (
            selector if selector.startswith(("/", "(")) else CSS_TRANSLATOR.css_to_xpath(selector)
        )
        return etree.XPath(query, namespaces=_XPATH_NAMESPACES, smart_strings=False)
    except Exception:  # a bad selector in a rule must not break extraction
        return None


def compiled_xpath(query: str) -> etree.XPath:
    """A fixed XPath of this module, compiled once."""
    return etree.XPath(query, namespaces=_XPATH_NAMESPACES, smart_strings=False)


def select_nodes(root: Any, selector: str) -> list[Any]:
    """Raw lxml results (elements, strings) of ``selector`` on the tree ``root``."""
    compiled = _compiled(selector)
    if compiled is None or not hasattr(root, "xpath"):
        return []
    try:
        result = compiled(root)
    except Exception:  # an XPath that compiles but cannot run (unknown function, …)
        return []
    return result if isinstance(result, list) else [result]


TEXT_NOT_SCRIPT = compiled_xpath(".//text()[not(ancestor::script)]")
ALL_TEXT = compiled_xpath(".//text()")
STRING = compiled_xpath("string()")


def _texts(results: Iterable[Any]) -> list[str]:
    out = []
    for result in results:
        if isinstance(result, str):
            out.append(result)
        elif isinstance(result, etree._Element):
            out.append(" ".join(TEXT_NOT_SCRIPT(result)))
        else:  # a number or boolean from an XPath expression carries no text
            out.append("")
    return out


class ParsedPage:
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
        return select_nodes(self.root, selector)

    def first_values(self, selectors: Selectors) -> list[str]:
        """Values of the first alternative that matches something non-empty."""
        cached = self._values.get(selectors)
        if cached is not None:
            return cached
        values: list[str] = []
        for selector in selector_alternatives(selectors):
            values = [norm(unescape_entities(v)) for v in _texts(self.nodes(selector))]
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
                if value and norm(value):
                    return norm(unescape_entities(value))
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


_META = compiled_xpath("//meta")
_META_ATTRS = ("property", "name", "itemprop")
_ITEMPROP = compiled_xpath("//*[@itemprop]")


H1 = compiled_xpath("//h1")
VISIBLE_TEXT = compiled_xpath("//body//text()[not(ancestor::script or ancestor::style)]")


def loads_loose(text: str) -> Any:
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


# --- deep nesting ---------------------------------------------------------------------------
#
# libxml2 stops parsing at a nesting depth of 2,048 (with lxml's huge_tree, as parsel and
# the body parser use it; 256 without): everything after the 2,048th unclosed element is
# silently lost. A page that deep (5,000 nested <div>s around a board post) is parsed again
# with the elements beyond _MAX_DEPTH taken out (their text stays), in one linear pass.
_MAX_DEPTH = 512
_PARSER_DEPTH = 2000
_TAG_TOKEN_RE = re.compile(r"<(/?)([A-Za-z][\w:-]{0,40}+)[^<>]{0,4096}+>")
# Never nest (void) or are usually left open: not counted, never taken out.
_UNCOUNTED_TAGS = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "tbody",
        "thead", "tfoot", "colgroup",
    }
)  # fmt: skip


def _too_deep(root: Any) -> bool:
    """Whether libxml2 gave up on ``root``'s document for depth: it stops with every open
    element on the last-child chain, so that chain reaches the limit."""
    depth = 0
    while depth <= _PARSER_DEPTH and len(root):
        root = root[-1]
        depth += 1
    return depth > _PARSER_DEPTH


def _flatten(markup: str, bare_only: bool = True) -> str:
    """``markup`` without the start and end tags nested deeper than :data:`_MAX_DEPTH`: only
    bare ones (no attributes: the wrappers) when ``bare_only``, so that the elements rules
    select by id or class stay."""
    out: list[str] = []
    pos = 0
    dropped: list[bool] = []  # per open element: whether its start tag was taken out
    for match in _TAG_TOKEN_RE.finditer(markup):
        tag = match.group(0)
        if match.group(2).lower() in _UNCOUNTED_TAGS or tag.endswith("/>"):
            continue
        if match.group(1):
            drop = dropped.pop() if dropped else False
        else:
            attributes = tag[match.end(2) - match.start() : -1].strip()
            drop = len(dropped) >= _MAX_DEPTH and not (bare_only and attributes)
            dropped.append(drop)
        if drop:
            out.append(markup[pos : match.start()])
            pos = match.end()
    out.append(markup[pos:])
    return "".join(out)


def _parse_once(markup: str) -> Any:
    parser = etree.HTMLParser(huge_tree=True)
    parser.feed(markup)
    return parser.close()


def parse_html(markup: str) -> Any:
    """The root element of ``markup`` parsed by lxml's HTML parser (as a document: a
    fragment gets ``<html><body>`` around it), flattened when it nests too deep."""
    root = _parse_once(markup)
    for bare_only in (True, False):
        if not _too_deep(root):
            break
        root = _parse_once(_flatten(markup, bare_only))
    return root


def page_selector(text: str) -> tuple[Selector, str]:
    """The page's one Selector, and the text it was made of: ``text`` without NUL bytes, and
    flattened (:func:`_flatten`) when it nests deeper than libxml2 parses, so that an article
    inside 5,000 wrappers is not cut off. For any code that reads a page with parsel."""
    text = text.replace("\x00", "")
    page_text = text
    sel = Selector(text=page_text)
    for bare_only in (True, False):
        if not _too_deep(sel.root):
            break
        page_text = _flatten(text, bare_only)
        sel = Selector(text=page_text)
    return sel, page_text
