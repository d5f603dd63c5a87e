"""Page access: one parsed page (the lxml tree of its one parsel Selector), compiled
selectors, and the small text helpers every layer shares."""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

Selectors = str | tuple[str, ...]
# The fields a layer can give; layers told which are still missing skip the others.
_ALL_FIELDS = frozenset({"title", "published", "modified", "author", "body"})


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


_H1 = _xpath("//h1")
_VISIBLE_TEXT = _xpath("//body//text()[not(ancestor::script or ancestor::style)]")


def _html(element: Any) -> str:
    """An element's markup, without its tail (what parsel's ``.get()`` gives)."""
    return etree.tostring(element, method="html", encoding="unicode", with_tail=False)


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
