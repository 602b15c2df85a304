"""Markdown to safe HTML, unbounded: the conversion that the render process runs.

Python-Markdown (tables, footnotes, heading anchors, sane lists) renders the text; nh3 then keeps only
an allow-list of tags, attributes and URL schemes, so nothing executable reaches a page whatever a writer
typed. Element ids are prefixed per section, so two sections' footnotes or headings never collide on one
page. Both steps run in the render process (markdown_worker.py), because both can be slow: nh3 spends
minutes on 200,000 nested <div> tags, Python-Markdown on many shapes (markdown_bounds.py).

Nothing here imports Flask or the app: the render process loads this file by its path.
"""
from __future__ import annotations

import re

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

EXTENSIONS = ["tables", "footnotes", "toc", "sane_lists", "fenced_code", "def_list", "abbr"]
EXTENSION_CONFIGS = {"toc": {"permalink": False}, "footnotes": {"BACKLINK_TEXT": "↩"}}

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


class _ImagesAsWords(Treeprocessor):
    """Images are never shown (a page or a PDF fetches nothing from elsewhere), so the words a writer gave an
    image stay in its place instead of vanishing with it: `![Map of the lots](map.png)` reads
    "[Image: Map of the lots]"; an image without words leaves nothing. Raw HTML <img> is not in the tree and
    is dropped by the sanitiser, as before."""

    def run(self, root):
        for parent in root.iter():
            for index, child in enumerate(list(parent)):
                if child.tag != "img":
                    continue
                words = " ".join((child.get("alt") or "").split())
                replacement = parent.makeelement("span", {})
                replacement.text = f"[Image: {words}]" if words else None
                replacement.tail = child.tail
                parent[index] = replacement


class ImagesAsWords(Extension):
    def extendMarkdown(self, md):  # noqa: N802  (the name Python-Markdown calls)
        md.treeprocessors.register(_ImagesAsWords(md), "images_as_words", 15)  # after inline (20), before prettify


def new_converter() -> markdown.Markdown:
    """Building a converter (its extensions, parser and patterns) costs as much as converting a section:
    keep one and reset() it before each text, which clears what a text leaves behind (footnotes,
    abbreviations, references, the table of contents)."""
    return markdown.Markdown(extensions=[*EXTENSIONS, ImagesAsWords()], extension_configs=EXTENSION_CONFIGS,
                             output_format="html")


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


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _absolute_links_only(tag: str, attribute: str, value: str):
    if attribute in ("href", "src") and not value.startswith("#") and (
            value.startswith("//") or not _SCHEME.match(value)):
        return None
    return value


def _clean(html: str, attribute_filter) -> str:
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow", strip_comments=True, attribute_filter=attribute_filter)


def render(converter: markdown.Markdown, text: str, id_prefix: str = "", for_print: bool = False) -> str:
    """Safe HTML for a Markdown text. For print, without relative links or images as well: in a PDF they
    would resolve against the renderer's own folder (a file: address naming the server's paths)."""
    html = _clean(converter.reset().convert(text), _prefix_ids(id_prefix) if id_prefix else None)
    return _clean(html, _absolute_links_only) if for_print else html
