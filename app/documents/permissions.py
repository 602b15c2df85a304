"""Who may read and change a document: pure predicates over role and status."""
from __future__ import annotations

from app.documents.models import Document, Section
from app.errors import Frozen, NotFound, PermissionDenied
from app.extensions import db
from app.groups.permissions import role_at_least, role_in
from app.i18n import _

FROZEN_STATUSES = {"final", "closed"}


def text_role_needed(document: Document) -> str | None:
    """The least role that may change the text now; None when the text is frozen."""
    if document.status == "draft":
        return "member"
    if document.status == "review":
        return "editor"
    return None


def can_read(user, document: Document) -> bool:
    return role_in(user, document.group_id) is not None


def can_edit_text(user, document: Document) -> bool:
    needed = text_role_needed(document)
    return needed is not None and role_at_least(role_in(user, document.group_id), needed)


def can_arrange(user, document: Document) -> bool:
    """Add, remove and reorder sections, and change title and summary."""
    return document.status not in FROZEN_STATUSES and role_at_least(role_in(user, document.group_id), "editor")


def can_name_version(user, document: Document) -> bool:
    return role_at_least(role_in(user, document.group_id), "editor")


def can_create_document(user, group) -> bool:
    return role_at_least(role_in(user, group.id), "editor")


def document_for(user, document_id) -> Document:
    document = db.session.get(Document, document_id) if isinstance(document_id, int) else None
    if document is None or not can_read(user, document):
        raise NotFound(_("No such document."))
    return document


def section_for(user, section_id) -> Section:
    section = db.session.get(Section, section_id) if isinstance(section_id, int) else None
    if section is None or not can_read(user, section.document):
        raise NotFound(_("No such section."))
    return section


def require_unfrozen(document: Document) -> None:
    if document.status in FROZEN_STATUSES:
        raise Frozen(_("This document is final: its text cannot change. Reopen it for a new round.")
                     if document.status == "final" else
                     _("This document is closed: its text cannot change. Reopen it for a new round."))


def require_text_edit(user, document: Document) -> None:
    require_unfrozen(document)
    if not can_edit_text(user, document):
        needed = text_role_needed(document)
        raise PermissionDenied(_("While the document is in draft, only members and above change its text.")
                               if needed == "member" else
                               _("While the document is in review, only editors and above change its text."))


def require_arrange(user, document: Document) -> None:
    require_unfrozen(document)
    if not can_arrange(user, document):
        raise PermissionDenied(_("Only editors and coordinators add, remove, reorder or retitle sections."))
