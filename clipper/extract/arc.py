"""Layer ``script`` (first pass): Arc XP's ``Fusion.globalContent`` story object."""

from __future__ import annotations

import json
from typing import Any

from clipper.extract.clean import clean_body_html
from clipper.extract.fields import byline_outlet, clean_author
from clipper.extract.page import ParsedPage, compiled_xpath, norm, unescape_entities

# --- layer: script payload (Arc XP) ------------------------------------------------------------

# Arc XP sites (조선일보 and many others) render the article client-side from one inline
# object, ``Fusion.globalContent = {…}`` in Arc's ANS format; the static HTML has no body and
# no visible date. Related and most-read stories are separate objects, so only this one is read.
_ARC_MARKER = "Fusion.globalContent="
_ARC_SCRIPTS = compiled_xpath("//script[contains(., 'Fusion.globalContent')]/text()")
_ARC_TEXT_TYPES = frozenset({"text", "header"})


def _arc_content(page: ParsedPage) -> dict[str, Any] | None:
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
            return norm(value)
    return ""


def layer_arc(page: ParsedPage, want_body: bool = True) -> dict[str, str]:
    data = _arc_content(page)
    if data is None:
        return {}
    found: dict[str, str] = {}
    headlines = data.get("headlines")
    if isinstance(headlines, dict) and isinstance(headlines.get("basic"), str):
        found["title"] = norm(unescape_entities(headlines["basic"]))
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
        named, person = byline_outlet(_arc_byline(entry))
        outlets.extend(named)
        author = clean_author(person)
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
