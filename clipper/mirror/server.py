"""A local HTTP mirror of the sources, for tests and ``clipper demo``.

One real HTTP server on 127.0.0.1 serves every source under its own path prefix
(``/smalllibrary`` for the small-library board, ``/localnews`` …); ``clipper.mirror.ROUTES``
maps a prefix to a handler that renders a path below it. A handler gets the path below its
prefix, the query (first value of each parameter) and the base URL the client used for that
prefix, and returns HTML as ``str`` (served as UTF-8), a ``(content_type, bytes)`` pair (feeds,
EUC-KR pages), a :class:`Reply` (another status, extra headers: a 302, an API's 401), or None
for a 404. A handler that needs the request's headers (an API checking its keys) reads
:func:`request_headers`.
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from clipper.mirror import board


@dataclass(frozen=True)
class Reply:
    """A page with its own status and headers (a redirect, an error answer)."""

    status: int
    content_type: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


Page = str | tuple[str, bytes] | Reply
Handler = Callable[[str, Mapping[str, str], str], Page | None]


_request = threading.local()


def request_headers() -> Mapping[str, str]:
    """The headers of the request being answered (in a handler; empty elsewhere)."""
    return getattr(_request, "headers", None) or {}


@functools.cache
def routes() -> dict[str, Handler]:
    """The handlers of ``clipper.mirror.ROUTES``, imported on first use."""
    from clipper.mirror import ROUTES

    handlers: dict[str, Handler] = {}
    for prefix, (spec, _front) in ROUTES.items():
        module, _, name = spec.partition(":")
        handlers[prefix] = getattr(importlib.import_module(module), name)
    return handlers


ROBOTS_TXT = "User-agent: *\nDisallow:\n"
NOT_FOUND = (
    '<!DOCTYPE html>\n<html lang="ko"><head><meta charset="utf-8"><title>404</title></head>'
    "<body><h1>페이지를 찾을 수 없습니다</h1></body></html>\n"
)


class _RequestHandler(BaseHTTPRequestHandler):
    server_version = "ClipperMirror/0.1"

    def do_GET(self) -> None:
        if self._faulted():
            return
        self._send(self._route())

    def do_HEAD(self) -> None:
        if self._faulted():
            return
        self._send(self._route(), head=True)

    # --- fault injection hook (clipper.faults; owned by the reliability tests) ---
    def _faulted(self) -> bool:
        """Whether a fault plan attached to the server (``clipper.faults.FaultyMirror``)
        answered this request itself, on purpose badly."""
        plan = getattr(self.server, "fault_plan", None)
        return plan is not None and plan.intercept(self)

    # --- end of fault injection hook ---

    def log_message(self, format: str, *args) -> None:
        """Silenced: tests and the demo should not print a line per request."""

    def _route(self) -> Reply:
        parts = urlsplit(self.path)
        if parts.path == "/robots.txt":
            return Reply(HTTPStatus.OK, "text/plain; charset=utf-8", ROBOTS_TXT.encode())
        if parts.path == "/":
            return Reply(HTTPStatus.OK, "text/html; charset=utf-8", self._index().encode())
        query = {key: values[0] for key, values in parse_qs(parts.query, True).items()}
        for prefix, handler in routes().items():
            if parts.path == prefix or parts.path.startswith(prefix + "/"):
                _request.headers = self.headers
                try:
                    page = handler(parts.path[len(prefix) :], query, self._origin() + prefix)
                finally:
                    _request.headers = None
                if isinstance(page, str):
                    return Reply(HTTPStatus.OK, "text/html; charset=utf-8", page.encode())
                if isinstance(page, Reply):
                    return page
                if page is not None:
                    content_type, body = page
                    return Reply(HTTPStatus.OK, content_type, body)
                break
        return Reply(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", NOT_FOUND.encode())

    def _origin(self) -> str:
        # Render links with the host the client asked for, so they lead back to the mirror.
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        return f"http://{host}"

    def _index(self) -> str:
        from clipper.mirror import ROUTES

        links = "".join(
            f'<li><a href="{prefix}{front}">{prefix}</a></li>'
            for prefix, (_spec, front) in ROUTES.items()
        )
        return f'<!DOCTYPE html>\n<html lang="ko"><body><ul>{links}</ul></body></html>\n'

    def _send(self, reply: Reply, head: bool = False) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(reply.body)


class MirrorServer:
    """The mirror on ``host:port`` (port 0 picks a free one), served from a daemon thread.

    Use as a context manager, or call ``start()``/``stop()``; ``serve_forever()`` serves in
    the foreground instead (``clipper mirror``).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host = host
        self.port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the mirror is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def board_url(self) -> str:
        """Base URL of the small-library board (``CLIPPER_SMALLLIBRARY_BASE_URL``)."""
        return self.url + board.PREFIX

    def bind(self) -> ThreadingHTTPServer:
        """Open the listening socket (idempotent); ``url`` is known from here on."""
        if self._httpd is None:
            self._httpd = ThreadingHTTPServer((self.host, self.port), _RequestHandler)
            self._httpd.daemon_threads = True
        return self._httpd

    def start(self) -> MirrorServer:
        httpd = self.bind()
        if self._thread is None:
            self._thread = threading.Thread(
                target=httpd.serve_forever, name="clipper-mirror", daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (Ctrl-C raises KeyboardInterrupt)."""
        try:
            self.bind().serve_forever()
        finally:
            self._close()

    def stop(self) -> None:
        if self._httpd is not None and self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._close()

    def _close(self) -> None:
        if self._httpd is not None:
            self._httpd.server_close()
        self._httpd = None
        self._thread = None

    def __enter__(self) -> MirrorServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
