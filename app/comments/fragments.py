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

from typing import NamedTuple

from flask import current_app
from flask_login import current_user
from markupsafe import Markup

from app.caching import process_cache
from app.comments import services
from app.comments.highlighting import highlighted_html
from app.comments.permissions import can_delete_comment, can_edit_comment, can_resolve, role_in
from app.comments.services import highlight_spans
from app.documents.fragments import CSRF

_CSRF_MARKUP = Markup(CSRF)


class ThreadBlocks:
    """Per request: key(thread, ...) names a thread's markup, markup(key, thread, ...) gives it."""

    def __init__(self, document, csrf_token: str):
        self.viewer_id = getattr(current_user, "id", None)
        self.role = role_in(current_user, document.group_id)
        self.csrf_token = csrf_token
        self.cache = process_cache("thread_block", 20000)
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
        """Everything the thread's markup shows: equal keys, equal markup. Where the quoted words stand is
        not shown (the link to them names the comment), so an edit before them that moves them keeps the key;
        the words themselves and whether they are exact or gone are in it."""
        comments = [thread.comment, *thread.replies]
        location = thread.location
        return (thread.comment.id, self.role, can_comment, next_url,
                self.viewer_id if self.authored(thread) else None,
                section.deleted_at, location.orphaned, location.exact, location.start is None,
                thread.quoted_now(section.body), thread.comment.anchor_quote, thread.comment.resolved_at,
                thread.comment.resolved_by_id,
                tuple((c.id, c.body, c.author_id, c.author_name, c.created_at, c.edited_at, c.deleted_at)
                      for c in comments))

    def authored(self, thread) -> bool:
        """Whether the reader wrote one of the thread's comments (which then carry their tools)."""
        return any(c.author_id == self.viewer_id for c in (thread.comment, *thread.replies))

    def markup(self, key: tuple, thread, section, can_comment: bool, next_url: str) -> str:
        """The thread's markup, the CSRF hole still marked."""
        html = self.cache.get(key)
        if html is None:
            html = self._render(thread, section, can_comment, next_url)
            self.cache.put(key, html)
        return html


def document_body(sections, discussion, frames, blocks: ThreadBlocks) -> list[bytes]:
    """Every section of the document page, [(number, section)] in order, as UTF-8 chunks to be joined into
    the response: its frame, its text with the words of open threads highlighted, and those threads.

    Each section's whole markup is kept, encoded and cut at its CSRF holes, under a PieceKey: the section's
    revision (which names its text) and discussion version (raised with every change to its comments and
    suggestions, in the writing transaction), its place in the outline and what the reader may do. A
    request in which nothing changed reads no comment and joins bytes; a change rebuilds only the sections
    it touched, from their threads read afresh. Those are read after the section row, so what is kept under
    a version is never older than that version."""
    cache = process_cache("section_piece", 5000, 32 * 1024 * 1024)
    token = frames.csrf_token.encode()
    last = len(sections) - 1
    can_comment = discussion.can_comment
    reader = (frames.rights, blocks.role, frames.doc_url)
    pieces: list = []
    missing: list[tuple[int, str, object, PieceKey]] = []
    for index, (number, section) in enumerate(sections):
        key = PieceKey(section.id, section.current_revision, section.discussion_version, section.heading,
                       section.level, number, index == 0, index == last, reader,
                       blocks.viewer_id if section.id in discussion.mine else None)
        segments = cache.get(key)
        if segments is None:
            missing.append((index, number, section, key))
        pieces.append(segments)
    if missing:
        details = services.section_discussions([section for _i, _n, section, _k in missing])
        for index, number, section, key in missing:
            d = details[section.id]
            open_threads = d.threads
            next_url = f"{frames.doc_url}#{section.anchor}"
            frame = frames.key(section, number, index == 0, index == last, len(open_threads), d.proposed,
                               d.has_resolved)
            head, middle, tail = frames.parts(frame, section)
            text = _highlighted_text(section, highlight_spans(open_threads))
            blocks_html = "".join(blocks.markup(blocks.key(t, section, can_comment, next_url), t, section,
                                                can_comment, next_url) for t in open_threads)
            segments = tuple(part.encode() for part in "".join((head, text, middle, blocks_html, tail,
                                                                "\n")).split(CSRF))
            # Kept for others only if the reader's own tools in it are what the key says: a comment of theirs
            # written since `discussion.mine` was read would show its tools to the next reader of the key.
            if any(blocks.authored(t) for t in open_threads) == (key.viewer is not None):
                cache.put(key, segments, sum(map(len, segments)))
            pieces[index] = segments
    out: list[bytes] = []
    for segments in pieces:
        out.append(segments[0])
        for segment in segments[1:]:
            out.append(token)
            out.append(segment)
    return out


def _highlighted_text(section, spans: tuple) -> str:
    """The section's text as HTML with the open threads' words marked, kept per revision and marks: the
    same text is wanted again by readers of other roles and by readers with their own threads in it."""
    cache = process_cache("section_text", 2000, 8 * 1024 * 1024)
    key = (section.id, section.current_revision, len(section.body), spans)
    html = cache.get(key)
    if html is None:
        html = highlighted_html(section.body, list(spans), f"{section.anchor}-")
        cache.put(key, html, len(html))
    return html


class PieceKey(NamedTuple):
    """Everything a section's markup on the document page shows. The text is a function of the revision
    (save_section is the one place that sets both), the discussion of the discussion version; the reader
    is their rights, their role and the page's address, and their id where they wrote in an open thread."""
    section_id: int
    revision: int
    discussion_version: int
    heading: str
    level: int
    number: str
    first: bool
    last: bool
    reader: tuple
    viewer: int | None
