"""The document page's per-section frame, rendered once and reused.

A long document page repeats the same markup around every section: heading,
the discussion box with its comment form, the section's tools. Rendering that
through the template engine for 280 sections cost more than everything else on
the page together. The frame depends only on what it shows (the section's id,
anchor, number, heading, level, revision, its neighbours, the reader's rights
and its thread counts), so it is rendered once per distinct set of those and
kept in a bounded per-process cache; the key holds all of them, so an edit, a
renumbering, another role or a new thread simply makes another entry, and
nothing needs invalidating. What differs per reader or per request, the section's
text with its highlights, the threads and the CSRF token, goes into marked
holes; the marks carry a per-process random nonce, so text typed by a user
can never be taken for one.
"""
from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app
from markupsafe import Markup, escape

_NONCE = secrets.token_hex(8)
BODY = f"\ue000body-{_NONCE}\ue000"
THREADS = f"\ue000threads-{_NONCE}\ue000"
CSRF = f"\ue000csrf-{_NONCE}\ue000"
PAGE_BODY = Markup(f"\ue000page-body-{_NONCE}\ue000")  # where the document page's sections go
_MARKS = {"body": Markup(BODY), "threads": Markup(THREADS), "csrf": Markup(CSRF)}


@dataclass(frozen=True)
class Rights:
    edit: bool
    arrange: bool
    comment: bool
    propose: bool


class FrameCache:
    """A least-recently-used map from frame keys to rendered markup, bounded by entries and, when given
    max_weight, by the total weight (characters) of what it holds."""

    def __init__(self, capacity: int, max_weight: int | None = None):
        self.capacity = capacity
        self.max_weight = max_weight
        self.weight = 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key, parts, weight: int = 0) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.weight -= old[1]
            self._items[key] = (parts, weight)
            self.weight += weight
            while self._items and (len(self._items) > self.capacity or (
                    self.max_weight is not None and self.weight > self.max_weight)):
                _key, (_parts, dropped) = self._items.popitem(last=False)
                self.weight -= dropped

    def __len__(self) -> int:
        return len(self._items)


def frame_cache() -> FrameCache:
    cache = current_app.extensions.get("accord_section_frames")
    if cache is None:
        cache = current_app.extensions["accord_section_frames"] = FrameCache(
            current_app.config.get("SECTION_FRAME_CACHE_SIZE", 20000))
    return cache


class SectionFrames:
    """Per request: frames(section, number, first, last, discussion) -> (before body, before threads, after threads)."""

    def __init__(self, *, rights: Rights, urls: dict, doc_url: str, csrf_token: str):
        self.rights = rights
        self.urls = urls
        self.doc_url = doc_url
        self.csrf_token = csrf_token
        self.cache = frame_cache()
        self._macro = None

    def key(self, section, number: str, first: bool, last: bool, open_count: int, proposed: int,
            has_resolved: bool) -> tuple:
        """Everything the frame shows: equal keys, equal frames."""
        return (section.id, section.anchor, section.heading, section.level, section.current_revision,
                number, first, last, self.rights, open_count, proposed, has_resolved, self.doc_url)

    def parts(self, key: tuple, section) -> tuple[str, str, str]:
        """(before body, before threads, after threads), the CSRF hole still marked."""
        parts = self.cache.get(key)
        if parts is None:
            _id, _anchor, _heading, _level, _rev, number, first, last, _rights, open_count, proposed, has_resolved, \
                _url = key
            if self._macro is None:
                self._macro = current_app.jinja_env.get_template("documents/_section_frame.html").module.section_frame
            html = squeeze(str(self._macro(section, number, first, last, self.rights, open_count, proposed,
                                           has_resolved, self.urls, self.doc_url, _MARKS)))
            head, rest = html.split(BODY, 1)
            middle, tail = rest.split(THREADS, 1)
            parts = (head, middle, tail)
            self.cache.put(key, parts)
        return parts

    def __call__(self, section, number: str, first: bool, last: bool, open_count: int, proposed: int,
                 has_resolved: bool):
        head, middle, tail = self.parts(self.key(section, number, first, last, open_count, proposed, has_resolved),
                                        section)
        return Markup(head), Markup(middle), Markup(tail.replace(CSRF, self.csrf_token))


_INDENT = re.compile(r"\n[ \t]*(?:\n[ \t]*)*")


def squeeze(html: str) -> str:
    """Template markup without its indentation and blank lines (a long page repeats them hundreds of times).
    Only for markup whose text lies in no <pre> or <textarea>: line breaks stay, so words stay apart."""
    return _INDENT.sub("\n", html)


def toc_cache() -> FrameCache:
    cache = current_app.extensions.get("accord_toc")
    if cache is None:
        cache = current_app.extensions["accord_toc"] = FrameCache(current_app.config.get("TOC_CACHE_SIZE", 500))
    return cache


def toc_items(sections) -> Markup:
    """The table of contents' list items for [(number, section)], built once per outline."""
    key = tuple((section.anchor, number, section.level, section.heading) for number, section in sections)
    html = toc_cache().get(key)
    if html is None:
        html = "\n".join(f'<li class="toc-level-{int(level)}"><a href="#{escape(anchor)}"><span class="secnum">'
                         f'§{escape(number)}</span> {escape(heading)}</a></li>'
                         for anchor, number, level, heading in key)
        toc_cache().put(key, html, len(html))
    return Markup(html)
