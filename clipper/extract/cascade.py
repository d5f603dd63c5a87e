"""The cascade: every layer in order, each field from the first layer that gives it."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from clipper.extract.arc import layer_arc
from clipper.extract.fallbacks import layer_text, layer_trafilatura
from clipper.extract.fields import (
    choose_outlet,
    dateline_outlet,
    is_portal,
    parse_field_date,
    visible_outweighs,
    visible_published,
)
from clipper.extract.jsonld import layer_jsonld
from clipper.extract.meta import layer_meta, layer_microdata
from clipper.extract.page import WS_RE, ParsedPage, norm, page_selector, unescape_entities
from clipper.extract.rules import SiteRules, rules_for
from clipper.extract.scripts import layer_script
from clipper.extract.site import layer_site
from clipper.text.encoding import decode_html


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


# --- assembling ---------------------------------------------------------------------------------

_MIN_BODY = {"site": 1, "jsonld": 200, "microdata": 80, "text": 60, "trafilatura": 150}


def _extract(
    text: str, url: str | None, site_rules: SiteRules | None, now: datetime | None
) -> Extracted:
    result = Extracted()
    sel, text = page_selector(text)
    page = ParsedPage(sel)
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
        layers.append(("site", lambda: layer_site(page, rules)))
    layers.append(("script", lambda: layer_arc(page, want_body=not result.body)))
    layers.append(("jsonld", lambda: layer_jsonld(page, want_body=not result.body)))
    layers.append(("microdata", lambda: layer_microdata(page, missing())))

    outlet_candidates: list[tuple[str, str]] = []

    def known_outlets() -> list[str]:
        return [t for t, _ in outlet_candidates]

    layers.append(("meta", lambda: layer_meta(page, known_outlets(), missing())))
    layers.append(("text", lambda: layer_text(page, missing())))
    layers.append(
        (
            "trafilatura",
            lambda: layer_trafilatura(text, url) if not (result.body and result.title) else {},
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
            parsed = parse_field_date(raw, now)
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
        script = layer_script(page).get("body", "")
    except Exception:
        script = ""
    if script and len(script) > 2 * len(result.body):
        # The only real text is in a script (Next.js): what the HTML layers found is chrome.
        result.body, result.fields_from["body"] = script, "script"
    if not result.body and bodies:
        body, name = max(bodies, key=lambda b: len(b[0]))
        result.body, result.fields_from["body"] = body, name

    if result.published is not None and result.fields_from.get("published") != "text":
        visible = visible_published(page, now)
        if visible is not None and visible_outweighs(
            dates["published"], result.published, visible[1]
        ):
            dates["published"], result.published = visible
            result.fields_from["published"] = "text"
    result.published_raw = dates.get("published", "")
    outlet, layer = choose_outlet(outlet_candidates, url)
    if not outlet or is_portal(outlet):
        # A portal's copy: the story's own outlet is the one its dateline names.
        named = dateline_outlet(result.body)
        if named:
            outlet, layer = named, "text"
    if outlet:
        result.outlet, result.fields_from["outlet"] = outlet, layer
    if (
        result.author
        and result.outlet
        and WS_RE.sub("", result.author) == WS_RE.sub("", result.outlet)
    ):
        result.author = ""  # sites that put their own name in meta author
        result.fields_from.pop("author", None)
    # Whatever layer gave it, a title still holding entities was escaped twice ("&amp;quot;").
    result.title = unicodedata.normalize("NFC", norm(unescape_entities(result.title)))
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
