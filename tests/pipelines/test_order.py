"""The documented pipeline order (docs/pipelines.md) and ITEM_PIPELINES agree."""

import re
from pathlib import Path

from clipper import settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "pipelines.md"


def test_docs_list_every_stage_in_settings_order():
    rows = re.findall(r"^\|\s*(\d+)\s*\|[^|]*\|\s*`([\w.]+)`", DOC.read_text(), re.MULTILINE)
    documented = [(int(priority), path) for priority, path in rows]
    configured = sorted((p, path) for path, p in settings.ITEM_PIPELINES.items())
    assert documented == configured


def test_every_stage_is_importable_and_documents_itself():
    from scrapy.utils.misc import load_object

    for path in settings.ITEM_PIPELINES:
        cls = load_object(path)
        module = __import__(cls.__module__, fromlist=["_"])
        assert len((module.__doc__ or "").strip()) > 20, path
