"""Korean full-text search over article titles and bodies, on SQLite and PostgreSQL alike.

Korean words take particles and compounds (마을작은도서관, 작은도서관에서), so search matches
substrings, not whole words. Both databases find the articles holding every trigram of a
term in a trigram index and check the substring on those candidates: SQLite with the FTS5
``trigram`` table ``articles_fts`` (migration 0003; since 0005 it keeps no positions, so the
candidates come from a query for the term's trigrams and the check is a ``LIKE``),
PostgreSQL with ``ILIKE``, which the ``pg_trgm`` GIN indexes of 0003 accelerate and
recheck. Trigrams need at least three characters: shorter terms (도서, 책) are matched by
the substring check alone.

The query is split on whitespace, except inside ``"double quotes"`` (a phrase), and every
term must match (AND). User text reaches the
database as bound parameters only; for FTS5 each trigram is quoted as a string, so ``"``,
``AND`` or ``*`` in a query are searched for, never interpreted.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    and_,
    bindparam,
    case,
    column,
    literal_column,
    or_,
    select,
    table,
)

from clipper.analysis.query import Filters, select_articles
from clipper.text.dates import KST
from models import Article

# FTS5's trigram tokenizer cannot match a term of fewer characters than this.
MIN_TRIGRAM_CHARS = 3
SNIPPET_CHARS = 80

_articles_fts = table("articles_fts", column("rowid"))


# A "quoted phrase" (its inner spaces kept, collapsed to one), else a run of non-space.
_TERM = re.compile(r'"([^"]*)"|(\S+)')


def search_terms(query: str) -> list[str]:
    """The distinct terms of ``query``, in order: words, and ``"quoted phrases"`` as one
    term without their quotes (``"작은 도서관"`` is the two words side by side).

    The query is NFC-normalised first, as stored text is: a decomposed 작은도서관 (from a
    macOS file name or a copied PDF) finds the same as the composed one. A ``"`` without a
    partner is an ordinary character.
    """
    # PostgreSQL text cannot hold NUL, and no stored article contains one.
    text = unicodedata.normalize("NFC", query.replace("\x00", " "))
    terms = []
    for match in _TERM.finditer(text):
        phrase, word = match.groups()
        term = " ".join(phrase.split()) if phrase is not None else word
        if term:
            terms.append(term)
    return list(dict.fromkeys(terms))


def fts5_phrase(term: str) -> str:
    """``term`` as an FTS5 string: double quotes are doubled, so nothing in it is syntax."""
    return '"' + term.replace('"', '""') + '"'


def trigrams(term: str) -> list[str]:
    """The distinct three-character substrings of ``term``, in order."""
    return list(dict.fromkeys(term[i : i + MIN_TRIGRAM_CHARS] for i in range(len(term) - 2)))


def _term_condition(term: str) -> ColumnElement[bool]:
    # icontains with autoescape: % and _ in the term are matched literally (LIKE ESCAPE).
    return or_(
        Article.title.icontains(term, autoescape=True),
        Article.body.icontains(term, autoescape=True),
    )


def match_condition(engine: Engine, terms: list[str]) -> ColumnElement[bool]:
    """A WHERE condition true for articles whose title or body contains every term."""
    conditions: list[ColumnElement[bool]] = []
    if engine.dialect.name == "sqlite":
        # The index has no positions (0005): it yields the articles holding all the trigrams
        # anywhere, and the substring conditions below keep those that hold the terms.
        grams = list(dict.fromkeys(g for t in terms for g in trigrams(t)))
        if grams:
            fts_query = " AND ".join(fts5_phrase(g) for g in grams)
            matching = select(_articles_fts.c.rowid).where(
                literal_column("articles_fts").op("MATCH")(bindparam("fts_query", fts_query))
            )
            conditions.append(Article.id.in_(matching))
    conditions.extend(_term_condition(t) for t in terms)
    return and_(*conditions)


def snippet(text: str, terms: list[str], width: int = SNIPPET_CHARS) -> str:
    """About ``width`` characters of ``text`` around the first match of any term."""
    text = " ".join(text.split())
    if not text:
        return ""
    pattern = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    found = re.search(pattern, text, re.IGNORECASE) if pattern else None
    start = 0
    if found:
        # Centre the match, but never start before the text or run past its end.
        start = max(0, min(found.start() - (width - len(found.group())) // 2, len(text) - width))
    end = start + width
    return ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")


def search(
    engine: Engine, query: str, filters: Filters | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Articles matching every term of ``query``, title matches first, then newest.

    Each hit has ``id``, ``url``, ``title``, ``published`` (aware, KST, or None), ``region``,
    ``outlet``, ``title_match`` (every term is in the title) and ``snippet``.
    """
    terms = search_terms(query)
    if not terms:
        raise ValueError("empty search query")
    title_match = and_(*(Article.title.icontains(t, autoescape=True) for t in terms))
    title_rank = case((title_match, 1), else_=0)
    stmt = (
        select_articles(title_rank.label("title_match"))
        .where(match_condition(engine, terms))
        .order_by(title_rank.desc(), Article.published.desc().nulls_last(), Article.id.desc())
        .limit(limit)
    )
    stmt = (filters or Filters()).apply(stmt)
    hits = []
    with engine.connect() as conn:
        for row in conn.execute(stmt).mappings():
            hit = dict(row)
            body = hit.pop("body") or ""
            hit["title_match"] = bool(hit["title_match"])
            if hit["published"] is not None:
                hit["published"] = hit["published"].astimezone(KST)
            hit["snippet"] = snippet(body, terms)
            hits.append(hit)
    return hits
