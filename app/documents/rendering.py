"""Markdown to safe HTML.

Python-Markdown (tables, footnotes, heading anchors, sane lists) renders the
text; nh3 then keeps only an allow-list of tags, attributes and URL schemes,
so nothing executable reaches a page whatever a writer typed. Element ids
are prefixed per section, so two sections' footnotes or headings never
collide on one page.
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del", "ins",
    "sub", "sup", "code", "pre", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "a", "abbr",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "div", "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "li": {"id"},
    "sup": {"id"},
    "div": {"class"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# Direction overrides can make text read differently from what it is (Trojan Source).
_INVISIBLE = re.compile("[\u0000\u202a-\u202e\u2066-\u2069]")


def _prefix_ids(prefix: str):
    def attribute_filter(tag: str, attribute: str, value: str):
        if attribute == "id":
            return f"{prefix}{value}"
        if attribute == "href" and value.startswith("#"):
            return f"#{prefix}{value[1:]}"
        if attribute == "class" and tag == "div":
            return "footnote" if value == "footnote" else None
        return value
    return attribute_filter


_converters = threading.local()


def _converter() -> markdown.Markdown:
    """This thread's Markdown converter, reset: building one (its extensions, parser and patterns) cost
    as much as converting a section. reset() clears what a text leaves behind (footnotes, abbreviations,
    references, the table of contents), so each text is converted as by a new one."""
    md = getattr(_converters, "md", None)
    if md is None:
        md = _converters.md = markdown.Markdown(
            extensions=["tables", "footnotes", "toc", "sane_lists", "fenced_code", "def_list", "abbr"],
            extension_configs={"toc": {"permalink": False}, "footnotes": {"BACKLINK_TEXT": "↩"}},
            output_format="html",
        )
    return md.reset()


def render_markdown(text: str, id_prefix: str = "") -> str:
    """Safe HTML for a Markdown text."""
    text = _INVISIBLE.sub("", text or "")
    md = _converter()
    html = md.convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_prefix_ids(id_prefix) if id_prefix else None,
    )


@lru_cache(maxsize=2048)
def render_cached(text: str, id_prefix: str = "") -> str:
    """Rendering is the costly part of a page; identical inputs give identical HTML."""
    return render_markdown(text, id_prefix)


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _absolute_links_only(tag: str, attribute: str, value: str):
    if attribute in ("href", "src") and not value.startswith("#") and (
            value.startswith("//") or not _SCHEME.match(value)):
        return None
    return value


@lru_cache(maxsize=1024)
def render_for_print(text: str, id_prefix: str = "") -> str:
    """As render_cached, without relative links or images: in a PDF they would resolve against the
    renderer's own folder (a file: address naming the server's paths) instead of the app."""
    return nh3.clean(render_cached(text, id_prefix), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow", strip_comments=True,
                     attribute_filter=_absolute_links_only)
