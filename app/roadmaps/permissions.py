"""Who may change a roadmap's actions and record their progress.

Actions are part of the roadmap's text, so they follow the sections' rule
(documents.permissions.can_edit_text): members while the roadmap is a draft,
editors in review too, nobody once it is final or closed (409 frozen).
Follow-up entries come after endorsement: members and above record them.
"""
from __future__ import annotations

from app.documents.models import Document
from app.documents.permissions import can_edit_text, can_read, require_text_edit
from app.errors import Conflict, NotFound, PermissionDenied
from app.extensions import db
from app.groups.permissions import role_at_least, role_in
from app.i18n import _


def has_actions(document: Document) -> bool:
    return document.kind == "roadmap"


def can_edit_actions(user, document: Document) -> bool:
    return has_actions(document) and can_edit_text(user, document)


def require_action_edit(user, document: Document) -> None:
    """409 document_frozen when final or closed, 403 when the role is not enough (as for sections)."""
    require_text_edit(user, document)


def can_follow_up(user, document: Document) -> bool:
    return (has_actions(document) and document.final_version_id is not None
            and role_at_least(role_in(user, document.group_id), "member"))


def require_follow_up(user, document: Document) -> None:
    if document.final_version_id is None:
        raise Conflict(_("Progress is recorded once the roadmap is final: until then, edit the action itself."),
                       code="not_final")
    if not can_follow_up(user, document):
        raise PermissionDenied(_("Members, editors and coordinators record progress on actions."))


def roadmap_for(user, document_id) -> Document:
    """A roadmap the caller can read; 404 for anything else, statements included (they have no actions)."""
    from app.documents.permissions import document_for

    document = document_for(user, document_id)
    if not has_actions(document):
        raise NotFound(_("Only roadmaps have actions."))
    return document


def action_for(user, action_id):
    from app.roadmaps.models import RoadmapAction

    action = db.session.get(RoadmapAction, action_id) if isinstance(action_id, int) else None
    if action is None or action.deleted_at is not None or not can_read(user, action.document):
        raise NotFound(_("No such action."))
    return action
