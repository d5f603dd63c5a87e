"""Remove what is not the article from the body: datelines, bylines (kept as the author),
e-mails, copyright lines, photo captions, promo lines.

Assumes ``pipelines.clean`` ran (normalised whitespace, paragraphs split by blank lines).
This is the ``boilerplate`` step of :mod:`clipper.text.prepare`; it may have been done ahead,
in the extraction worker.
"""

from __future__ import annotations

from itemadapter import ItemAdapter

from clipper.text.boilerplate import strip_boilerplate
from pipelines.base import Stage


class BoilerplatePipeline(Stage):
    stage = "boilerplate"

    def process_item(self, item):
        adapter = ItemAdapter(item)
        cleaned = self.step(adapter, strip_boilerplate, adapter.get("body", ""))
        adapter["body"] = cleaned.body
        for kind in cleaned.removed:
            self.count("body", f"{kind}_removed")
        if cleaned.author and not adapter.get("author"):
            adapter["author"] = cleaned.author
            self.count("author", "from_byline")
        return item
