"""clipper: a news-clipping pipeline for Korean news about small libraries (작은도서관)."""

__version__ = "0.1.0"
