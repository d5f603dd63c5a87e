"""Drop selectors matched in one walk (simple selectors compiled once)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from bs4 import Tag

# What every body fragment loses before its text is read.
_DROP_SELECTORS = (
    "script, style, noscript, iframe, object, embed, form, button, input, select, textarea, "
    "svg, canvas, video, audio, figure, figcaption, picture, img, ins, aside, nav, footer, "
    "em.img_desc, strong.media_end_summary, div.view-copyright, div.view-editors, "
    "blockquote, [hidden], [aria-hidden=true], [style*='display:none'], [style*='display: none']"
)


# --- drop selectors, matched in one walk --------------------------------------------------------
#
# soupsieve evaluates a selector list against every tag for every ``select`` (a third of the
# cleaning time, measured). The drop lists are simple selectors (``figure``, ``div.view-copyright``,
# ``[hidden]``), so they are compiled once into a matcher; a list holding anything else
# (combinators, pseudo-classes, escapes) still goes to soupsieve, which then decides as before.

_IDENT = r"-?[A-Za-z_\u00a0-\U0010ffff][A-Za-z0-9_\-\u00a0-\U0010ffff]*"
_SIMPLE_PART_RE = re.compile(
    rf"""(?P<cls>\.{_IDENT})|(?P<id>\#{_IDENT})
    |\[\s*(?P<attr>{_IDENT})\s*(?:(?P<op>[*^$]?=)\s*(?:"(?P<dq>[^"\\\n]+)"|'(?P<sq>[^'\\\n]+)'|(?P<bare>{_IDENT})))?\s*\]""",
    re.X,
)
_NAME_RE = re.compile(rf"{_IDENT}|\*")
# The HTML spec's attributes whose values match case-insensitively (soupsieve honours this):
# selectors on them are left to soupsieve.
_CASE_INSENSITIVE_ATTRS = frozenset(
    {
        "accept", "accept-charset", "align", "alink", "axis", "bgcolor", "charset", "checked",
        "clear", "codetype", "color", "compact", "declare", "defer", "dir", "direction",
        "disabled", "enctype", "face", "frame", "hreflang", "http-equiv", "lang", "language",
        "link", "media", "method", "multiple", "nohref", "noresize", "noshade", "nowrap",
        "readonly", "rel", "rev", "rules", "scope", "scrolling", "selected", "shape", "target",
        "text", "type", "valign", "valuetype", "vlink",
    }
)  # fmt: skip


@dataclass(frozen=True)
class _SimpleSelector:
    """``name.class#id[attr op value]``; empty parts match anything."""

    name: str = ""
    classes: frozenset[str] = frozenset()
    ids: tuple[str, ...] = ()
    attrs: tuple[tuple[str, str, str], ...] = ()  # (name, op, value); op "" = present

    def matches(self, tag: Tag) -> bool:
        attrs = tag.attrs
        if self.classes:
            classes = attrs.get("class")
            if not classes:
                return False
            if isinstance(classes, str):
                classes = classes.split()
            if not self.classes.issubset(classes):
                return False
        for wanted in self.ids:
            if attrs.get("id") != wanted:
                return False
        for name, op, value in self.attrs:
            found = attrs.get(name)
            if found is None:
                return False
            if isinstance(found, list):
                found = " ".join(found)
            if (
                (op == "=" and found != value)
                or (op == "*=" and value not in found)
                or (op == "^=" and not found.startswith(value))
                or (op == "$=" and not found.endswith(value))
            ):
                return False
        return True


def _parse_simple(selector: str) -> _SimpleSelector | None:
    """One compound selector, or None when it is more than the simple forms above."""
    selector = selector.strip()
    name = _NAME_RE.match(selector)
    pos = name.end() if name else 0
    classes: list[str] = []
    ids: list[str] = []
    attrs: list[tuple[str, str, str]] = []
    while pos < len(selector):
        part = _SIMPLE_PART_RE.match(selector, pos)
        if part is None:
            return None
        if part["cls"]:
            classes.append(part["cls"][1:])
        elif part["id"]:
            ids.append(part["id"][1:])
        else:
            attr = part["attr"].lower()
            if attr in _CASE_INSENSITIVE_ATTRS:
                return None
            attrs.append((attr, part["op"] or "", part["dq"] or part["sq"] or part["bare"] or ""))
        pos = part.end()
    if pos == 0:
        return None  # empty
    tag = name.group(0).lower() if name else ""
    return _SimpleSelector("" if tag == "*" else tag, frozenset(classes), tuple(ids), tuple(attrs))


@dataclass(frozen=True)
class _DropMatcher:
    """A selector list of simple selectors: bare tag names in a set, the rest by name."""

    names: frozenset[str]
    by_name: dict[str, tuple[_SimpleSelector, ...]]
    anywhere: tuple[_SimpleSelector, ...]

    def matches(self, tag: Tag) -> bool:
        name = tag.name
        if name in self.names:
            return True
        return any(s.matches(tag) for s in self.by_name.get(name, ())) or any(
            s.matches(tag) for s in self.anywhere
        )


def _matcher(selectors: list[_SimpleSelector]) -> _DropMatcher:
    names = {s.name for s in selectors if s.name and s == _SimpleSelector(s.name)}
    by_name: dict[str, list[_SimpleSelector]] = {}
    for s in selectors:
        if s.name and s.name not in names:
            by_name.setdefault(s.name, []).append(s)
    return _DropMatcher(
        frozenset(names),
        {name: tuple(found) for name, found in by_name.items()},
        tuple(s for s in selectors if not s.name),
    )


def _parse_list(selectors: str) -> list[_SimpleSelector] | None:
    parsed = [_parse_simple(part) for part in selectors.split(",")]
    return None if any(p is None for p in parsed) else parsed  # type: ignore[return-value]


@functools.lru_cache(maxsize=256)
def _drop_rules(drop: str) -> tuple[_DropMatcher, str]:
    """The matcher for :data:`_DROP_SELECTORS` plus ``drop``, and what is left for
    soupsieve: all of ``drop`` when any part of it is not simple, else ""."""
    default = _parse_list(_DROP_SELECTORS) or []
    extra = _parse_list(drop) if drop else []
    if extra is None:
        return _matcher(default), drop
    return _matcher(default + extra), ""
