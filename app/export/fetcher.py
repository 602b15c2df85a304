"""The only URL fetcher the PDF renderer gets: the app's bundled print assets, nothing else.

User text reaches the renderer already sanitised (no <img>, no style, links
only http/https/mailto), but the renderer must not rely on that: every URL
it is asked for, from a stylesheet, an image, an @import, a font or a
`<link rel=attachment>`, is refused unless it names a file inside
app/export/assets. file:, http(s):, data: and every other scheme are
refused without being opened, and the refusals are remembered so that
tests and logs can name them.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import URLFetcher
from weasyprint.urls import URLFetcherResponse

ASSETS_DIR = (Path(__file__).resolve().parent / "assets").resolve()
ASSETS_URL = ASSETS_DIR.as_uri() + "/"

_TYPES = {".css": "text/css", ".otf": "font/otf", ".ttf": "font/ttf", ".woff2": "font/woff2", ".svg": "image/svg+xml"}


class RefusedURL(ValueError):
    pass


class AssetFetcher(URLFetcher):
    def __init__(self):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False, timeout=1)
        self.refused: list[str] = []

    def asset_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost") or parts.query:
            return None
        path = Path(unquote(parts.path)).resolve()
        if ASSETS_DIR not in path.parents or path.suffix not in _TYPES or not path.is_file():
            return None
        return path

    def fetch(self, url, headers=None):
        path = self.asset_path(url)
        if path is None:
            self.refused.append(url[:200])
            raise RefusedURL(f"The PDF renderer fetches only bundled assets, not {url[:80]!r}")
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(),
                                  headers={"Content-Type": _TYPES[path.suffix]})
