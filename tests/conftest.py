"""Shared test helpers: saved responses (``file_response``) and the local mirror."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from clipper.mirror import MirrorServer

# Database fixtures (``database_url``, ``engine``) on SQLite and PostgreSQL.
pytest_plugins = ["fixtures_db"]

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def file_response(path: str | Path, url: str, **request_kwargs) -> HtmlResponse:
    """A response holding a saved page (a path under tests/fixtures, or absolute) as the
    body of ``url``, with a Request attached so ``response.follow`` and ``cb_kwargs`` work."""
    body = (FIXTURES / path).read_bytes()
    return HtmlResponse(url=url, body=body, request=Request(url, **request_kwargs))


@pytest.fixture(scope="session")
def mirror():
    """The offline mirror of the sources, started once for the session."""
    with MirrorServer() as server:
        yield server
