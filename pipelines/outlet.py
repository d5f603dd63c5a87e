"""Normalise the outlet: resolve the typed name (or the article URL's domain) against the
outlet registry; an unknown outlet is kept as written and counted.
"""

from __future__ import annotations

from itemadapter import ItemAdapter

from clipper.text.outlets import default_registry
from pipelines.base import Stage


class OutletPipeline(Stage):
    stage = "outlet"

    def __init__(self, crawler):
        super().__init__(crawler)
        self.registry = default_registry()

    def process_item(self, item):
        adapter = ItemAdapter(item)
        raw = adapter.get("outlet_raw") or ""
        outlet = self.registry.resolve(raw) if raw else None
        how = "resolved"
        if outlet is None:
            # No (known) name on the page: the article's domain may still say who published it.
            outlet = self.registry.resolve_url(adapter.get("url") or "")
            how = "from_url"
        if outlet is not None:
            adapter["outlet"] = outlet.name
            adapter.setdefault("extra", {})["outlet_home_region"] = outlet.home_region
            adapter["extra"]["outlet_kind"] = outlet.kind
            self.count("outlet", how)
        elif raw:
            adapter["outlet"] = raw
            self.count("outlet", "unknown")
        else:
            self.count("outlet", "missing")
        return item
