"""Turn the bytes of a Korean news page or feed into text.

Korean sites are or were EUC-KR, and their labels lie: pages declare ``euc-kr`` but use the
cp949 (UHC) extension bytes that strict EUC-KR rejects, saved copies declare EUC-KR but hold
UTF-8 bytes, and some pages declare nothing at all. :func:`decode_html` never raises; it
returns the text and the codec it used, so callers can record it.

Order of evidence: byte-order mark, the HTTP ``Content-Type`` charset, ``<meta charset>`` or
``http-equiv`` in the first few KB, the XML declaration (feeds), then sniffing.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

__all__ = ["charset_from_content_type", "decode_html", "normalize_label", "response_text"]

# Every label seen for Korean legacy encodings; all are decoded as cp949, the Windows
# superset, because strict EUC-KR fails on the UHC bytes real pages contain.
_KOREAN_LABELS = frozenset(
    {
        "euc-kr",
        "euckr",
        "euc_kr",
        "x-euc-kr",
        "ks_c_5601-1987",
        "ks_c_5601",
        "ks_c_5601-1989",
        "ksc5601",
        "ksc_5601",
        "ks_x_1001",
        "csksc56011987",
        "iso-ir-149",
        "korean",
        "cp949",
        "ms949",
        "uhc",
        "windows-949",
        "x-windows-949",
        "x-uhc",
    }
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_SNIFF_BYTES = 4096
_CHARSET_RE = re.compile(rb"""<meta[^>]{0,400}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_XML_DECL_RE = re.compile(
    rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']\s*([A-Za-z0-9_.:\-]+)""", re.I
)
_CT_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
# A UTF-8 multibyte sequence; its presence in bytes that decode as UTF-8 is strong evidence
# that the document is UTF-8, whatever its label says.
_UTF8_MULTIBYTE_RE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


def normalize_label(label: str | bytes | None) -> str | None:
    """Map a charset label to the Python codec to use, or None when unknown.

    Korean legacy labels all become ``cp949``; everything else goes through Python's codec
    registry (so ``utf8``, ``UTF-8`` and ``u8`` all give ``utf-8``).
    """
    if label is None:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    name = label.strip().strip("\"'").strip().lower()
    if not name:
        return None
    if name in _KOREAN_LABELS:
        return "cp949"
    try:
        info = codecs.lookup(name)
        # Only text encodings: "undefined" raises on every use; "rot13" and "base64" are
        # codecs Python knows but no charset a page can be in.
        "".encode(info.name)
    except (LookupError, ValueError, UnicodeError):
        return None
    if info.name in ("euc_kr", "cp949", "johab", "iso2022_kr"):
        # Python knows these names itself; johab and ISO-2022-KR are real but never seen on
        # the web labelled so, while euc_kr must still become cp949.
        return "cp949" if info.name in ("euc_kr", "cp949") else info.name
    return "utf-8" if info.name == "utf-8" else info.name


def charset_from_content_type(value: str | bytes | None) -> str | None:
    """The raw charset label of a Content-Type header value (``text/html; charset=x``)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    match = _CT_CHARSET_RE.search(value)
    return match.group(1) if match else None


def _declared_label(declared: str | bytes | None) -> str | None:
    """Accept either a bare label or a whole Content-Type value."""
    if declared is None:
        return None
    if isinstance(declared, bytes):
        declared = declared.decode("latin-1")
    if "=" in declared or ";" in declared or "/" in declared:
        return charset_from_content_type(declared)
    return declared


def _as_utf8(body: bytes) -> str | None:
    """The text of valid UTF-8 that actually uses multibyte sequences (pure ASCII proves
    nothing), else None. Returns the text so that a UTF-8 page is decoded once."""
    if not _UTF8_MULTIBYTE_RE.search(body):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _try(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _labels_in_document(head: bytes) -> list[str]:
    labels: list[str] = []
    for regex in (_CHARSET_RE, _XML_DECL_RE):
        match = regex.search(head)
        if match:
            codec = normalize_label(match.group(1))
            # A document cannot announce UTF-16/32 from inside itself once we read it as
            # ASCII-compatible bytes; browsers treat such a meta as UTF-8, and so do we.
            if codec and codec.startswith(("utf-16", "utf-32", "utf_16", "utf_32")):
                codec = "utf-8"
            if codec:
                labels.append(codec)
    return labels


def decode_html(
    body: bytes | bytearray | memoryview | str, declared: str | None = None
) -> tuple[str, str]:
    """Decode a page's bytes; return ``(text, codec used)``. Never raises.

    ``declared`` is the HTTP charset, as a bare label or a whole Content-Type value.
    """
    if isinstance(body, str):
        return body, "utf-8"
    try:
        data = bytes(body)
    except (TypeError, ValueError):
        return "", "utf-8"

    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace"), codec

    candidates: list[str] = []
    header_codec = normalize_label(_declared_label(declared))
    if header_codec:
        candidates.append(header_codec)
    candidates.extend(_labels_in_document(data[:_SNIFF_BYTES]))

    utf8_text = _as_utf8(data)
    for codec in candidates:
        if utf8_text is not None:
            # Saved copies and misconfigured servers label UTF-8 bytes as EUC-KR (or
            # Latin-1); multibyte UTF-8 that decodes cleanly is never an accident.
            return utf8_text, "utf-8"
        text = _try(data, codec)
        if text is not None:
            return text, codec

    # No usable declaration (or every declared codec failed): sniff.
    if utf8_text is not None:
        return utf8_text, "utf-8"
    for codec in ("utf-8", "cp949"):
        text = _try(data, codec)
        if text is not None:
            return text, codec
    # A few broken bytes in an otherwise Korean page: keep the rest readable.
    fallback = candidates[0] if candidates else "cp949"
    return data.decode(fallback, errors="replace"), fallback


def response_text(response: Any) -> str:
    """Text of a Scrapy response, decoded with :func:`decode_html` rather than Scrapy's rules.

    Scrapy trusts a declared EUC-KR label and would mangle UTF-8 bytes under it.
    """
    content_type = None
    try:
        content_type = response.headers.get("Content-Type")
    except AttributeError:
        content_type = None
    body = getattr(response, "body", b"") or b""
    return decode_html(body, charset_from_content_type(content_type))[0]
