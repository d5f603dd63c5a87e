"""Tag a news item with one of the 17 시도 (or 전국), and say why.

Signals, strongest first:

1. the small-library board's own title tag (``[경기] …``), normalised; a tag is overridden only
   when the title *opens* with a place of another 시도 and names nothing in the tagged one
   (``[충북]천안…`` → 충남: readers trust the place the headline starts with);
2. a wire dateline at the start of the body, ``(수원=뉴스1)``, ``[서울=뉴시스]``,
   ``【대전=뉴시스】``; 서울/세종 datelines are news-desk datelines (national desks, the
   ministries in 세종) and give way to a place or national wording in the title;
3. place names in the title (시도 in every form, 시군구 full and short forms, a few named
   institutions), one vote per mention, adjacent mentions read together (``대전 중구``);
4. national wording in the title (``전국``, ``문체부``, ``국립중앙도서관`` …) → 전국;
5. place names in the body lead (first ``LEAD_CHARS`` characters), then national wording there;
6. the outlet's home region, as a weak prior: it breaks ties and picks among the readings of
   an ambiguous name (``중구``, ``고성군``, ``광주시``), and decides only when nothing else does.

Without evidence the region is None, never a guess.

The matching (place names, their boundaries and readings) is in :mod:`clipper.text.placenames`
and the place list in :mod:`clipper.text.gazetteer` (``clipper/data/gazetteer.csv`` and
``institutions.csv``); this module weighs what they find. Every name the tagger's callers use
is importable from here.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from clipper.text.gazetteer import NATIONAL, REGIONS, region_from_name
from clipper.text.placenames import (
    _TAG_STRIP,
    TOPIC_TAGS,
    _has_national,
    _Mention,
    _mentions,
    _phrase_region,
    _scan,
    _Votes,
    _votes,
    normalize_board_tag,
    split_title_tag,
)

__all__ = [
    "LEAD_CHARS",
    "NATIONAL",
    "REGIONS",
    "TOPIC_TAGS",
    "RegionResult",
    "normalize_board_tag",
    "region_from_name",
    "split_title_tag",
    "tag_region",
]

# How much of the body counts as its lead (after any dateline).
LEAD_CHARS = 300


@dataclass(frozen=True)
class RegionResult:
    """A region (one of REGIONS, NATIONAL, or None) and a short, human-readable reason."""

    region: str | None
    evidence: str = ""


# --- weighing the evidence ----------------------------------------------------------------


def _resolve_ambiguous(votes: _Votes, context: Counter[str], prior: str | None) -> None:
    """Give each ambiguous mention the reading that the rest of the text or the outlet backs.

    Mentions left unresolved stay in ``votes.ambiguous``.
    """
    unresolved: list[_Mention] = []
    for mention in votes.ambiguous:
        backed = [region for region in mention.regions if context[region]]
        if len(backed) == 1:
            region = backed[0]
        elif prior in mention.regions:
            region = prior
            mention.by_prior = True
        else:
            unresolved.append(mention)
            continue
        votes.counts[region] += 1
        if region not in votes.first or votes.first[region].start > mention.start:
            votes.first[region] = mention
    votes.ambiguous = unresolved


def _evidence(mention: _Mention, region: str, where: str) -> str:
    what = "institution" if mention.institution else "place"
    suffix = " (lead)" if where == "lead" else ""
    if mention.by_prior:
        suffix += " (reading chosen by outlet home region)"
    return f"{what} {mention.label} → {region}{suffix}"


def _decide(votes: _Votes, tiebreak: Counter[str], prior: str | None) -> str | None:
    if not votes.counts:
        return None
    best = max(votes.counts.values())
    leaders = [region for region, count in votes.counts.items() if count == best]
    if len(leaders) == 1:
        return leaders[0]
    by_context = [region for region in leaders if tiebreak[region]]
    if len(by_context) == 1:
        return by_context[0]
    if prior in leaders:
        return prior
    # Still tied: the region named first (headlines lead with their subject).
    return min(leaders, key=lambda region: votes.first[region].start)


# --- datelines ----------------------------------------------------------------------------

_DATELINE_RE = re.compile(
    r"^\s*[(\[【<]\s*([^=()\[\]【】<>]{1,12}?)\s*=\s*([^()\[\]【】<>]{0,30}?)\s*[)\]】>]"
)
_DESK_DATELINES = frozenset({"서울", "세종"})

# A ministry or national body named next to these words sponsors, rewards or selects a local
# subject (``○○도서관, 문체부 공모사업 선정``): national wording there is not national scope.
_SPONSORED_RE = re.compile("선정|수상|표창|장관상|주관|유공|우수기관")


def _split_dateline(body: str) -> tuple[str | None, str, str]:
    """(region of the dateline or None, the dateline text, the body after it)."""
    match = _DATELINE_RE.match(body)
    if not match:
        return None, "", body
    region = _phrase_region(match.group(1).strip())
    return region, match.group(0).strip(), body[match.end() :]


# --- tagging ------------------------------------------------------------------------------


def _board_override(tag_region: str, title: str) -> RegionResult | None:
    """A result for a title that opens with a place in another 시도 than its tag, else None."""
    if tag_region == NATIONAL:
        return None
    mentions = _mentions(title, _scan(title))
    votes = _votes(mentions)
    if votes.ambiguous or len(votes.counts) != 1 or tag_region in votes.counts:
        return None
    (region,) = votes.counts
    first = votes.first[region]
    opening = len(title) - len(title.lstrip(" \t'\"‘“(「『<《"))
    if first.start > opening:
        return None
    return RegionResult(
        region, f"{_evidence(first, region, 'title')} (board tag [{tag_region}] overridden)"
    )


def tag_region(
    title: str,
    body: str = "",
    *,
    board_tag: str | None = None,
    outlet_region: str | None = None,
    outlet_name: str | None = None,
) -> RegionResult:
    """Tag one item with a region (see the module docstring for the order of signals).

    ``outlet_region`` is the outlet's home region (a 시도 short name; 전국 is ignored);
    ``outlet_name`` only feeds the evidence text.
    """
    title = title or ""
    body = body or ""
    prior = outlet_region if outlet_region in REGIONS else None

    if board_tag is not None:
        tagged = normalize_board_tag(board_tag)
        raw, rest = split_title_tag(title)
        if raw is not None and normalize_board_tag(raw) == tagged:
            title = rest  # the caller passed the board title with its tag still on
        if tagged is not None:
            override = _board_override(tagged, title)
            if override is not None:
                return override
            return RegionResult(tagged, f"board tag [{board_tag.strip(_TAG_STRIP)}]")

    dateline_region, dateline, rest = _split_dateline(body)
    lead = rest[:LEAD_CHARS]

    title_hits = _scan(title)
    lead_hits = _scan(lead) if lead else []
    title_votes = _votes(_mentions(title, title_hits))
    lead_votes = _votes(_mentions(lead, lead_hits))
    context = title_votes.counts + lead_votes.counts
    _resolve_ambiguous(title_votes, context, prior)
    _resolve_ambiguous(lead_votes, context, prior)
    title_national = _has_national(title_hits)
    if title_national is not None and _SPONSORED_RE.search(title):
        title_national = None

    # A local dateline is near-certain; a desk dateline (서울, 세종) only says where the
    # wire's desk sits, so it comes after everything the text itself says.
    if dateline_region is not None and dateline_region not in _DESK_DATELINES:
        return RegionResult(dateline_region, f"dateline {dateline}")

    region = _decide(title_votes, lead_votes.counts, prior)
    if region is not None:
        return RegionResult(region, _evidence(title_votes.first[region], region, "title"))
    if title_national is not None:
        return RegionResult(NATIONAL, f"national wording {title_national.surface}")
    region = _decide(lead_votes, Counter(), prior)
    if region is not None:
        return RegionResult(region, _evidence(lead_votes.first[region], region, "lead"))
    lead_national = _has_national(lead_hits)
    if lead_national is not None:
        return RegionResult(NATIONAL, f"national wording {lead_national.surface} (lead)")
    if dateline_region is not None:
        return RegionResult(dateline_region, f"dateline {dateline}")
    if prior is not None and not (title_votes.ambiguous or lead_votes.ambiguous):
        # (An ambiguous name that the prior is not a reading of, e.g. 남구 from a 대전
        # outlet, says the story is elsewhere: no tag rather than the outlet's region.)
        named = f" {outlet_name}" if outlet_name else ""
        return RegionResult(prior, f"outlet home region{named} → {prior}")
    return RegionResult(None, "")
