"""How well the article extractor does on a folder of saved pages with gold fields.

The folder holds ``index.jsonl``, one page a line: ``file``, ``url``, ``title``,
``published`` (ISO 8601 with offset), ``outlet`` (a list of acceptable names) and, where
known, ``body``. Per page: title exact after whitespace normalisation, published within 10
minutes, outlet among the accepted names, body word-token F1 against the gold body (pages without
one count a body of at least 100 characters as found). ``TARGETS`` are the floors the project
holds itself to on pages it has never seen; ``clipper eval extract --check`` enforces them.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from clipper.extract import extract_article

MAX_DATE_GAP = timedelta(minutes=10)
MIN_BODY = 100
TARGETS = {"title": 0.97, "published": 0.97, "outlet": 0.97, "body_f1": 0.93, "body_found": 0.97}


def _norm(text: str) -> str:
    return " ".join(text.split())


_WORD_RE = re.compile(r"\w+")


def token_f1(got: str, want: str) -> float:
    """F1 of word tokens (a bag, so repeated words count). Words, not whitespace runs: gold
    bodies copied from ``<br>``-split text often run sentences together ("했다.그는")."""
    got_tokens, want_tokens = Counter(_WORD_RE.findall(got)), Counter(_WORD_RE.findall(want))
    common = sum((got_tokens & want_tokens).values())
    if not common:
        return 0.0
    precision = common / sum(got_tokens.values())
    recall = common / sum(want_tokens.values())
    return 2 * precision * recall / (precision + recall)


@dataclass
class PageScore:
    file: str
    title: bool
    published: bool
    outlet: bool
    body_f1: float | None  # None: the index gives no body for this page
    body_found: bool
    got: dict[str, str] = field(default_factory=dict)
    error: str = ""


@dataclass
class Evaluation:
    pages: list[PageScore]

    def scores(self) -> dict[str, float]:
        result: dict[str, float] = {}
        for name in ("title", "published", "outlet", "body_found"):
            values = [float(getattr(p, name)) for p in self.pages]
            if values:
                result[name] = sum(values) / len(values)
        f1s = [p.body_f1 for p in self.pages if p.body_f1 is not None]
        if f1s:
            result["body_f1"] = sum(f1s) / len(f1s)
        return result

    def below_targets(self) -> dict[str, float]:
        return {k: v for k, v in self.scores().items() if v < TARGETS.get(k, 0.0)}


def _score(folder: Path, case: dict) -> PageScore:
    page = folder / case["file"]
    got = extract_article(page.read_bytes(), case.get("url"))
    want_published = datetime.fromisoformat(case["published"])
    body_f1 = token_f1(got.body, case["body"]) if case.get("body") else None
    return PageScore(
        file=case["file"],
        title=_norm(got.title) == _norm(case["title"]),
        published=got.published is not None and abs(got.published - want_published) <= MAX_DATE_GAP,
        outlet=got.outlet in case["outlet"],
        body_f1=body_f1,
        body_found=len(got.body) >= MIN_BODY,
        got={
            "title": got.title,
            "published": got.published.isoformat() if got.published else "",
            "outlet": got.outlet,
            "fields_from": ",".join(f"{k}={v}" for k, v in sorted(got.fields_from.items())),
        },
    )


def evaluate(folder: Path) -> Evaluation:
    """Score every page ``folder/index.jsonl`` lists. A line that is not a usable case (bad
    JSON, a missing file or field) is a page scored zero with its error, never skipped."""
    pages: list[PageScore] = []
    lines = (folder / "index.jsonl").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        case: object = None
        try:
            case = json.loads(line)
            pages.append(_score(folder, case))  # type: ignore[arg-type]
        except (ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
            named = isinstance(case, dict) and isinstance(case.get("file"), str)
            name = case["file"] if named else f"line {number}"  # type: ignore[index]
            pages.append(PageScore(name, False, False, False, None, False, error=str(exc)))
    return Evaluation(pages)
