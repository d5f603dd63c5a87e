"""clipper.middlewares.charset: responses re-labelled by what their bytes are; the codec taken from the
extraction worker's decode when there is one."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from clipper.middlewares.charset import CharsetMiddleware
from clipper.middlewares.workers import RESULT_META, PageExtract, work_page
from clipper.text.encoding import charset_from_content_type

TEXT = "<html><head><title>작은도서관</title></head><body><p>마을 작은도서관이 문을 열었다.</p></body></html>"
URL = "http://www.sandeul.example/news/articleView.html?idxno=1"


def response(data: bytes, content_type: str) -> tuple[Request, HtmlResponse]:
    # As the downloader middlewares see it: the request is not attached to the response yet.
    page = HtmlResponse(URL, body=data, headers={"Content-Type": content_type})
    return Request(URL), page


def with_worker_result(request: Request, page: HtmlResponse) -> tuple[Request, HtmlResponse]:
    declared = charset_from_content_type(page.headers.get("Content-Type"))
    work = work_page(page.body, URL, declared, None, None)
    request.meta[RESULT_META] = PageExtract(page.body, *work)
    return request, page


def process(request: Request, page: HtmlResponse):
    crawler = get_crawler()
    crawler.stats.open_spider()
    return CharsetMiddleware.from_crawler(crawler).process_response(request, page), crawler


@pytest.mark.parametrize(
    ("data", "content_type", "encoding"),
    [
        (TEXT.encode("utf-8"), "text/html; charset=euc-kr", "utf-8"),  # mislabelled
        (TEXT.encode("cp949"), "text/html; charset=euc-kr", None),  # right: left alone
        (TEXT.encode("cp949"), "text/html", "cp949"),  # no label: what the bytes are
    ],
)
def test_relabels_by_the_bytes_with_or_without_a_worker_result(
    monkeypatch, data, content_type, encoding
):
    def relabelled(crawler) -> dict:
        return {k: v for k, v in crawler.stats.get_stats().items() if "charset" in k}

    alone, crawler = process(*response(data, content_type))
    assert alone.encoding == (encoding or response(data, content_type)[1].encoding)
    monkeypatch.setattr(
        "clipper.middlewares.charset.decode_html", lambda *a: pytest.fail("decoded again")
    )
    out, with_worker = process(*with_worker_result(*response(data, content_type)))
    assert out.encoding == alone.encoding
    assert out.text.count("작은도서관") == 2
    assert relabelled(with_worker) == relabelled(crawler)


def test_a_bare_label_header_is_decoded_again():
    # decode_html reads a header without a media type as a label; the worker did not.
    out, _ = process(*with_worker_result(*response(TEXT.encode("cp949"), "EUC-KR")))
    assert out.text.count("작은도서관") == 2
