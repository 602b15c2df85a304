"""Who may do what in a discussion: pure predicates over the role in the document's group.

Observers read; members comment, reply and suggest changes; the author of a
comment edits it; its author or an editor deletes it; editors and the
thread's author resolve and reopen; editors accept and reject suggestions.
Loaders answer 404 for what the caller may not see, as everywhere.
"""
from __future__ import annotations

from flask import g, has_request_context

from app.comments.models import Amendment, Comment
from app.documents.permissions import FROZEN_STATUSES
from app.errors import NotFound
from app.extensions import db
from app.groups.permissions import role_at_least
from app.groups.permissions import role_in as _role_in
from app.i18n import _


def role_in(user, group_id: int) -> str | None:
    """The caller's role, looked up once per request (a page asks it for every comment it shows)."""
    if not has_request_context():
        return _role_in(user, group_id)
    roles = g.setdefault("_discussion_roles", {})
    key = (getattr(user, "id", None), group_id)
    if key not in roles:
        roles[key] = _role_in(user, group_id)
    return roles[key]


def can_comment(user, document) -> bool:
    return role_at_least(role_in(user, document.group_id), "member")


def can_propose(user, document) -> bool:
    """Members and above suggest changes while the text may change (not once final or closed)."""
    return document.status not in FROZEN_STATUSES and role_at_least(role_in(user, document.group_id), "member")


def _is_author(user, obj) -> bool:
    return getattr(user, "id", None) is not None and obj.author_id == user.id


def comment_tools_allowed(role: str | None, is_author: bool) -> tuple[bool, bool]:
    """(edit, delete) a comment, for someone of this role who wrote it or not: its author edits and deletes
    it while in the group, an editor deletes it."""
    return (is_author and role is not None,
            role is not None and (is_author or role_at_least(role, "editor")))


def resolve_allowed(role: str | None, is_author: bool) -> bool:
    """Resolve or reopen a thread, for someone of this role who started it or not."""
    return role is not None and (is_author or role_at_least(role, "editor"))


def can_edit_comment(user, comment: Comment) -> bool:
    return comment_tools_allowed(role_in(user, comment.document.group_id), _is_author(user, comment))[0]


def can_delete_comment(user, comment: Comment) -> bool:
    return comment_tools_allowed(role_in(user, comment.document.group_id), _is_author(user, comment))[1]


def can_resolve(user, thread: Comment) -> bool:
    return resolve_allowed(role_in(user, thread.document.group_id), _is_author(user, thread))


def can_decide(user, amendment: Amendment) -> bool:
    """Accept or reject a suggested change."""
    return role_at_least(role_in(user, amendment.document.group_id), "editor")


def can_support(user, amendment: Amendment) -> bool:
    return (amendment.status == "proposed" and not _is_author(user, amendment)
            and role_at_least(role_in(user, amendment.document.group_id), "member"))


def comment_for(user, comment_id) -> Comment:
    comment = db.session.get(Comment, comment_id) if isinstance(comment_id, int) else None
    if comment is None or role_in(user, comment.document.group_id) is None:
        raise NotFound(_("No such comment."))
    return comment


def amendment_for(user, amendment_id) -> Amendment:
    amendment = db.session.get(Amendment, amendment_id) if isinstance(amendment_id, int) else None
    if amendment is None or role_in(user, amendment.document.group_id) is None:
        raise NotFound(_("No such suggested change."))
    return amendment
