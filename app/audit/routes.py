"""Pages of the audit trail: a group's hash chain of events, its verification and latest sealed checkpoint."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from app.audit import wording
from app.audit.checkpoints import latest_checkpoint
from app.audit.models import AuditEvent
from app.audit.services import verify_chain
from app.auth.models import User
from app.documents.models import Document, Section, Version
from app.extensions import db
from app.groups.permissions import group_for, require_role
from app.organisations.models import Organisation
from app.roadmaps.models import RoadmapAction

bp = Blueprint("audit", __name__)


@bp.app_template_global()
def audit_checkpoint(group_id: int):
    """The group's latest sealed checkpoint, for pages that publish it (templates/audit/_checkpoint.html)."""
    return latest_checkpoint(group_id)


@bp.get("/groups/<int:gid>/audit")
@login_required
def trail(gid):
    group = group_for(current_user, gid)
    require_role(current_user, group, "coordinator")
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.group_id == group.id)
                                     .order_by(AuditEvent.seq.desc()).limit(500)))
    verification = verify_chain(group.id) if request.args.get("verify") else None
    names = names_for(events)
    sentences = {event.id: wording.describe(event, names) for event in events}
    return render_template("audit/trail.html", group=group, events=events, verification=verification,
                           checkpoint=latest_checkpoint(group.id), sentences=sentences, names=names)


def _by_id(columns, ids: set[int]) -> dict:
    """{id: value} for the rows with these ids, in one query (none when there are no ids)."""
    if not ids:
        return {}
    key, *values = columns
    rows = db.session.execute(select(key, *values).where(key.in_(sorted(ids))))
    return {row[0]: (row[1] if len(values) == 1 else tuple(row[1:])) for row in rows}


def names_for(events) -> wording.Names:
    """Everything the events' sentences name, one query per kind of thing, however many events."""
    wanted = wording.references(events)
    versions = _by_id((Version.id, Version.number, Version.document_id), wanted["versions"])
    documents = wanted["documents"] | {document_id for _number, document_id in versions.values()}
    return wording.Names(users=_by_id((User.id, User.name), wanted["users"]),
                         organisations=_by_id((Organisation.id, Organisation.name), wanted["organisations"]),
                         documents=_by_id((Document.id, Document.title), documents), versions=versions,
                         sections=_by_id((Section.id, Section.heading), wanted["sections"]),
                         actions=_by_id((RoadmapAction.id, RoadmapAction.title), wanted["actions"]))
