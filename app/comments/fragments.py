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

    def __call__(self, section, threads, can_comment: bool, next_url: str) -> Markup:
        out = []
        for thread in threads:
            comments = [thread.comment, *thread.replies]
            location = thread.location
            key = (thread.comment.id, self.role, can_comment, next_url,
                   self.viewer_id if any(c.author_id == self.viewer_id for c in comments) else None,
                   section.deleted_at, location.start, location.end, location.orphaned, location.exact,
                   thread.quoted_now(section.body), thread.comment.anchor_quote, thread.comment.resolved_at,
                   _person(thread.comment.resolved_by),
                   tuple((c.id, c.body, _person(c.author), c.created_at, c.edited_at, c.deleted_at) for c in comments))
            html = self.cache.get(key)
            if html is None:
                html = self._render(thread, section, can_comment, next_url)
                self.cache.put(key, html)
            out.append(html.replace(CSRF, self.csrf_token))
        return Markup("".join(out))
