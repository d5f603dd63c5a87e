"""Layered extraction of one news article from its HTML.

Layers, most specific first; each field takes the first layer that gives a usable value, and
``Extracted.fields_from`` records which one did, so a layout change shows up in the field
coverage stats as a shift from ``site`` to a fallback instead of as silently empty fields.

1. ``site``: CSS/XPath selectors for a known layout (:data:`SITE_RULES`, the shared local-news
   CMS), chosen by host or detected from the markup.
2. ``jsonld``: schema.org ``NewsArticle``/``Article`` in ``application/ld+json`` (``@graph``,
   lists and sloppy JSON included).
3. ``microdata``: ``itemprop=headline/datePublished/articleBody``.
4. ``meta``: OpenGraph and ``article:*`` meta tags, ``<title>`` minus the outlet suffix.
5. ``text``: the page's own text: the densest block of paragraphs for the body, a labelled
   ``입력 …`` date, the first ``<h1>``.
6. ``trafilatura``: the generic extractor, when it can be imported.
7. ``script``: a body that only exists as an escaped JSON string in a ``<script>`` (Next.js
   ``__NEXT_DATA__`` and friends), used when the layers above found no real body.

Layers after the first look only for the fields still missing (what they found for the
others would be ignored): on a page the site rules cover, the generic layers cost little.

The outlet also comes from ``url`` (the domain, through :mod:`clipper.text.outlets`). Parsel finds
things in the whole page (one Selector per page, queried with compiled XPath on its lxml
tree); the chosen body fragment is cleaned once, on that same tree
(:mod:`~clipper.extract.clean`). A page nested deeper than libxml2 parses (2,048 levels) is
flattened first, so its article is not cut off. ``Extracted.canonical`` is
the URL the page declares for itself. :func:`extract_article` never raises: a broken page
gives empty fields.

Modules, along the cascade: :mod:`~clipper.extract.rules` (site rules data),
:mod:`~clipper.extract.page` (page access: the tree, compiled selectors, meta tags),
:mod:`~clipper.extract.clean` (body fragment to text), the layers
(:mod:`~clipper.extract.site`, :mod:`~clipper.extract.arc`, :mod:`~clipper.extract.jsonld`,
:mod:`~clipper.extract.meta`, :mod:`~clipper.extract.fallbacks`,
:mod:`~clipper.extract.scripts`), :mod:`~clipper.extract.fields` (which raw value becomes a
date, an outlet, a title or an author) and :mod:`~clipper.extract.cascade` (the layers in
order).
"""

from clipper.extract.cascade import Extracted, extract_article
from clipper.extract.clean import clean_body_html
from clipper.extract.fields import strip_title_suffix
from clipper.extract.page import page_selector
from clipper.extract.rules import (
    DAUM_RULES,
    LOCAL_CMS_RULES,
    NAVER_RULES,
    SITE_RULES,
    SiteRules,
    rules_for,
)

__all__ = [
    "DAUM_RULES",
    "LOCAL_CMS_RULES",
    "NAVER_RULES",
    "SITE_RULES",
    "Extracted",
    "SiteRules",
    "clean_body_html",
    "extract_article",
    "page_selector",
    "rules_for",
    "strip_title_suffix",
]
