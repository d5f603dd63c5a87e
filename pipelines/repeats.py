"""Remove repeated body text: a paragraph printed twice keeps its first occurrence.

Assumes ``pipelines.clean`` ran. Syndicated copies across outlets are a different matter,
handled by the near-duplicate stage. This is the ``repeats`` step of
:mod:`clipper.text.prepare`; it may have been done ahead, in the extraction worker.
"""

from __future__ import annotations

from itemadapter import ItemAdapter

from clipper.text.paragraphs import drop_repeated_paragraphs
from pipelines.base import Stage


class RepeatedTextPipeline(Stage):
    stage = "repeats"

    def process_item(self, item):
        adapter = ItemAdapter(item)
        body, removed = self.step(adapter, drop_repeated_paragraphs, adapter.get("body", ""))
        adapter["body"] = body
        self.count("body", "repeated_removed", removed)
        return item
