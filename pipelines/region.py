"""Tag the region (one of the 17 시도 or 전국) with its evidence.

Signals, strongest first: the source's own tag (the board's ``[경기]``), a dateline, place
names and institutions in the title and lead, national wording, then the outlet's home
region as a weak prior. No evidence → no region. Assumes ``pipelines.outlet`` ran.
"""

from __future__ import annotations

from itemadapter import ItemAdapter

from clipper.text.regions import tag_region
from pipelines.base import Stage


class RegionPipeline(Stage):
    stage = "region"

    def process_item(self, item):
        adapter = ItemAdapter(item)
        extra = adapter.get("extra") or {}
        result = tag_region(
            adapter.get("title") or "",
            adapter.get("body") or "",
            board_tag=adapter.get("region_tag") or None,
            outlet_region=extra.get("outlet_home_region"),
            outlet_name=adapter.get("outlet") or None,
        )
        adapter["region"] = result.region
        adapter["region_evidence"] = result.evidence
        self.count("region", "tagged" if result.region else "untagged")
        return item
