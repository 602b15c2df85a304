"""The document page's per-section frame, rendered once and reused.

A long document page repeats the same markup around every section: heading,
the discussion box with its comment form, the section's tools. Rendering that
through the template engine for 280 sections cost more than everything else on
the page together. The frame depends only on what it shows (the section's id,
anchor, number, heading, level, revision, its neighbours, the reader's rights,
its thread counts, the reader's language and the document's), so it is
rendered once per distinct set of those and kept in a bounded per-process
cache; the key holds all of them, so an edit, a renumbering, another role, a
new thread or another language simply makes another entry, and
nothing needs invalidating. What differs per reader or per request, the section's
text with its highlights, the threads and the CSRF token, goes into marked
holes; the marks carry a per-process random nonce, so text typed by a user
can never be taken for one.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import NamedTuple

from flask import current_app
from markupsafe import Markup, escape

from app.caching import process_cache
from app.i18n import current_language

NONCE = secrets.token_hex(8)
BODY = f"\ue000body-{NONCE}\ue000"
THREADS = f"\ue000threads-{NONCE}\ue000"
CSRF = f"\ue000csrf-{NONCE}\ue000"
PAGE_BODY = Markup(f"\ue000page-body-{NONCE}\ue000")  # where the document page's sections go
_MARKS = {"body": Markup(BODY), "threads": Markup(THREADS), "csrf": Markup(CSRF)}


@dataclass(frozen=True)
class Rights:
    edit: bool
    arrange: bool
    comment: bool
    propose: bool


class FrameKey(NamedTuple):
    section_id: int
    anchor: str
    heading: str
    level: int
    revision: int
    number: str
    first: bool
    last: bool
    rights: Rights
    open_count: int
    proposed: int
    has_resolved: bool
    doc_url: str
    language: str  # the reader's: the frame's words are in it
    doc_language: str  # the document's: its heading and text are marked with it (lang=)


class SectionFrames:
    """Per request: key(section, number, ...) names a section's frame, parts(key, section) gives its
    (before body, before threads, after threads)."""

    def __init__(self, *, rights: Rights, urls: dict, doc_url: str, csrf_token: str, doc_language: str = "en"):
        self.rights = rights
        self.urls = urls
        self.doc_url = doc_url
        self.csrf_token = csrf_token
        self.language = current_language()
        self.doc_language = doc_language
        self.cache = process_cache("section_frame")
        self._macro = None

    def key(self, section, number: str, first: bool, last: bool, open_count: int, proposed: int,
            has_resolved: bool) -> FrameKey:
        """Everything the frame shows: equal keys, equal frames."""
        return FrameKey(section.id, section.anchor, section.heading, section.level, section.current_revision,
                        number, first, last, self.rights, open_count, proposed, has_resolved, self.doc_url,
                        self.language, self.doc_language)

    def parts(self, key: FrameKey, section) -> tuple[str, str, str]:
        """(before body, before threads, after threads), the CSRF hole still marked."""
        parts = self.cache.get(key)
        if parts is None:
            if self._macro is None:
                self._macro = current_app.jinja_env.get_template("documents/_section_frame.html").module.section_frame
            html = squeeze(str(self._macro(section, key.number, key.first, key.last, self.rights, key.open_count,
                                           key.proposed, key.has_resolved, self.urls, self.doc_url, _MARKS,
                                           self.doc_language)))
            head, rest = html.split(BODY, 1)
            middle, tail = rest.split(THREADS, 1)
            parts = (head, middle, tail)
            self.cache.put(key, parts)
        return parts


_INDENT = re.compile(r"\n[ \t]*(?:\n[ \t]*)*")


def squeeze(html: str) -> str:
    """Template markup without its indentation and blank lines (a long page repeats them hundreds of times).
    Only for markup whose text lies in no <pre> or <textarea>: line breaks stay, so words stay apart."""
    return _INDENT.sub("\n", html)


def toc_items(sections) -> Markup:
    """The table of contents' list items for [(number, section)], built once per outline."""
    key = tuple((section.anchor, number, section.level, section.heading) for number, section in sections)
    cache = process_cache("toc")
    html = cache.get(key)
    if html is None:
        html = "\n".join(f'<li class="toc-level-{int(level)}"><a href="#{escape(anchor)}"><span class="secnum">'
                         f'§{escape(number)}</span> {escape(heading)}</a></li>'
                         for anchor, number, level, heading in key)
        cache.put(key, html)
    return Markup(html)
