"""Fallback layers: ``text`` (the page's own text: densest block, first ``<h1>``, a labelled
date) and ``trafilatura`` (the generic extractor)."""

from __future__ import annotations

import re
from typing import Any

from clipper.extract.clean import NOISE_TOKENS, TOKEN_SPLIT_RE, clean_body_elements, text_lines
from clipper.extract.fields import TEXT_DATE_RE
from clipper.extract.page import (
    ALL_FIELDS,
    ALL_TEXT,
    H1,
    HANGUL_RE,
    VISIBLE_TEXT,
    WS_RE,
    ParsedPage,
    norm,
)

# --- layer: page text (density) -----------------------------------------------------------------

_NEGATIVE_TAGS = frozenset({"nav", "footer", "aside", "header", "form", "button", "select", "a"})
_INLINE_TAGS = frozenset({"b", "strong", "span", "font", "em", "i", "u"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "textarea", "option", "head"})


def _is_negative(element: Any) -> bool:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _NEGATIVE_TAGS:
        return True
    for attr in ("class", "id"):
        value = (element.get(attr) or "").lower()
        for token in TOKEN_SPLIT_RE.split(value):
            if token in NOISE_TOKENS:
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


def _densest_block(page: ParsedPage) -> Any:
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
        length = len(WS_RE.sub("", text))
        if length < 25 or owner is None or is_bad(element):
            continue
        links = sum(len(WS_RE.sub("", a.text_content() or "")) for a in element.iter("a"))
        if tag == "p" and links > 0.5 * length:
            continue
        weight = length * (1.5 if HANGUL_RE.search(text) else 1.0)
        scores[owner] = scores.get(owner, 0.0) + weight
        parent = owner.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0.0) + weight / 3
    if not scores:
        return None
    best, score = max(scores.items(), key=lambda kv: kv[1])
    # ~70 Hangul characters: a short news brief still qualifies, a stray footer line not.
    return best if score >= 100 else None


def layer_text(page: ParsedPage, want: frozenset[str] = ALL_FIELDS) -> dict[str, str]:
    """``want``: the fields still missing (title, published, body); the others are skipped."""
    found: dict[str, str] = {}
    if "title" in want:
        h1 = H1(page.root)
        if h1:
            found["title"] = norm(" ".join(ALL_TEXT(h1[0])))
    if "published" in want:
        match = TEXT_DATE_RE.search(norm(" ".join(VISIBLE_TEXT(page.root))))
        if match:
            found["published"] = norm(match.group(0))
    if "body" in want:
        block = _densest_block(page)
        if block is not None:
            found["body"] = clean_body_elements([block])
    return {k: v for k, v in found.items() if v}


# --- layer: trafilatura -------------------------------------------------------------------------


# trafilatura's metadata patterns are quadratic in an attribute's length (a 50 KB meta author
# takes seconds, a megabyte hours), so it is given the page with long values cut: no real
# meta value or class list comes near this.
_ATTRIBUTE_MAX = 2000
_LONG_ATTRIBUTE_RE = re.compile(
    rf"""(=\s*+"[^"]{{{_ATTRIBUTE_MAX}}})[^"]*+"|(=\s*+'[^']{{{_ATTRIBUTE_MAX}}})[^']*+'"""
)


def _bounded_attributes(text: str) -> str:
    return _LONG_ATTRIBUTE_RE.sub(lambda m: (m.group(1) or m.group(2)) + m.group(0)[-1], text)


def layer_trafilatura(text: str, url: str | None) -> dict[str, str]:
    try:
        import trafilatura
    except Exception:  # not importable (e.g. lxml's html cleaner missing): skip the layer
        return {}
    try:
        doc = trafilatura.bare_extraction(
            _bounded_attributes(text),
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
        "title": norm(data.get("title") or ""),
        "body": "\n\n".join(text_lines(body)) if body else "",
    }
    return {k: v for k, v in found.items() if v}
