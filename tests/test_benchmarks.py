"""Smoke tests of the benchmarks: each runs at a tiny size and returns sane numbers.

Not timed tests: nothing here asserts a speed, only that the benchmarks measure what they
claim (the pages are what the site says, both crawls fetch the same pages, every stage ran).
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

# benchmarks/ is not an installed package: import it from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import __main__ as bench_main
from benchmarks import bench_crawl, bench_stages, bench_store, site
from clipper.extract import extract_article
from clipper.text.encoding import charset_from_content_type


def _first(predicate, limit: int = 200) -> int:
    return next(i for i in range(1, limit) if predicate(site.record(i)))


# --- the generated site ----------------------------------------------------------------------


def test_pages_are_deterministic_and_about_90_kb():
    sizes = []
    for idxno in (1, 2, 3):
        first, second = site.render(idxno), site.render(idxno)
        assert first == second
        sizes.append(len(first[1]))
    assert all(0.9 * site.PAGE_BYTES <= size <= 1.1 * site.PAGE_BYTES for size in sizes)
    assert len(set(sizes)) > 1 or site.render(1)[1] != site.render(2)[1]


def test_mix_of_encodings_topics_and_copies():
    records = [site.record(i) for i in range(1, 501)]
    euckr = sum(r.encoding == "euc-kr" for r in records) / len(records)
    library = sum(r.topic == "library" for r in records) / len(records)
    copies = [r for r in records if r.copy_of is not None]
    assert 0.12 <= euckr <= 0.28
    assert 0.75 <= library <= 0.95
    assert copies
    for copy in copies:
        original = site.record(copy.copy_of)
        assert copy.title == original.title
        assert copy.outlet != original.outlet
        assert copy.paragraphs[1:] == original.paragraphs[1:-1]


@pytest.mark.parametrize(
    "pick",
    [
        pytest.param(lambda r: r.encoding == "euc-kr", id="euc-kr"),
        pytest.param(lambda r: r.encoding == "utf-8" and r.outlet[3] == "old", id="old-skin"),
        pytest.param(lambda r: r.encoding == "utf-8" and r.outlet[3] == "new", id="new-skin"),
        pytest.param(lambda r: r.copy_of is not None, id="syndicated-copy"),
        pytest.param(lambda r: r.topic != "library", id="off-topic"),
    ],
)
def test_the_extractor_finds_what_the_page_states(pick):
    idxno = _first(pick)
    rec = site.record(idxno)
    content_type, body = site.render(idxno)
    if rec.encoding == "euc-kr":
        assert "euc-kr" in content_type
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
    found = extract_article(
        body,
        site.article_url("http://127.0.0.1:1", idxno),
        declared_encoding=charset_from_content_type(content_type),
    )
    assert found.title == rec.title
    assert found.published == rec.published
    assert found.outlet == rec.outlet[1]
    assert found.fields_from["body"] == "site"
    assert rec.paragraphs[-1] in found.body
    # The chrome stays out of the body.
    assert "댓글" not in found.body
    assert "많이 본 뉴스" not in found.body


def test_list_pages_cover_every_article_once():
    pages = 45
    links = []
    for page in range(1, site.list_count(pages) + 1):
        html = site.list_page(page, pages)
        links += html.split('href="')[1:]
    paths = [link.split('"', 1)[0] for link in links]
    assert paths == [site.record(i).url_path for i in range(1, pages + 1)]


def test_server_serves_pages_lists_and_404():
    with site.SiteProcess(30) as base:
        with urllib.request.urlopen(site.article_url(base, 7)) as response:
            assert response.read() == site.render(7)[1]
            assert response.headers["Content-Type"] == site.render(7)[0]
        with urllib.request.urlopen(f"{base}/list?page=2") as response:
            assert site.record(21).url_path in response.read().decode()
        for missing in (site.article_url(base, 31), f"{base}/list?page=3", f"{base}/nope"):
            with pytest.raises(urllib.error.HTTPError) as raised:
                urllib.request.urlopen(missing)
            assert raised.value.code == 404
        rate = site.client_rate(base, 30, rounds=1, connections=2)
    assert rate["server_pages_per_s"] > 0
    assert 0.9 * site.PAGE_BYTES <= rate["mean_page_bytes"] <= 1.1 * site.PAGE_BYTES


# --- the benchmarks --------------------------------------------------------------------------


def test_crawl_benchmark_fetches_the_same_pages_both_ways():
    pages = 40
    result = bench_crawl.run(pages=pages, rounds=1, server_check=False)
    ceiling, clipper = result["crawls"]
    assert (ceiling["mode"], clipper["mode"]) == ("ceiling", "clipper")
    assert ceiling["article_pages"] == clipper["article_pages"] == pages
    assert ceiling["items_scraped"] == 0
    # Every page became an item that was stored or dropped with a reason (off-topic).
    assert clipper["stored_new"] + clipper["items_dropped"] == pages
    assert clipper["stored_new"] == sum(site.record(i).topic == "library" for i in range(1, 41))
    assert clipper["errors"] == 0
    assert result["ratio"] == pytest.approx(
        result["clipper_pages_per_s"] / result["ceiling_pages_per_s"], abs=1e-3
    )


def test_crawl_benchmark_with_the_archive_reprocesses_every_stored_page():
    pages = 30
    result = bench_crawl.run(pages=pages, rounds=1, server_check=False, archive=True)
    ceiling, archived = result["archived_crawls"]
    assert (ceiling["mode"], archived["mode"]) == ("ceiling_archive", "archive")
    assert ceiling["article_pages"] == archived["article_pages"] == pages
    # Reprocess reads back every stored article and, rules unchanged, changes none of them.
    assert archived["reprocessed"] == archived["stored_new"] > 0
    assert archived["reprocess_changed"] == 0
    assert archived["reprocess_not_archived"] == 0
    assert 0 < archived["archive_bytes_per_page"] < site.PAGE_BYTES


def test_stage_benchmark_runs_every_stage():
    n = 12
    result = bench_stages.run(n_articles=n, rounds=1)
    us = result["stage_us_per_article"]
    assert set(bench_stages.REPORTED) <= set(us)
    assert all(us[name] > 0 for name in bench_stages.REPORTED)
    assert us["near_duplicate"] == pytest.approx(us["signature"] + us["assign"], abs=0.2)
    assert result["stored"] + result["dropped"] == n
    assert result["check"]["body_from_site"] == n
    assert result["check"]["published_parsed"] == n


def test_store_benchmark_writes_and_rewrites(tmp_path):
    items = [bench_store.item(i) for i in range(1, 31)]
    for search_index in (True, False):
        url = f"sqlite:///{tmp_path / f's-{search_index}.sqlite'}"
        figures = bench_store.write_rate(url, items, 7, search_index)
        assert figures["rows_per_s"] > 0
        assert figures["rewrite_rows_per_s"] > 0


def test_main_writes_results_and_merges_only_runs(tmp_path, capsys):
    out = tmp_path / "results.json"
    assert bench_main.main(["--quick", "--only", "dates", "--out", str(out)]) == 0
    first = json.loads(out.read_text())
    assert first["summary"]["dates_per_s"]["fast_path"] > 0
    assert first["machine"]["nproc"] >= 1
    first["results"]["crawl"] = {
        "ceiling_pages_per_s": 100.0,
        "clipper_pages_per_s": 25.0,
        "ratio": 0.25,
    }
    out.write_text(json.dumps(first))
    assert bench_main.main(["--quick", "--only", "dates", "--out", str(out)]) == 0
    merged = json.loads(out.read_text())
    assert merged["summary"]["ratio"] == 0.25  # the earlier crawl figures are kept
    assert "dates_per_s.fast_path" in capsys.readouterr().out
