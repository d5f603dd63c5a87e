"""Terminal tables that line up Korean text: Hangul and CJK take two cells, combining marks none.

Used by ``clipper stats`` and ``clipper search``; plain text code (no SQLAlchemy), so the
commands can format without the query layer.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence


def char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    # Hangul and CJK are wide (W) or full-width (F): two terminal cells.
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(c) for c in text)


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal cells (with … when cut) and padded to exactly it."""
    text = " ".join(text.split())
    if display_width(text) > width:
        out, used = [], 0
        for char in text:
            w = char_width(char)
            if used + w > width - 1:
                break
            out.append(char)
            used += w
        text = "".join(out) + "…"
    return text + " " * (width - display_width(text))


def format_table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], max_widths: Sequence[int]
) -> str:
    """Rows as aligned columns, each at most ``max_widths[i]`` cells (two per Korean char)."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [
        min(limit, max([display_width(h)] + [display_width(r[i]) for r in cells]))
        for i, (h, limit) in enumerate(zip(headers, max_widths, strict=True))
    ]
    lines = ["  ".join(fit(h, w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(fit(v, w) for v, w in zip(r, widths, strict=True)) for r in cells)
    return "\n".join(line.rstrip() for line in lines)
