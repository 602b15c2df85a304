"""What the group pages and the invitation mail show of the layers above the groups: the group's documents,
which of them are open for comments or for signature, and by when.

Pages compose (tests/test_layers.py lets them read any service); the groups' own services receive the
result as plain WorkItems, so the foundation never reaches up to the documents.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.documents.models import STATUS_NAMES, Document, Version
from app.documents.services import documents_of
from app.endorsements.models import EndorsementDeadline
from app.endorsements.services import is_open_for_endorsement
from app.extensions import db
from app.groups.services import WorkItem

# What a newcomer reads first: the texts closest to a decision.
_READING_ORDER = {"final": 0, "review": 1, "draft": 2, "closed": 3}


@dataclass(frozen=True)
class Reading:
    document: Document
    open_for_comments: bool
    open_for_signature: bool
    deadline: date | None  # the day endorsement is meant to close, when one is set


def group_readings(group) -> list[Reading]:
    """The group's documents, final and in review first (newest first within each), each with whether it is
    open for comments or signature and its endorsement deadline: three queries whatever their number."""
    documents = sorted(documents_of(group), key=lambda d: _READING_ORDER.get(d.status, len(_READING_ORDER)))
    final_ids = [d.final_version_id for d in documents if d.status == "final" and d.final_version_id]
    versions, deadlines = {}, {}
    if final_ids:
        versions = {v.id: v for v in db.session.scalars(select(Version).where(Version.id.in_(final_ids)))}
        deadlines = dict(db.session.execute(select(EndorsementDeadline.version_id, EndorsementDeadline.deadline)
                                            .where(EndorsementDeadline.version_id.in_(final_ids))).all())
    readings = []
    for document in documents:
        version = versions.get(document.final_version_id) if document.status == "final" else None
        signing = version is not None and is_open_for_endorsement(version)
        readings.append(Reading(document, document.status == "review", signing,
                                deadlines.get(version.id) if signing else None))
    return readings


def current_work(group) -> list[WorkItem]:
    """What the invitation mail lists: the texts in review or final (titles and states, deadline if any)."""
    return [WorkItem(r.document.title, STATUS_NAMES.get(r.document.status, r.document.status), r.deadline)
            for r in group_readings(group) if r.document.status in ("review", "final")]
