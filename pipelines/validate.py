"""Validate: reject what cannot be an article (no title, no body, a placeholder entry) and
count how complete the rest is (field coverage, which run health reports).

Assumes every cleaning and tagging stage ran; runs just before storage.
"""

from __future__ import annotations

import re

from itemadapter import ItemAdapter

from pipelines.base import Stage
from pipelines.errors import InvalidEntry, MissingBody, MissingTitle

# Placeholders seen on the board: a test post titled "1", or only punctuation/digits.
_PLACEHOLDER = re.compile(r"^[\W\d_]*$")
COVERAGE_FIELDS = ("published", "body", "region", "outlet", "author")


class ValidatePipeline(Stage):
    stage = "validate"

    def process_item(self, item):
        adapter = ItemAdapter(item)
        title = adapter.get("title") or ""
        url = adapter.get("url") or ""
        if not title:
            raise MissingTitle(f"no title: {url}")
        if _PLACEHOLDER.match(title):
            raise InvalidEntry(f"placeholder title {title!r}: {url}")
        # A sighting-only item (a link that only names its article) carries no text: the
        # store attaches it to the stored article it names, or drops it.
        sighting_only = (adapter.get("extra") or {}).get("sighting_only")
        if not adapter.get("body") and not sighting_only:
            raise MissingBody(f"no body text: {url}")
        if sighting_only:
            return item  # no article of its own: not part of the field coverage
        for field in COVERAGE_FIELDS:
            self.count(field, "present" if adapter.get(field) else "absent")
        return item
