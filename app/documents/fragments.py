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

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app
from markupsafe import Markup

_NONCE = secrets.token_hex(8)
BODY = f"\ue000body-{_NONCE}\ue000"
THREADS = f"\ue000threads-{_NONCE}\ue000"
CSRF = f"\ue000csrf-{_NONCE}\ue000"
_MARKS = {"body": Markup(BODY), "threads": Markup(THREADS), "csrf": Markup(CSRF)}


@dataclass(frozen=True)
class Rights:
    edit: bool
    arrange: bool
    comment: bool
    propose: bool


class FrameCache:
    """A least-recently-used map from frame keys to the frame's three static parts."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            parts = self._items.get(key)
            if parts is not None:
                self._items.move_to_end(key)
            return parts

    def put(self, key, parts) -> None:
        with self._lock:
            self._items[key] = parts
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

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

    def __call__(self, section, number: str, first: bool, last: bool, open_count: int, proposed: int,
                 has_resolved: bool):
        key = (section.id, section.anchor, section.heading, section.level, section.current_revision,
               number, first, last, self.rights, open_count, proposed, has_resolved, self.doc_url)
        parts = self.cache.get(key)
        if parts is None:
            if self._macro is None:
                self._macro = current_app.jinja_env.get_template("documents/_section_frame.html").module.section_frame
            html = str(self._macro(section, number, first, last, self.rights, open_count, proposed, has_resolved,
                                   self.urls, self.doc_url, _MARKS))
            head, rest = html.split(BODY, 1)
            middle, tail = rest.split(THREADS, 1)
            parts = (head, middle, tail)
            self.cache.put(key, parts)
        head, middle, tail = parts
        return Markup(head), Markup(middle), Markup(tail.replace(CSRF, self.csrf_token))
