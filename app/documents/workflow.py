"""A document's life: draft -> review -> final -> closed, and a new round back to draft.

Going final freezes the current text as the final version (with its content
hash) and opens it for endorsement; from then on the service layer refuses
every change to the text (409 document_frozen). Closing ends endorsement.
Reopening starts a new drafting round; the final version and its
endorsements stay exactly as they were.
"""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select

from app.audit.services import record
from app.documents.models import STATUS_NAMES, Document
from app.documents.services import create_version
from app.documents.signals import endorsement_closed, version_final
from app.documents.translations import require_publishable
from app.errors import Conflict, Invalid, PermissionDenied
from app.extensions import db
from app.groups.permissions import role_at_least, role_in
from app.i18n import _, in_language
from app.i18n import lazy_gettext as _l
from app.util import utcnow
from app.validation import FieldErrors, clean_text, id_or_none

TRANSITIONS = {
    ("draft", "review"): _l("Send for review"),
    ("review", "draft"): _l("Back to drafting"),
    ("review", "final"): _l("Make final and open for endorsement"),
    ("final", "closed"): _l("Close endorsement"),
    ("final", "draft"): _l("Reopen for a new drafting round"),
    ("closed", "draft"): _l("Reopen for a new drafting round"),
}


def can_transition(user, document: Document) -> bool:
    return role_at_least(role_in(user, document.group_id), "coordinator")


def allowed_transitions(document: Document) -> list[tuple[str, str]]:
    return [(to, label) for (frm, to), label in TRANSITIONS.items() if frm == document.status]


def transition(user, document: Document, to, label=None) -> Document:
    if not can_transition(user, document):
        raise PermissionDenied(_("Only coordinators move a document through its workflow."))
    if not isinstance(to, str) or to not in {"draft", "review", "final", "closed"}:
        raise Invalid(_("Unknown state."), fields={"to": _("One of draft, review, final, closed.")})
    if (document.status, to) not in TRANSITIONS:
        raise Conflict(_("A document in the state “%(status)s” cannot move to “%(to)s”.",
                         status=STATUS_NAMES[document.status], to=STATUS_NAMES[to]), code="transition_not_allowed",
                       details={"status": document.status,
                                "allowed": [t for t, _label in allowed_transitions(document)]})
    errors = FieldErrors()
    label = clean_text(errors, "label", label, max_length=200, required=False)
    errors.raise_if_any()
    previous = document.status
    if to == "final":
        with in_language(document.language):  # what the version says is part of the document's text
            default_label, note = _("Final version"), _("Frozen for endorsement.")
        version = create_version(user, document, label=label or default_label, note=note)
        version.is_final = True
        document.final_version_id = version.id
    if to == "closed" and document.final_version is not None:
        document.final_version.closed_at = utcnow()
    document.status = to
    document.updated_at = utcnow()
    db.session.flush()
    record(document.group_id, user, "document.transition", f"document:{document.id}",
           **{"from": previous, "to": to, "final_version_id": document.final_version_id if to == "final" else None})
    if to == "final":
        version_final.send(version)
    if to == "closed" and document.final_version is not None:
        endorsement_closed.send(document.final_version)
    return document


def _slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:80] or "statement"


def publish(user, document: Document, publish_it: bool = True) -> Document:
    if not can_transition(user, document):
        raise PermissionDenied(_("Only coordinators publish documents."))
    if publish_it:
        if document.final_version_id is None:
            raise Conflict(_("Only a document with a final version can be published."), code="not_final")
        if document.translation_of_id is not None:
            require_publishable(document)
        if document.public_slug is None:
            slug = f"{_slugify(document.title)}-{document.id}"
            document.public_slug = slug
        document.published_at = document.published_at or utcnow()
    else:
        document.published_at = None
    record(document.group_id, user, "document.publish" if publish_it else "document.unpublish",
           f"document:{document.id}")
    return document


def published_document(key: str) -> Document | None:
    """A published document by its public slug or id; None when not published."""
    query = select(Document).where(Document.public_slug == key)
    document = db.session.scalar(query)
    if document is None and id_or_none(key):
        document = db.session.get(Document, id_or_none(key))
    if document is None or document.published_at is None or document.final_version_id is None:
        return None
    return document
