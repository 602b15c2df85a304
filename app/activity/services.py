"""The activity feed: a group's audit events that its members care about, as readable lines with links.

It reads what the audit trail recorded (audit.models) and names the documents, sections and versions it
mentions; links are the pages' own URLs (url_for), so the feed is read within a request.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.documents.models import Document, Section, Version
from app.extensions import db
from app.i18n import _
from app.validation import id_or_none


def _moved(state, names: dict) -> str:
    """A document's move through its workflow as one sentence per state it reached."""
    if state == "draft":
        return _("%(actor)s moved %(document)s back to drafting", **names)
    if state == "review":
        return _("%(actor)s sent %(document)s for review", **names)
    if state == "final":
        return _("%(actor)s made %(document)s final", **names)
    if state == "closed":
        return _("%(actor)s closed %(document)s", **names)
    return _("%(actor)s moved %(document)s on in its workflow", **names)

FEED_ACTIONS = ("document.create", "document.update", "document.transition", "document.publish",
                "section.add", "section.edit", "section.restore", "section.delete", "section.reorder",
                "version.create", "endorsement.create", "endorsement.withdraw",
                "comment.add", "comment.reply", "comment.resolve", "comment.reopen",
                "amendment.propose", "amendment.accept", "amendment.reject")


@dataclass
class Activity:
    event: AuditEvent
    actor_name: str
    text: str  # the whole sentence, its actor's name in it
    link: str | None


def activity_query(group_id: int):
    return select(AuditEvent).where(AuditEvent.group_id == group_id, AuditEvent.action.in_(FEED_ACTIONS))


def describe(events: list[AuditEvent]) -> list[Activity]:
    """Readable lines with links for audit events, with one query per kind of object named."""
    data = {e.id: json.loads(e.data or "{}") for e in events}

    def ids(kind: str, key: str | None = None) -> set[int]:
        out = set()
        for e in events:
            if key and isinstance(data[e.id].get(key), int):
                out.add(data[e.id][key])
            elif e.object.startswith(kind + ":"):
                out.add(int(e.object.split(":", 1)[1]))
        return out

    section_ids = ids("section") | ids("", "section_id")
    sections = {s.id: s for s in db.session.scalars(select(Section).where(Section.id.in_(section_ids)))} \
        if section_ids else {}
    version_ids = ids("version") | ids("", "version_id")
    versions = {v.id: v for v in db.session.scalars(select(Version).where(Version.id.in_(version_ids)))} \
        if version_ids else {}
    document_ids = ids("document") | ids("", "document_id") | {v.document_id for v in versions.values()}
    documents_by_id = {d.id: d for d in db.session.scalars(select(Document).where(Document.id.in_(document_ids)))} \
        if document_ids else {}
    actor_ids = {e.actor_id for e in events if e.actor_id}
    names = dict(db.session.execute(select(User.id,
                                           User.name).where(User.id.in_(actor_ids))).all()) if actor_ids else {}
    activities = []
    for event in events:
        actor = names.get(event.actor_id) or _("Someone")
        activities.append(Activity(event, actor, *_line(event, actor, data[event.id], documents_by_id, sections,
                                                         versions)))
    return activities


def _line(event: AuditEvent, actor: str, d: dict, documents_by_id: dict, sections: dict,
          versions: dict) -> tuple[str, str | None]:
    """What the event says (a sentence that names its actor) and where it links to, None for nowhere."""
    kind, _sep, raw_id = event.object.partition(":")
    object_id = id_or_none(raw_id)
    document = documents_by_id.get(d.get("document_id") if isinstance(d.get("document_id"), int) else
                                   (object_id if kind == "document" else None))
    section = sections.get(d.get("section_id") if isinstance(d.get("section_id"), int) else
                           (object_id if kind == "section" else None))
    version = versions.get(d.get("version_id") if isinstance(d.get("version_id"), int) else
                           (object_id if kind == "version" else None))
    if document is None and version is not None:
        document = documents_by_id.get(version.document_id)
    title = _("“%(title)s”", title=document.title) if document else _("a document")
    heading = _("“%(heading)s”", heading=section.heading) if section else _("a section")

    def on_document(anchor: str | None = None) -> str | None:
        return url_for("documents.show", did=document.id, _anchor=anchor) if document else None

    def on_section(endpoint: str, **values) -> str | None:
        return url_for(endpoint, sid=section.id, **values) if section else on_document()

    def on_version() -> str | None:
        return url_for("documents.show_version", vid=version.id) if version else on_document()

    def on_comment() -> str | None:
        return on_document(f"comment-{object_id}")

    def on_amendment() -> str | None:
        return url_for("comments.amendment", aid=object_id) if object_id else None

    section_link = on_document(f"section-{section.id}") if section else on_document()
    revision = d.get("revision")
    action = event.action
    names = {"actor": actor, "document": title, "section": heading}
    if action == "document.create":
        return _("%(actor)s started %(document)s", **names), on_document()
    if action == "document.update":
        return _("%(actor)s changed the title or summary of %(document)s", **names), on_document()
    if action == "document.transition":
        return _moved(d.get("to"), names), on_document()
    if action == "document.publish":
        return _("%(actor)s published %(document)s", **names), on_document()
    if action == "section.add":
        return _("%(actor)s added %(section)s to %(document)s", **names), section_link
    if action == "section.edit":
        # The revision the edit made, against the one before it.
        return (_("%(actor)s edited %(section)s in %(document)s (revision %(revision)s)", revision=revision, **names),
                on_section("documents.section_diff", **{"from": max(1, (revision or 2) - 1), "to": revision})
                if section else section_link)
    if action == "section.restore":
        return _("%(actor)s restored an earlier text of %(section)s in %(document)s", **names), section_link
    if action == "section.delete":
        return (_("%(actor)s removed %(section)s from %(document)s", **names),
                on_section("documents.section_history"))
    if action == "section.reorder":
        return _("%(actor)s reordered the sections of %(document)s", **names), on_document()
    if action == "version.create":
        return (_("%(actor)s named version %(number)s “%(label)s” of %(document)s", number=version.number,
                  label=version.label, **names) if version
                else _("%(actor)s named a version of %(document)s", **names), on_version())
    if action == "endorsement.create":
        return _("%(actor)s endorsed the final version of %(document)s", **names), on_version()
    if action == "endorsement.withdraw":
        return _("%(actor)s withdrew an endorsement of %(document)s", **names), on_version()
    if action == "comment.add":
        return _("%(actor)s commented on %(section)s in %(document)s", **names), on_comment()
    if action == "comment.reply":
        return _("%(actor)s replied to a comment on %(section)s in %(document)s", **names), on_comment()
    if action == "comment.resolve":
        return (_("%(actor)s resolved a thread on %(section)s in %(document)s", **names),
                on_section("comments.discussion", _anchor=f"comment-{object_id}"))
    if action == "comment.reopen":
        return _("%(actor)s reopened a thread on %(section)s in %(document)s", **names), on_comment()
    if action == "amendment.propose":
        return _("%(actor)s suggested a change to %(section)s in %(document)s", **names), on_amendment()
    if action == "amendment.accept":
        return _("%(actor)s accepted a suggested change to %(section)s in %(document)s", **names), on_amendment()
    if action == "amendment.reject":
        return _("%(actor)s rejected a suggested change to %(section)s in %(document)s", **names), on_amendment()
    return _("%(actor)s: %(action)s", action=action, **names), None
