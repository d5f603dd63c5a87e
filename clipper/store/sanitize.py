"""Make an item's text storable: a hostile page must not cost the batch it is written in.

A NUL byte (PostgreSQL refuses it in text), a lone surrogate (no encoding can write it) or
a value longer than its column (PostgreSQL refuses it) would fail the whole transaction.
Such characters are removed and such values cut to their column, each counted as
``clipper/store/sanitized/<field>``, so the article is stored instead of lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from models import Article, Outlet, Sighting

# NUL and every surrogate code point: in a Python str a surrogate is always unpaired.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _length(column) -> int | None:
    return getattr(column.type, "length", None)


# Item field -> the length of the column it is stored in (None: unbounded text).
FIELD_LENGTHS: dict[str, int | None] = {
    **{c.name: _length(c) for c in Article.__table__.columns if c.name != "outlet_id"},
    "outlet": _length(Outlet.__table__.c.name),
    "source_url": _length(Sighting.__table__.c.source_url),
}


def _clean(value: str, limit: int | None) -> str:
    value = _UNSTORABLE.sub("", value)
    return value[:limit] if limit is not None else value


def sanitize(record: dict, count: Callable[[str], None]) -> dict:
    """``record`` with every stored text field made storable; ``count(field)`` per change."""
    for field, limit in FIELD_LENGTHS.items():
        value = record.get(field)
        clean: object
        if isinstance(value, str):
            clean = _clean(value, limit)
        elif isinstance(value, list):  # matched_terms
            clean = [_clean(v, limit) if isinstance(v, str) else v for v in value]
        else:
            continue
        if clean != value:
            record[field] = clean
            count(field)
    return record
