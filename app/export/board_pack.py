"""A board pack: what an organisation's board reads before it decides on a final version.

One PDF for one organisation and one final version: the final text; a redline since the last version the
organisation endorsed or its members commented on (else since the previous final version, else none); and
what became of its members' comments and suggested changes on the document (suggestions accepted,
suggestions rejected with the editor's reason, comment threads resolved, and everything still open).

The pack goes through the export pipeline like any other PDF (services.py: claimed, rendered in a limited
child process by a worker, stored once per key). Its key names a digest of the facts it shows, read once
when it is asked for, so a new comment, a decision or a new endorsement makes a new pack. Stored as kind
"draft" (never sealed; pruned when old, like drafts); `export_for` lets only those who may download the
pack read its row again.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select

from app.auth.models import User
from app.comments.models import Amendment, Comment
from app.comments.services import amendments_query, comments_query
from app.documents.importing import section_numbers
from app.documents.models import Version
from app.documents.rendering import render_for_print
from app.documents.services import PRINT_COMPARE_BUDGET, document_diff, version_state
from app.endorsements.models import Endorsement
from app.endorsements.services import deadline_of
from app.errors import Conflict, PermissionDenied
from app.export.context import print_words, redline_context
from app.export.specs import ExportSpec, _in, _page, _slug, document_language
from app.export.validate import IDENTITY_KEYS
from app.extensions import db
from app.groups.permissions import role_at_least, role_in
from app.i18n import _, in_language
from app.organisations.models import Organisation, Representative
from app.organisations.services import is_representative
from app.util import utcnow

KEY_PREFIX = "board-pack:"
KEY_PATTERN = re.compile(r"board-pack:v(\d+):o(\d+):")
QUOTE_CHARS = 160  # a quote or an excerpt in the pack: enough to recognise it, short enough to scan
BODY_CHARS = 400
STATES = ("accepted", "rejected", "resolved", "open")


# --- who may have it -----------------------------------------------------------------------------

def can_download(user, organisation_id: int, version: Version) -> bool:
    """The organisation's representatives and its people (by their profile's organisation) who belong to the
    group, and the group's coordinators. Everyone here has already passed `version_for` (a group member)."""
    role = role_in(user, version.document.group_id)
    if role is None:
        return False
    return (role_at_least(role, "coordinator") or getattr(user, "organisation_id", None) == organisation_id
            or is_representative(user, organisation_id))


def require_download(user, organisation: Organisation, version: Version) -> None:
    if not can_download(user, organisation.id, version):
        raise PermissionDenied(_("Only the organisation's representatives and people, and the group's coordinators, "
                                 "may download its board pack."))


def organisations_for(user, version: Version) -> list[Organisation]:
    """The organisations whose board pack of this version the user may download (the version page's links):
    a coordinator's are those of the group's members (by profile or as representatives); anyone else's, their
    own and those they represent."""
    from app.groups.models import Membership

    if not version.is_final:
        return []
    role = role_in(user, version.document.group_id)
    if role is None:
        return []
    if role_at_least(role, "coordinator"):
        members = select(Membership.user_id).where(Membership.group_id == version.document.group_id)
        ids = select(User.organisation_id).where(User.id.in_(members), User.organisation_id.is_not(None)).union(
            select(Representative.organisation_id).where(Representative.user_id.in_(members)))
    else:
        ids = select(Representative.organisation_id).where(Representative.user_id == user.id)
        if user.organisation_id is not None:
            ids = ids.union(select(Organisation.id).where(Organisation.id == user.organisation_id))
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))


# --- the facts it shows ------------------------------------------------------------------------------

@dataclass
class PackItem:
    kind: str  # "comment" or "suggestion"
    id: int
    state: str  # one of STATES
    section: str
    section_position: int
    quote: str
    body: str
    author: str
    at: datetime
    reason: str = ""


@dataclass
class PackFacts:
    organisation_id: int
    organisation: str
    version_id: int
    base_version_id: int | None
    base_reason: str  # "endorsed", "commented", "previous_final" or "" (nothing to compare)
    deadline: date | None
    items: list[PackItem] = field(default_factory=list)
    more: int = 0  # items past EXPORT_BOARD_PACK_MAX_ITEMS, counted, not listed


def _short(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _member_ids(organisation_id: int):
    """The organisation's people: those whose profile names it and its representatives."""
    return select(User.id).where(User.organisation_id == organisation_id).union(
        select(Representative.user_id).where(Representative.organisation_id == organisation_id))


def _version_at(document_id: int, moment: datetime, before_number: int) -> int | None:
    """The id of the latest version named at or before `moment`, older than the pack's own."""
    return db.session.scalar(select(Version.id).where(
        Version.document_id == document_id, Version.created_at <= moment, Version.number < before_number)
        .order_by(Version.number.desc()).limit(1))


def comparison_base(version: Version, organisation_id: int) -> tuple[Version | None, str]:
    """The version the redline starts from, and why: the later of the last version the organisation endorsed and
    the last one its people commented on (or suggested a change to) before this one; else the previous final
    version; else none."""
    document = version.document
    members = _member_ids(organisation_id)
    candidates: list[tuple[int, str]] = []
    endorsed = db.session.scalar(
        select(func.max(Version.number)).join(Endorsement, Endorsement.version_id == Version.id)
        .where(Endorsement.organisation_id == organisation_id, Version.document_id == document.id,
               Version.number < version.number))
    if endorsed is not None:
        candidates.append((endorsed, "endorsed"))
    last_said = max(filter(None, (
        db.session.scalar(select(func.max(Comment.created_at)).where(
            Comment.document_id == document.id, Comment.author_id.in_(members),
            Comment.created_at < version.created_at)),
        db.session.scalar(select(func.max(Amendment.created_at)).where(
            Amendment.document_id == document.id, Amendment.author_id.in_(members),
            Amendment.created_at < version.created_at)))), default=None)
    if last_said is not None:
        commented = _version_at(document.id, last_said, version.number)
        if commented is not None:
            candidates.append((db.session.get(Version, commented).number, "commented"))
    if not candidates:
        previous = db.session.scalar(select(func.max(Version.number)).where(
            Version.document_id == document.id, Version.is_final.is_(True), Version.number < version.number))
        if previous is not None:
            candidates.append((previous, "previous_final"))
    if not candidates:
        return None, ""
    number, reason = max(candidates)
    base = db.session.scalar(select(Version).where(Version.document_id == document.id, Version.number == number))
    return base, reason


def _items(version: Version, organisation_id: int) -> tuple[list[PackItem], int]:
    from app.documents.models import Section

    document, members = version.document, _member_ids(organisation_id)
    limit = current_app.config["EXPORT_BOARD_PACK_MAX_ITEMS"]
    threads = db.session.scalars(comments_query().join(Section, Section.id == Comment.section_id).where(
        Comment.document_id == document.id, Comment.parent_id.is_(None), Comment.deleted_at.is_(None),
        Comment.author_id.in_(members)).order_by(Section.position, Comment.id).limit(limit + 1))
    suggestions = db.session.scalars(amendments_query().join(Section, Section.id == Amendment.section_id).where(
        Amendment.document_id == document.id, Amendment.author_id.in_(members))
        .order_by(Section.position, Amendment.id).limit(limit + 1))
    items = [PackItem(kind="comment", id=c.id, state="resolved" if c.resolved_at else "open",
                      section=c.section.heading, section_position=c.section.position,
                      quote=_short(c.anchor_quote, QUOTE_CHARS), body=_short(c.body, BODY_CHARS),
                      author=c.author_name or "", at=c.created_at) for c in threads]
    items += [PackItem(kind="suggestion", id=a.id, state={"proposed": "open"}.get(a.status, a.status),
                       section=a.section.heading, section_position=a.section.position,
                       quote=_short(a.body, QUOTE_CHARS), body=_short(a.rationale, BODY_CHARS),
                       author=a.author_name or "", at=a.created_at, reason=a.reason or "") for a in suggestions]
    items.sort(key=lambda item: (STATES.index(item.state), item.section_position, item.at, item.kind, item.id))
    total = db.session.scalar(select(func.count(Comment.id)).where(
        Comment.document_id == document.id, Comment.parent_id.is_(None), Comment.deleted_at.is_(None),
        Comment.author_id.in_(members))) + db.session.scalar(select(func.count(Amendment.id)).where(
            Amendment.document_id == document.id, Amendment.author_id.in_(members)))
    return items[:limit], max(0, total - min(len(items), limit))


def gather(version: Version, organisation: Organisation) -> PackFacts:
    base, reason = comparison_base(version, organisation.id)
    items, more = _items(version, organisation.id)
    return PackFacts(organisation_id=organisation.id, organisation=organisation.name, version_id=version.id,
                     base_version_id=base.id if base else None, base_reason=reason, deadline=deadline_of(version),
                     items=items, more=more)


# --- the export ---------------------------------------------------------------------------------------

def board_pack_spec(version: Version, organisation: Organisation) -> ExportSpec:
    """The pack of a final version for an organisation (409 `not_final` for any other version)."""
    if not version.is_final:
        raise Conflict(_("A board pack is made of a final version only."), code="not_final")
    document = version.document
    language = document_language(document)
    facts = gather(version, organisation)
    record = json.dumps([asdict(facts), version.title, document.group.name], default=str, sort_keys=True)
    digest = hashlib.sha256(record.encode()).hexdigest()[:24]

    def build():
        with in_language(language, "UTC"):
            return _html(version, facts, language)
    return ExportSpec(key=f"{KEY_PREFIX}v{version.id}:o{organisation.id}:{digest}{_in(language)}", kind="draft",
                      group_id=document.group_id, document_id=document.id, version_id=version.id,
                      filename=f"{_slug(version.title)}-v{version.number}-board-pack-{_slug(organisation.name)}.pdf"[:190],
                      content_hash=version.content_hash, build_html=build)


def organisation_of_key(key: str) -> tuple[int, int] | None:
    """(version id, organisation id) of a board pack's export key; None for any other export."""
    match = KEY_PATTERN.match(key or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def _html(version: Version, facts: PackFacts, language: str) -> str:
    document = version.document
    state = version_state(version)
    numbers = section_numbers([s["level"] for s in state])
    sections = [{"number": number, "anchor": f"s-{s['section_id']}", "level": max(1, min(int(s["level"]), 3)),
                 "heading": s["heading"], "html": render_for_print(s["body"], f"x{s['section_id']}-")}
                for number, s in zip(numbers, state)]
    base = db.session.get(Version, facts.base_version_id) if facts.base_version_id else None
    redline = None
    if base is not None:
        changes = document_diff(document, base, version, formatted=True, source=False, for_print=True,
                                formatted_budget=PRINT_COMPARE_BUDGET)
        redline = redline_context(title=version.title, group_name=document.group.name, document_id=document.id,
                                  old_label=base.name, new_label=version.name, changes=changes,
                                  exported_at=utcnow(), language=language)
    grouped = {name: [item for item in facts.items if item.state == name] for name in STATES}
    identity = {IDENTITY_KEYS["document_id"]: document.id, IDENTITY_KEYS["version_id"]: version.id,
                IDENTITY_KEYS["content_hash"]: version.content_hash, IDENTITY_KEYS["kind"]: "board-pack"}
    footer = _("BOARD PACK · %(organisation)s · %(version)s", organisation=facts.organisation, version=version.name)
    return _page("export/board_pack.html",
                 title=_("Board pack: %(title)s", title=version.title), author=document.group.name,
                 language=language, draft=False, identity=identity, footer=footer,
                 description=_("Prepared for the board of %(organisation)s", organisation=facts.organisation),
                 facts=facts, version=version, document=document, sections=sections, base=base, redline=redline,
                 grouped=grouped, **print_words())
