"""Layer ``jsonld``: schema.org articles in ``application/ld+json``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from clipper.extract.clean import text_to_body
from clipper.extract.fields import clean_author
from clipper.extract.page import ParsedPage, compiled_xpath, loads_loose, norm, unescape_entities

# --- layer: JSON-LD -----------------------------------------------------------------------------

_ARTICLE_TYPE_RE = re.compile(r"(?:^|[:/])(?:\w*Article|BlogPosting|LiveBlogPosting)$")


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
        return norm(unescape_entities(value))
    if isinstance(value, dict):
        return _ld_text(value.get("name") or value.get("@value") or "")
    if isinstance(value, list):
        names = [_ld_text(v) for v in value]
        return ", ".join(dict.fromkeys(n for n in names if n))
    return ""


_LD_SCRIPTS = compiled_xpath("//script[contains(@type, 'ld+json')]/text()")
_LD_FIELD_RE = {
    key: re.compile(rf'"{key}"\s*:\s*"((?:[^"\\]|\\.)*)"')
    for key in ("headline", "datePublished", "dateModified", "articleBody")
}


def layer_jsonld(page: ParsedPage, want_body: bool = True) -> dict[str, str]:
    found: dict[str, str] = {}
    for script in _LD_SCRIPTS(page.root):
        data = loads_loose(script)
        if data is None:
            # Unparseable JSON: salvage the fields from an article-typed blob.
            if re.search(r'"@type"\s*:\s*"\w*Article"', script):
                for key, regex in _LD_FIELD_RE.items():
                    match = regex.search(script)
                    if match and key not in found:
                        found[key] = loads_loose(f'"{match.group(1)}"') or ""
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
            a for a in (clean_author(p) for p in found.get("author", "").split(", ")) if a
        ),
        "outlets": found.get("outlets", ""),
        "body": text_to_body(found["articleBody"])
        if want_body and found.get("articleBody")
        else "",
    }
    return {k: v for k, v in result.items() if isinstance(v, str) and v}
