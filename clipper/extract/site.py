"""Layer ``site``: the site rules' selectors."""

from __future__ import annotations

from lxml import etree

from clipper.extract.clean import clean_body_elements
from clipper.extract.fields import (
    clean_author,
    outlet_from_copyright,
    outlet_from_pipe,
    pick_date,
)
from clipper.extract.page import ParsedPage, selector_alternatives
from clipper.extract.rules import SiteRules

# --- layer: site rules --------------------------------------------------------------------------


def layer_site(page: ParsedPage, rules: SiteRules, want_body: bool = True) -> dict[str, str]:
    found: dict[str, str] = {}
    titles = page.first_values(rules.title)
    if titles:
        found["title"] = titles[0]
    for kind in ("published", "modified"):
        raw = pick_date(page.first_values(getattr(rules, kind)), kind)
        if raw:
            found[kind] = raw
    authors = [clean_author(v) for v in page.first_values(rules.author)]
    authors = list(dict.fromkeys(a for a in authors if a))
    if authors:
        found["author"] = ", ".join(authors[:3])
    outlets = [outlet_from_copyright(outlet_from_pipe(v)) for v in page.first_values(rules.outlet)]
    found["outlets"] = "\n".join(o for o in outlets if o)
    for selector in selector_alternatives(rules.body) if want_body else ():
        fragments = [p for p in page.nodes(selector) if isinstance(p, etree._Element)]
        if fragments:
            body = clean_body_elements(fragments, rules.drop)
            if body:
                found["body"] = body
                break
    return found
