"""Layers ``microdata`` (``itemprop``) and ``meta`` (OpenGraph, ``article:*``, ``<title>``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from clipper.extract.clean import clean_body_elements
from clipper.extract.fields import (
    TITLE_SEP_RE,
    clean_author,
    outlet_from_pipe,
    resolve_outlet_text,
    strip_title_suffix,
)
from clipper.extract.page import (
    ALL_FIELDS,
    ALL_TEXT,
    STRING,
    TEXT_NOT_SCRIPT,
    WS_RE,
    ParsedPage,
    compiled_xpath,
    norm,
    unescape_entities,
)

# --- layer: microdata ---------------------------------------------------------------------------


def _itemprop(page: ParsedPage, name: str) -> str:
    for node in page.itemprop_nodes(name):
        value = node.get("content") or node.get("datetime")
        if not value and node.tag != "meta":
            value = " ".join(TEXT_NOT_SCRIPT(node))
        if value and norm(value):
            return norm(unescape_entities(value))
    return ""


def layer_microdata(page: ParsedPage, want: frozenset[str] = ALL_FIELDS) -> dict[str, str]:
    """``want``: the fields still missing; the others are not looked up."""
    found = {
        "title": _itemprop(page, "headline") if "title" in want else "",
        "published": _itemprop(page, "datePublished") if "published" in want else "",
        "modified": _itemprop(page, "dateModified") if "modified" in want else "",
    }
    bodies = page.itemprop_nodes("articleBody") if "body" in want else []
    if bodies:
        best = max(bodies, key=lambda b: len(STRING(b)))
        found["body"] = clean_body_elements([best])
    return {k: v for k, v in found.items() if v}


# --- layer: meta --------------------------------------------------------------------------------


_HEADINGS = compiled_xpath("//h1 | //h2 | //h3")
_TITLE_TEXT = compiled_xpath("//title/text()")


def _headings(page: ParsedPage) -> Iterator[str]:
    for heading in _HEADINGS(page.root)[:60]:
        yield norm(" ".join(ALL_TEXT(heading)))


def _is_site_name(text: str, names: list[str]) -> bool:
    key = WS_RE.sub("", text).lower()
    if any(key == WS_RE.sub("", n).lower() for n in names if n):
        return True
    return len(text) <= 25 and resolve_outlet_text(text) is not None and len(text.split()) <= 2


def layer_meta(
    page: ParsedPage, known_outlets: list[str], want: frozenset[str] = ALL_FIELDS
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
        outlets.append(outlet_from_pipe(pipe_author))

    titles = _TITLE_TEXT(page.root)
    raw_title = unescape_entities(page.meta("og:title", "twitter:title", "title")) or norm(
        unescape_entities(titles[0] if titles else "")
    )
    if raw_title:
        title, suffix = strip_title_suffix(raw_title, [*known_outlets, *outlets])
        # A page heading that equals the start of og:title is the title without suffix.
        for heading in _headings(page):
            if heading and len(heading) >= 5 and raw_title.startswith(heading):
                rest = raw_title[len(heading) :].strip()
                if rest and TITLE_SEP_RE.match(" " + rest) and len(heading) < len(title):
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
        found["author"] = clean_author(author)
    return {k: v for k, v in found.items() if v}
