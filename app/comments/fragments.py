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
from app.documents.fragments import CSRF, FrameKey

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
        """Everything the thread's markup shows: equal keys, equal markup. The same for a thread of ORM
        comments and one of rows (open_threads_light) in the same state."""
        comments = [thread.comment, *thread.replies]
        location = thread.location
        return (thread.comment.id, self.role, can_comment, next_url,
                self.viewer_id if any(c.author_id == self.viewer_id for c in comments) else None,
                section.deleted_at, location.start, location.end, location.orphaned, location.exact,
                thread.quoted_now(section.body), thread.comment.anchor_quote, thread.comment.resolved_at,
                thread.comment.resolved_by_id,
                tuple((c.id, c.body, c.author_id, c.author_name, c.created_at, c.edited_at, c.deleted_at)
                      for c in comments))

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

    Each section's whole markup is kept, encoded and cut at its CSRF holes, under the keys of its parts
    (its frame, its text's revision, the highlighted spans, its threads): a request in which nothing
    changed joins bytes, and a change rebuilds only the sections it touched. A megabyte page is never
    searched, copied or re-encoded as a whole. The keys are computed from the discussion's rows; a section
    to render again loads its threads as ORM objects, and what is kept goes under the key of exactly what
    was rendered, so a change between the two reads can only cost a miss, never show stale markup."""
    cache = process_cache("section_piece", 5000, 32 * 1024 * 1024)
    token = frames.csrf_token.encode()
    last = len(sections) - 1
    can_comment = discussion.can_comment
    pieces: list = []
    missing: list[tuple[int, str, object]] = []
    for index, (number, section) in enumerate(sections):
        d = discussion[section.id]
        segments = cache.get(_piece_key(frames, blocks, section, number, index == 0, index == last, d.threads,
                                        d.proposed, d.has_resolved, can_comment))
        if segments is None:
            missing.append((index, number, section))
        pieces.append(segments)
    if missing:
        threads = services.threads_of([section for _i, _n, section in missing], open_only=True)
        for index, number, section in missing:
            d = discussion[section.id]
            open_threads = threads[section.id]
            key = _piece_key(frames, blocks, section, number, index == 0, index == last, open_threads,
                             d.proposed, d.has_resolved, can_comment)
            head, middle, tail = frames.parts(key.frame, section)
            text = highlighted_html(section.body, list(key.spans), f"{section.anchor}-")
            next_url = f"{frames.doc_url}#{section.anchor}"
            blocks_html = "".join(blocks.markup(k, t, section, can_comment, next_url)
                                  for k, t in zip(key.threads, open_threads))
            segments = tuple(part.encode() for part in "".join((head, text, middle, blocks_html, tail,
                                                                "\n")).split(CSRF))
            cache.put(key, segments, sum(map(len, segments)))
            pieces[index] = segments
    out: list[bytes] = []
    for segments in pieces:
        out.append(segments[0])
        for segment in segments[1:]:
            out.append(token)
            out.append(segment)
    return out


class PieceKey(NamedTuple):
    """Everything a section's markup on the document page shows. The text is a function of the revision
    (save_section is the one place that sets both); its length is there as well, cheaply."""
    frame: FrameKey
    revision: int
    length: int
    spans: tuple
    threads: tuple


def _piece_key(frames, blocks: ThreadBlocks, section, number: str, first: bool, last: bool, threads,
               proposed: int, has_resolved: bool, can_comment: bool) -> PieceKey:
    next_url = f"{frames.doc_url}#{section.anchor}"
    return PieceKey(frames.key(section, number, first, last, len(threads), proposed, has_resolved),
                    section.current_revision, len(section.body), highlight_spans(threads),
                    tuple(blocks.key(t, section, can_comment, next_url) for t in threads))
