"""Saved responses for spider tests: ``file_response()`` over the pages in tests/fixtures."""

from __future__ import annotations

from pathlib import Path

from scrapy.http import HtmlResponse, Request

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def file_response(path: str | Path, url: str, **request_kwargs) -> HtmlResponse:
    """A response holding a saved page (a path under tests/fixtures, or absolute) as the
    body of ``url``, with a Request attached so ``response.follow`` and ``cb_kwargs`` work."""
    body = (FIXTURES / path).read_bytes()
    return HtmlResponse(url=url, body=body, request=Request(url, **request_kwargs))
