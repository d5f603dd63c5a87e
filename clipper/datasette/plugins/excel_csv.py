"""A Datasette plugin (loaded by ``clipper browse`` with ``--plugins-dir``): CSV downloads
start with a UTF-8 byte order mark.

Excel recognises UTF-8 only by that mark; without it the Korean of every ``.csv`` download
from Datasette opens as mojibake. Datasette 0.65 has no setting for it, so this wraps the
ASGI app and puts the three bytes in front of the body of every successful ``.csv``
response (Datasette streams them, so the first body message gets them).
"""

from __future__ import annotations

from datasette import hookimpl

BOM = "\ufeff".encode()


def is_csv(scope) -> bool:
    return scope.get("type") == "http" and scope.get("path", "").endswith(".csv")


def add_bom(app):
    async def wrapped(scope, receive, send):
        if not is_csv(scope):
            await app(scope, receive, send)
            return
        pending = {"bom": False}

        async def send_with_bom(message):
            if message["type"] == "http.response.start" and message.get("status") == 200:
                pending["bom"] = True
                headers = []
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-length":
                        value = str(int(value) + len(BOM)).encode()
                    headers.append((name, value))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and pending["bom"]:
                pending["bom"] = False
                message = {**message, "body": BOM + message.get("body", b"")}
            await send(message)

        await app(scope, receive, send_with_bom)

    return wrapped


@hookimpl
def asgi_wrapper(datasette):
    return add_bom
