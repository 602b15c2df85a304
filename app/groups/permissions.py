"""Who may do what in a working group: pure predicates plus the one loader.

Pages and the API both load a group through `group_for` (404 when the
caller cannot see it, so a private group's existence never leaks) and then
ask `require_role`.
"""
from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.errors import NotFound, PermissionDenied
from app.extensions import db
from app.groups.models import ROLE_NAMES, ROLE_RANK, Group, Membership
from app.i18n import _


def membership_of(user, group_id: int) -> Membership | None:
    """The user's membership of the group. A page asks several times (its tools, its forms, its
    permission checks): within one request the answer is read once, and read again whenever this
    session holds a membership it has not yet written."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    key = (user.id, group_id)
    known = _known_memberships()
    if known is not None and key in known and not _holds_memberships(db.session()):
        return known[key]
    membership = db.session.scalar(
        select(Membership).where(Membership.group_id == group_id, Membership.user_id == user.id))
    if known is not None:
        known[key] = membership
    return membership


def _known_memberships() -> dict | None:
    if not has_request_context():
        return None
    known = getattr(request, "_accord_memberships", None)
    if known is None:
        known = request._accord_memberships = {}
    return known


def _holds_memberships(session) -> bool:
    """Whether the session has memberships to write (or, after a flush, has just written them)."""
    return any(isinstance(o, Membership) for part in (session.new, session.dirty, session.deleted) for o in part)


@event.listens_for(Session, "after_flush")
def _forget_written_memberships(session, _flush_context) -> None:
    """After a flush that wrote memberships, the request reads them afresh (the lists still hold what
    was flushed)."""
    if has_request_context() and _holds_memberships(session):
        request._accord_memberships = {}


def role_in(user, group_id: int) -> str | None:
    membership = membership_of(user, group_id)
    return membership.role if membership else None


def role_at_least(role: str | None, needed: str) -> bool:
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[needed]


def can_view_group(user, group: Group) -> bool:
    return role_in(user, group.id) is not None


def can_manage_members(user, group: Group) -> bool:
    return role_at_least(role_in(user, group.id), "coordinator")


def group_for(user, group_id) -> Group:
    """The group, when the caller is one of its members; otherwise 404."""
    group = db.session.get(Group, group_id) if isinstance(group_id, int) else None
    if group is None or not can_view_group(user, group):
        raise NotFound(_("No such working group."))
    return group


def require_role(user, group: Group, needed: str) -> str:
    role = role_in(user, group.id)
    if not role_at_least(role, needed):
        raise PermissionDenied(_("This needs the %(role)s role in %(group)s.", role=str(ROLE_NAMES.get(needed, needed)),
                                 group=group.name))
    return role
