"""Is an article about small libraries (작은도서관)? Term matching on title and body.

Matching is spacing-insensitive ("작은 도서관" matches 작은도서관) and substring based, as
Korean attaches particles to nouns ("작은도서관에서", "작은도서관들"). Each term is matched on
its own, so a text mentioning "새마을작은도서관" yields "작은도서관" as well as any more specific
term that is in the list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["DEFAULT_TERMS", "RELATED_TERMS", "is_relevant", "match_terms"]

# Each term earns its place by naming a small library (or the movement that runs them) and
# rarely anything else. Measured on the board's 600 dev titles (shared/data/regions_dev.tsv):
# 작은도서관 appears in 343, the set as a whole matches 350 (58%) from the title alone; the
# rest name the topic only in the body. Adding RELATED_TERMS would match 356.
DEFAULT_TERMS: tuple[str, ...] = (
    # The legal name (작은도서관 진흥법). Spacing-insensitive matching also covers "작은 도서관"
    # and every compound that contains it: 새마을작은도서관, 아파트 작은도서관, 공립/사립
    # 작은도서관, 작은도서관협회, 작은도서관 진흥법 — so those are not listed separately.
    "작은도서관",
    # The older, still common name for neighbourhood libraries run by residents or 동 offices;
    # most are registered as 작은도서관. Also covers "마을 도서관".
    "마을도서관",
    # 새마을문고 runs village reading rooms and 새마을작은도서관 nationwide; the board files its
    # news (7 of the 600 dev titles). Its branches also run non-library events, which is why
    # the term stays specific ("새마을문고", not "문고" — 교보문고 is a bookstore).
    "새마을문고",
    # A typo the board's own editors made ("작은도시관"); costs nothing in precision.
    "작은도시관",
)

# Close to the topic but too broad for the default set: kept for callers that want recall.
# - 어린이도서관: many are large municipal libraries (시립어린이도서관), not small ones.
# - 동네도서관: used loosely for any nearby public library.
# - 스마트도서관: unstaffed book-lending lockers, not libraries run by a community.
# - 북카페: mostly cafés.
RELATED_TERMS: tuple[str, ...] = ("어린이도서관", "동네도서관", "스마트도서관", "북카페")


@lru_cache(maxsize=32)
def _compiled(terms: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """One pattern per distinct term, whitespace allowed between its characters."""
    compiled: list[tuple[str, re.Pattern[str]]] = []
    seen: set[str] = set()
    for term in terms:
        chars = [c for c in term if not c.isspace()]
        if not chars:
            continue
        canonical = "".join(chars)
        if canonical in seen:
            continue
        seen.add(canonical)
        pattern = r"\s*".join(re.escape(c) for c in chars)
        compiled.append((term, re.compile(pattern, re.IGNORECASE)))
    return tuple(compiled)


def match_terms(text: str, terms: Iterable[str] = DEFAULT_TERMS) -> list[str]:
    """The distinct terms found in ``text``, ordered by first appearance (at one position the
    longer term comes first). Terms are returned as given."""
    if not text:
        return []
    found: list[tuple[int, int, str]] = []
    for term, pattern in _compiled(tuple(terms)):
        match = pattern.search(text)
        if match:
            found.append((match.start(), -len(match.group()), term))
    found.sort()
    return [term for _, _, term in found]


def is_relevant(
    title: str, body: str, terms: Iterable[str] = DEFAULT_TERMS
) -> tuple[bool, list[str]]:
    """Whether the title or body names one of ``terms``, and which (title's first)."""
    terms = tuple(terms)
    # Matched separately so a term can never straddle the title/body boundary.
    matched = match_terms(title, terms)
    matched += [term for term in match_terms(body, terms) if term not in matched]
    return bool(matched), matched
