"""The registry of Korean news outlets: canonical names, typed variants, domains, Naver ids.

The outlets are data (``clipper/data/outlets.csv``), not code: adding an outlet or a spelling
the editors use is a one-line change there. Every lookup is a dict lookup on a normalised key
built once at load, because the pipeline resolves the outlet of every item.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.resources import files
from os import PathLike
from urllib.parse import urlsplit

from clipper.text.gazetteer import NATIONAL
from clipper.text.gazetteer import REGIONS as SIDO
from clipper.text.patterns import host_in, url_host

__all__ = [
    "KINDS",
    "REGIONS",
    "Outlet",
    "OutletRegistry",
    "default_registry",
    "normalise_name",
]

KINDS = frozenset(
    {
        "national_daily",
        "economic_daily",
        "regional_daily",
        "local_weekly",
        "broadcaster",
        "news_agency",
        "internet",
        "specialty",
        "magazine",
    }
)

#: the 17 시도 short names plus 전국 for outlets without a home region of their own
REGIONS = (*SIDO, NATIONAL)

FIELDS = ("name", "aliases", "domains", "naver_oid", "home_region", "kind")

# Bracketed asides that do not name the outlet: "(주)", "㈜" (NFKC makes it "(주)"), "[속보]".
# Tried only after the plain key fails, since "KBS(부산)" is itself a name.
_BRACKETED = re.compile(
    r"\([^()]*\)|\[[^\[\]]*\]|\{[^{}]*\}|<[^<>]*>|【[^】]*】|〈[^〉]*〉|《[^》]*》"
)
_CORPORATE = re.compile(r"주식회사|\(주\)")
_NOT_KEY = re.compile(r"[\W_]+")
# A URL or a bare host: "https://www.yna.co.kr/view/…", "news.kbs.co.kr", "yna.co.kr/x".
_URLISH = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*:)?(?://)?(?:[a-z0-9-]+\.)+[a-z]{2,}\.?(?::\d+)?(?:[/?#]\S*)?$",
    re.IGNORECASE,
)
_DOMAIN = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}$")
_OID = re.compile(r"^\d{3}$")
# Host prefixes that only pick a rendering of the same site.
_HOST_PREFIXES = ("www.", "m.", "mobile.")
# Naver hosts the whole press; its URLs carry the outlet as a 3-digit press id (oid).
_NAVER_OID_PATH = re.compile(r"/(?:article|press)/(?:comment/)?(\d{3})(?:/|$)")
_NAVER_OID_QUERY = re.compile(r"(?:^|&)oid=(\d{3})(?:&|$)")
# "KBS뉴스", "MBC news": a broadcaster's or agency's name plus a generic word. Only those
# kinds, because "중앙뉴스" or "서울뉴스" are outlets of their own, not 중앙일보 or anything.
_GENERIC_SUFFIXES = ("뉴스", "news")
_SUFFIX_SAFE_KINDS = frozenset({"broadcaster", "news_agency"})


def normalise_name(text: str) -> str:
    """The lookup key of an outlet string: NFKC (full-width → ASCII), case-folded, with
    whitespace and punctuation removed, so "연합 뉴스", "ＫＢＳ" and "Dong-A Ilbo" match."""
    return _NOT_KEY.sub("", unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True)
class Outlet:
    """One news outlet as the registry knows it."""

    name: str  # canonical Korean name, e.g. 연합뉴스
    aliases: tuple[str, ...] = ()  # other spellings: spacing, typos, abbreviations, English
    domains: tuple[str, ...] = ()  # hosts it publishes on; subdomains match too
    naver_oid: str | None = None  # Naver's 3-digit press id
    home_region: str | None = None  # one of REGIONS, or None when not known
    kind: str = "internet"  # one of KINDS


class OutletRegistry:
    """Outlets indexed by normalised name/alias, by domain and by Naver oid."""

    def __init__(self, outlets: Iterable[Outlet] = ()) -> None:
        self._outlets: list[Outlet] = []
        self._by_key: dict[str, Outlet] = {}
        self._by_domain: dict[str, Outlet] = {}
        self._by_oid: dict[str, Outlet] = {}
        self._where: dict[str, str] = {}  # outlet name → where it was defined, for errors
        for number, outlet in enumerate(outlets, 1):
            self._add(outlet, f"outlet #{number}")

    @classmethod
    def load(cls, path: str | PathLike[str] | None = None) -> OutletRegistry:
        """Read and validate an outlets CSV (the shipped one by default).

        Raises ValueError, naming the line, for an unknown kind or region, a malformed oid or
        domain, or a name/alias/domain/oid claimed by two outlets.
        """
        if path is None:
            resource = files("clipper") / "data" / "outlets.csv"
            text, label = resource.read_text(encoding="utf-8-sig"), "outlets.csv"
        else:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                text, label = handle.read(), str(path)
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if reader.fieldnames is None or set(reader.fieldnames) != set(FIELDS):
            raise ValueError(f"{label}: header must be {','.join(FIELDS)}, got {reader.fieldnames}")
        registry = cls()
        for row in reader:
            where = f"{label} line {reader.line_num}"
            registry._add(_outlet_from_row(row, where), where)
        return registry

    def _add(self, outlet: Outlet, where: str) -> None:
        if not outlet.name.strip():
            raise ValueError(f"{where}: empty name")
        if outlet.kind not in KINDS:
            raise ValueError(f"{where}: unknown kind {outlet.kind!r} for {outlet.name}")
        if outlet.home_region is not None and outlet.home_region not in REGIONS:
            raise ValueError(f"{where}: unknown home_region {outlet.home_region!r}")
        if outlet.name in self._where:
            raise ValueError(
                f"{where}: duplicate name {outlet.name!r} ({self._where[outlet.name]})"
            )
        self._where[outlet.name] = where

        keys: dict[str, str] = {}
        for spelling in (outlet.name, *outlet.aliases):
            key = normalise_name(spelling)
            if not key:
                raise ValueError(f"{where}: {spelling!r} of {outlet.name} has no letters")
            keys.setdefault(key, spelling)
        for key, spelling in keys.items():
            self._claim(self._by_key, key, outlet, where, f"name/alias {spelling!r}")
        for domain in outlet.domains:
            if not _DOMAIN.match(domain):
                raise ValueError(f"{where}: malformed domain {domain!r} (want a bare host)")
            self._claim(self._by_domain, domain, outlet, where, f"domain {domain!r}")
        if outlet.naver_oid is not None:
            if not _OID.match(outlet.naver_oid):
                raise ValueError(f"{where}: naver_oid {outlet.naver_oid!r} is not 3 digits")
            self._claim(self._by_oid, outlet.naver_oid, outlet, where, "naver_oid")
        self._outlets.append(outlet)

    def _claim(
        self, index: dict[str, Outlet], key: str, outlet: Outlet, where: str, what: str
    ) -> None:
        other = index.get(key)
        if other is not None and other.name != outlet.name:
            raise ValueError(
                f"{where}: {what} of {outlet.name} already belongs to "
                f"{other.name} ({self._where[other.name]})"
            )
        index[key] = outlet

    def resolve(self, text: str | None) -> Outlet | None:
        """The outlet a free-typed string names, or None.

        Accepts names as editors type them ("연합 뉴스", "ＫＢＳ", "(주)뉴시스", "KBS뉴스"),
        Naver's "뉴시스 | 네이버", and URLs or bare hosts (resolved by domain).
        """
        if not text or not isinstance(text, str):
            return None
        text = unicodedata.normalize("NFKC", text).strip()
        if not text:
            return None
        if _URLISH.match(text):
            return self.resolve_url(text)
        candidates = _candidate_keys(text)
        for key in candidates:
            outlet = self._by_key.get(key)
            if outlet is not None:
                return outlet
        for key in candidates:
            for suffix in _GENERIC_SUFFIXES:
                if key.endswith(suffix) and len(key) > len(suffix):
                    outlet = self._by_key.get(key[: -len(suffix)])
                    if outlet is not None and outlet.kind in _SUFFIX_SAFE_KINDS:
                        return outlet
        return None

    def resolve_url(self, url: str | None) -> Outlet | None:
        """The outlet publishing at this URL or host, or None.

        Matches the host and each parent domain, longest first, so ``news.kbs.co.kr`` is KBS
        and ``sports.donga.com`` can be 스포츠동아 while ``www.donga.com`` is 동아일보. Naver
        article and press URLs resolve through their oid.
        """
        host = url_host(url)
        if not host:
            return None
        if host_in(host, "naver.com"):
            raw = url.strip()
            parts = urlsplit(raw if "://" in raw or raw.startswith("//") else "//" + raw)
            match = _NAVER_OID_PATH.search(parts.path) or _NAVER_OID_QUERY.search(parts.query)
            return self.by_oid(match.group(1)) if match else None
        stripped = True
        while stripped:
            stripped = False
            for prefix in _HOST_PREFIXES:
                if host.startswith(prefix) and host.count(".") > 1:
                    host, stripped = host[len(prefix) :], True
        labels = host.split(".")
        for start in range(len(labels) - 1):
            outlet = self._by_domain.get(".".join(labels[start:]))
            if outlet is not None:
                return outlet
        return None

    def by_oid(self, oid: str | int | None) -> Outlet | None:
        """The outlet with this Naver press id ("001", "1" and 1 are the same id)."""
        if oid is None or isinstance(oid, bool):
            return None
        text = str(oid).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 3:
            return None
        return self._by_oid.get(text.zfill(3))

    def __len__(self) -> int:
        return len(self._outlets)

    def __iter__(self) -> Iterator[Outlet]:
        return iter(self._outlets)


def _candidate_keys(text: str) -> list[str]:
    """Keys to try for one string, most literal first."""
    # Naver's og:article:author is "뉴시스 | 네이버", its sports pages "네이버 스포츠 | 연합뉴스".
    pieces = [text, *(p for p in text.split("|") if "|" in text)]
    keys: list[str] = []
    for piece in pieces:
        for variant in (piece, _CORPORATE.sub(" ", _BRACKETED.sub(" ", piece))):
            key = normalise_name(variant)
            if key and key not in keys:
                keys.append(key)
    return keys


def _split_list(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split("|") if part.strip())


def _outlet_from_row(row: dict[str, str | None], where: str) -> Outlet:
    if None in row:  # csv puts surplus cells under the key None
        raise ValueError(f"{where}: more cells than the header has")
    cell = {field: (row.get(field) or "").strip() for field in FIELDS}
    return Outlet(
        name=cell["name"],
        aliases=_split_list(cell["aliases"]),
        domains=tuple(d.lower() for d in _split_list(cell["domains"])),
        naver_oid=cell["naver_oid"] or None,
        home_region=cell["home_region"] or None,
        kind=cell["kind"],
    )


@functools.cache
def default_registry() -> OutletRegistry:
    """The shipped registry, loaded once per process."""
    return OutletRegistry.load()
