"""Open threads on the document page, each rendered once per state and reader's rights, then reused.

A busy document carries hundreds of open threads, and rendering each through its macros cost more
than the rest of the page. A thread's markup is a function of what the key below holds: the
comments (their text, authors, dates, edits and deletions), where the quoted words stand now, the
thread's state, the section link it returns to, and what the reader may do with it, which is their
role in the group and whether they wrote one of its comments. Any change to one of those is
another key, so nothing needs invalidating. The CSRF token of the request goes into a marked hole
(see app/documents/fragments.py).
"""
from __future__ import annotations

from flask import current_app
from flask_login import current_user
from markupsafe import Markup

from app.comments import services
from app.comments.highlighting import highlighted_html
from app.comments.services import highlight_spans
from app.comments.permissions import can_delete_comment, can_edit_comment, can_resolve, role_in
from app.documents.fragments import CSRF, FrameCache

_CSRF_MARKUP = Markup(CSRF)


def _cache() -> FrameCache:
    cache = current_app.extensions.get("accord_thread_blocks")
    if cache is None:
        cache = current_app.extensions["accord_thread_blocks"] = FrameCache(
            current_app.config.get("THREAD_BLOCK_CACHE_SIZE", 20000))
    return cache


def _person(user) -> tuple:
    return (user.id, user.name) if user is not None else (None, None)


class ThreadBlocks:
    """Per request: blocks(section, threads, can_comment, next) -> the threads' markup."""

    def __init__(self, document, csrf_token: str):
        self.viewer_id = getattr(current_user, "id", None)
        self.role = role_in(current_user, document.group_id)
        self.csrf_token = csrf_token
        self.cache = _cache()
        self._macro = None

    def _render(self, thread, section, can_comment: bool, next_url: str) -> str:
        if self._macro is None:
            helpers = {"can_edit_comment": lambda c: can_edit_comment(current_user, c),
                       "can_delete_comment": lambda c: can_delete_comment(current_user, c),
                       "can_resolve_thread": lambda c: can_resolve(current_user, c),
                       "comment_html": services.comment_html, "csrf_token": lambda: _CSRF_MARKUP}
            template = current_app.jinja_env.get_template("comments/_macros.html")
            self._macro = template.make_module(helpers).thread_block
        return str(self._macro(thread, section, can_comment, next_url))

    def key(self, thread, section, can_comment: bool, next_url: str) -> tuple:
        """Everything the thread's markup shows: equal keys, equal markup."""
        comments = [thread.comment, *thread.replies]
        location = thread.location
        return (thread.comment.id, self.role, can_comment, next_url,
                self.viewer_id if any(c.author_id == self.viewer_id for c in comments) else None,
                section.deleted_at, location.start, location.end, location.orphaned, location.exact,
                thread.quoted_now(section.body), thread.comment.anchor_quote, thread.comment.resolved_at,
                _person(thread.comment.resolved_by),
                tuple((c.id, c.body, _person(c.author), c.created_at, c.edited_at, c.deleted_at) for c in comments))

    def markup(self, key: tuple, thread, section, can_comment: bool, next_url: str) -> str:
        """The thread's markup, the CSRF hole still marked."""
        html = self.cache.get(key)
        if html is None:
            html = self._render(thread, section, can_comment, next_url)
            self.cache.put(key, html)
        return html

    def __call__(self, section, threads, can_comment: bool, next_url: str) -> Markup:
        return Markup("".join(self.markup(self.key(t, section, can_comment, next_url), t, section, can_comment,
                                          next_url) for t in threads).replace(CSRF, self.csrf_token))


def _piece_cache() -> FrameCache:
    cache = current_app.extensions.get("accord_section_pieces")
    if cache is None:
        cache = current_app.extensions["accord_section_pieces"] = FrameCache(
            current_app.config.get("SECTION_PIECE_CACHE_SIZE", 5000),
            max_weight=current_app.config.get("SECTION_PIECE_CACHE_CHARS", 32 * 1024 * 1024))
    return cache


def document_body(sections, discussion, frames, blocks: ThreadBlocks) -> list[bytes]:
    """Every section of the document page, [(number, section)] in order, as UTF-8 chunks to be joined into
    the response: its frame, its text with the words of open threads highlighted, and those threads.

    Each section's whole markup is kept, encoded and cut at its CSRF holes, under the keys of its parts
    (its frame, its text's revision, the highlighted spans, its threads): a request in which nothing
    changed joins bytes, and a change rebuilds only the sections it touched. A megabyte page is never
    searched, copied or re-encoded as a whole."""
    cache = _piece_cache()
    token = frames.csrf_token.encode()
    out: list[bytes] = []
    last = len(sections) - 1
    can_comment = discussion.can_comment
    for index, (number, section) in enumerate(sections):
        d = discussion[section.id]
        threads = d.open
        frame_key = frames.key(section, number, index == 0, index == last, len(threads), d.proposed,
                               d.has_resolved)
        next_url = f"{frames.doc_url}#{section.anchor}"
        thread_keys = tuple(blocks.key(t, section, can_comment, next_url) for t in threads)
        spans = highlight_spans(threads)
        # The text is a function of the revision: save_section is the one place that sets both.
        key = (frame_key, section.current_revision, len(section.body), spans, thread_keys)
        segments = cache.get(key)
        if segments is None:
            head, middle, tail = frames.parts(frame_key, section)
            text = highlighted_html(section.body, list(spans), f"{section.anchor}-")
            blocks_html = "".join(blocks.markup(k, t, section, can_comment, next_url)
                                  for k, t in zip(thread_keys, threads))
            segments = tuple(part.encode() for part in "".join((head, text, middle, blocks_html, tail,
                                                                "\n")).split(CSRF))
            cache.put(key, segments, sum(map(len, segments)))
        out.append(segments[0])
        for segment in segments[1:]:
            out.append(token)
            out.append(segment)
    return out
