"""Layer ``script`` (last pass): a body that only exists as JSON in a ``<script>``
(Next.js ``__NEXT_DATA__`` and friends)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from clipper.extract.clean import text_to_body
from clipper.extract.page import HANGUL_RE, TAG_RE, WS_RE, ParsedPage, compiled_xpath, loads_loose

# --- layer: JSON in scripts (Next.js and friends) -----------------------------------------------

_BODY_KEYS = ("articleBody", "article_body", "articleContent", "content", "contents", "body",
              "newsContent", "bodyHtml", "html", "text")  # fmt: skip
# "articleBody": "…" at the current escape level; deeper levels (a JSON document inside a JS
# string, as Next.js app-router pages push it) are reached by decoding long literals.
_SCRIPT_KEY_RE = re.compile(r'"(' + "|".join(_BODY_KEYS) + r')"\s*:\s*"((?:[^"\\]|\\.){60,})"')
_LONG_LITERAL_RE = re.compile(r'"((?:[^"\\]|\\.){60,})"')


def _body_like(value: str) -> bool:
    stripped = TAG_RE.sub(" ", value)
    letters = len(HANGUL_RE.findall(stripped)) + len(re.findall(r"[A-Za-z]", stripped))
    return len(stripped) >= 60 and letters > 0.5 * len(WS_RE.sub("", stripped)) and " " in stripped


def _script_bodies(text: str, depth: int = 0) -> Iterator[str]:
    stripped = text.strip()
    if stripped[:1] in "{[":
        data = loads_loose(stripped)
        if data is not None:
            yield from _json_bodies(data)
            return
    for match in _SCRIPT_KEY_RE.finditer(text):
        raw = match.group(2)
        decoded = loads_loose(f'"{raw}"')
        if isinstance(decoded, str) and _body_like(decoded):
            yield decoded
    if depth < 2:
        for match in _LONG_LITERAL_RE.finditer(text):
            literal = match.group(1)
            if "\\" in literal and any(k in literal for k in _BODY_KEYS):
                decoded = loads_loose(f'"{literal}"')
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


_SCRIPTS = compiled_xpath("//script[not(contains(@type, 'ld+json'))]/text()")
_QUOTED_BODY_KEY_RE = re.compile('"(?:' + "|".join(_BODY_KEYS) + ')"')


def _may_hold_body(script: str) -> bool:
    """Whether :func:`_script_bodies` can find anything in ``script``: it must name a body
    key and be JSON, hold escapes (a JSON document inside a JS string) or name the key in
    quotes (``"content": "…"``). Ordinary inline JavaScript (ad tags, analytics, tens of KB
    on news pages) is none of these; one regex pass tells, cheaper than the key lookups."""
    if "\\" in script or script.lstrip()[:1] in ("{", "["):
        return any(key in script for key in _BODY_KEYS)
    return _QUOTED_BODY_KEY_RE.search(script) is not None


def layer_script(page: ParsedPage) -> dict[str, str]:
    best = ""
    for script in _SCRIPTS(page.root):
        if not _may_hold_body(script):
            continue
        for candidate in _script_bodies(script):
            if len(candidate) > len(best):
                best = candidate
    return {"body": text_to_body(best)} if best else {}
