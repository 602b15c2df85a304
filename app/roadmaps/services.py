"""Roadmap actions: adding, editing, reordering and removing them, freezing them into versions,
comparing them between versions and following them up after endorsement (the page's timeline is
timeline.py, the CSV and iCalendar files exporting.py).

Every function that changes something takes the acting user, checks the
rules, changes the data, records an audit event and flushes; the caller
commits once.
"""
from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.audit.services import record
from app.auth.models import User
from app.documents.models import Document, Section, Version
from app.documents.rendering import check_renderable, render_cached
from app.errors import Conflict
from app.extensions import db, lock_row, run_unlocked
from app.groups.models import Membership
from app.i18n import _, in_language
from app.ordering import OrderWords, apply_order, order_after_move
from app.organisations.models import Organisation, Representative
from app.roadmaps.models import (
    ACTION_STATUSES,
    ActionOwner,
    ActionUpdate,
    RoadmapAction,
    VersionAction,
)
from app.roadmaps.permissions import require_action_edit, require_follow_up
from app.roadmaps.timeframes import (
    BadTimeframe,
    parse_timeframe,
    show_timeframe,
    timeframe_words,
)
from app.util import utcnow
from app.validation import FieldErrors, clean_id, clean_long_text, clean_text

MAX_ACTIONS = 500
MAX_OWNERS = 50
UNSET = object()  # "not given" in a partial update, as opposed to None ("clear it")


# --- who takes part ----------------------------------------------------------------

def group_organisations(group_id: int) -> list[Organisation]:
    """Organisations taking part in a group: those its members work for or represent."""
    member_ids = select(Membership.user_id).where(Membership.group_id == group_id)
    works_for = select(User.organisation_id).where(User.id.in_(member_ids), User.organisation_id.is_not(None))
    represents = select(Representative.organisation_id).where(Representative.user_id.in_(member_ids))
    return list(db.session.scalars(select(Organisation).where(
        or_(Organisation.id.in_(works_for), Organisation.id.in_(represents))).order_by(Organisation.name)))


def group_people(group_id: int) -> list[User]:
    return list(db.session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                   .where(Membership.group_id == group_id).order_by(User.name, User.id)))


# --- reading ---------------------------------------------------------------------

def live_actions(document: Document) -> list[RoadmapAction]:
    return list(db.session.scalars(
        select(RoadmapAction).where(RoadmapAction.document_id == document.id, RoadmapAction.deleted_at.is_(None))
        .options(selectinload(RoadmapAction.owners).joinedload(ActionOwner.organisation),
                 joinedload(RoadmapAction.lead))
        .order_by(RoadmapAction.position, RoadmapAction.id)))


def live_section_numbers(document: Document) -> dict[int, tuple[str, str]]:
    from app.documents.services import live_sections, numbered

    return {section.id: (number, section.heading) for number, section in numbered(live_sections(document))}


# --- validation ------------------------------------------------------------------

def check_description(description, field: str = "description") -> str:
    if description is None:
        return ""
    limit = current_app.config["ACTION_DESCRIPTION_MAX_BYTES"]
    description = clean_long_text(description, field=field, limit=limit, bytes_limit=True, strip=True,
                                  too_large=_("An action's description may hold at most %(size)s KiB of text.",
                                              size=limit // 1024),
                                  code="description_too_large", refuse_nul=True)
    if description:
        run_unlocked(check_renderable, description)  # 400 markdown_too_complex, before anything is stored
    return description


def _clean_owner_ids(errors: FieldErrors, value, document: Document, field: str) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        errors.add(field, _("Must be a list of organisation ids."))
        return []
    if len(value) > MAX_OWNERS:
        errors.add(field, _("At most %(count)s organisations.", count=MAX_OWNERS))
        return []
    ids = []
    for item in value:
        cleaned = clean_id(errors, field, item)
        if cleaned is None:
            return []
        if cleaned not in ids:
            ids.append(cleaned)
    taking_part = {o.id for o in group_organisations(document.group_id)}
    unknown = [i for i in ids if i not in taking_part]
    if unknown:
        names = ", ".join(map(str, unknown))
        errors.add(field, _("Not an organisation taking part in this working group: %(ids)s.", ids=names))
        return []
    return ids


def _clean_lead(errors: FieldErrors, value, document: Document) -> int | None:
    lead = clean_id(errors, "lead_user_id", value, required=False)
    if lead is not None and db.session.scalar(select(Membership.id).where(
            Membership.group_id == document.group_id, Membership.user_id == lead)) is None:
        errors.add("lead_user_id", _("Not a member of this working group."))
        return None
    return lead


def _clean_section(errors: FieldErrors, value, document: Document) -> int | None:
    section_id = clean_id(errors, "section_id", value, required=False)
    if section_id is not None and db.session.scalar(select(Section.id).where(
            Section.id == section_id, Section.document_id == document.id, Section.deleted_at.is_(None))) is None:
        errors.add("section_id", _("Not a section of this roadmap."))
        return None
    return section_id


def _clean_when(errors: FieldErrors, field: str, value, *, end: bool) -> tuple[date | None, str]:
    try:
        return parse_timeframe(value, end=end)
    except BadTimeframe as exc:
        errors.add(field, str(exc))
        return None, "day"


def _clean_status(errors: FieldErrors, field: str, value, *, required: bool = True) -> str | None:
    if value is None or value == "":
        if required:
            errors.add(field, _("One of: %(codes)s.", codes=", ".join(ACTION_STATUSES)))
        return None
    if not isinstance(value, str) or value not in ACTION_STATUSES:
        errors.add(field, _("Must be one of: %(codes)s.", codes=", ".join(ACTION_STATUSES)))
        return None
    return value


def _check_order_of_dates(errors: FieldErrors, start: date | None, due: date | None) -> None:
    if start is not None and due is not None and due < start:
        errors.add("due_date", _("The due date is before the start date."))


def owner_ids_from(owner_organisation_id=UNSET, owner_organisation_ids=UNSET):
    """The contract's single `owner_organisation_id` and the list `owner_organisation_ids`, merged."""
    if owner_organisation_ids is UNSET and owner_organisation_id is UNSET:
        return UNSET
    ids = [] if owner_organisation_ids in (UNSET, None) else owner_organisation_ids
    if not isinstance(ids, (list, tuple)):
        return ids  # refused with a field error by the cleaner
    ids = list(ids)
    if owner_organisation_id not in (UNSET, None):
        ids.insert(0, owner_organisation_id)
    return ids


# --- changing actions -------------------------------------------------------------

def _set_owners(action: RoadmapAction, ids: list[int]) -> None:
    current = {o.organisation_id: o for o in action.owners}
    for organisation_id, owner in current.items():
        if organisation_id not in ids:
            action.owners.remove(owner)
    for organisation_id in ids:
        if organisation_id not in current:
            action.owners.append(ActionOwner(organisation_id=organisation_id))


def create_action(user, document: Document, *, title, description=None, owner_ids=None, lead_user_id=None,
                  start=None, due=None, status="planned", section_id=None) -> RoadmapAction:
    require_action_edit(user, document)
    errors = FieldErrors()
    title = clean_text(errors, "title", title, max_length=300)
    owners = _clean_owner_ids(errors, owner_ids, document, "owner_organisation_ids")
    lead = _clean_lead(errors, lead_user_id, document)
    section = _clean_section(errors, section_id, document)
    start_date, start_precision = _clean_when(errors, "start_date", start, end=False)
    due_date, due_precision = _clean_when(errors, "due_date", due, end=True)
    status = _clean_status(errors, "status", "planned" if status is None else status)
    _check_order_of_dates(errors, start_date, due_date)
    errors.raise_if_any()
    description = check_description(description)
    actions = live_actions(document)
    if len(actions) >= MAX_ACTIONS:
        raise Conflict(_("A roadmap holds at most %(count)s actions.", count=MAX_ACTIONS), code="too_many_actions")
    action = RoadmapAction(document_id=document.id, title=title, description=description, lead_user_id=lead,
                           section_id=section, start_date=start_date, start_precision=start_precision,
                           due_date=due_date, due_precision=due_precision, status=status,
                           position=(len(actions) + 1) * 10, created_by_id=user.id)
    db.session.add(action)
    _set_owners(action, owners)
    document.updated_at = utcnow()
    db.session.flush()
    record(document.group_id, user, "action.create", f"action:{action.id}", document_id=document.id, title=title,
           owners=owners, lead_user_id=lead, start=show_timeframe(start_date, start_precision),
           due=show_timeframe(due_date, due_precision), status=status, section_id=section)
    return action


def update_action(user, action: RoadmapAction, *, edit_count=UNSET, title=UNSET, description=UNSET,
                  owner_ids=UNSET, lead_user_id=UNSET, start=UNSET, due=UNSET, status=UNSET,
                  section_id=UNSET) -> RoadmapAction:
    """Changes only the fields given. With `edit_count` (the action's `revision` on the wire), refuses (409 stale)
    when the action changed since."""
    document = action.document
    require_action_edit(user, document)
    errors = FieldErrors()
    if edit_count not in (UNSET, None) and (isinstance(edit_count, bool) or not isinstance(edit_count, int)):
        errors.add("revision", _("Must be a whole number."))
    changes: dict = {}
    if title is not UNSET:
        changes["title"] = clean_text(errors, "title", title, max_length=300)
    if owner_ids is not UNSET:
        owners = _clean_owner_ids(errors, owner_ids, document, "owner_organisation_ids")
    if lead_user_id is not UNSET:
        changes["lead_user_id"] = _clean_lead(errors, lead_user_id, document)
    if section_id is not UNSET:
        changes["section_id"] = _clean_section(errors, section_id, document)
    if start is not UNSET:
        changes["start_date"], changes["start_precision"] = _clean_when(errors, "start_date", start, end=False)
    if due is not UNSET:
        changes["due_date"], changes["due_precision"] = _clean_when(errors, "due_date", due, end=True)
    if status is not UNSET:
        changes["status"] = _clean_status(errors, "status", status)
    _check_order_of_dates(errors, changes["start_date"] if start is not UNSET else action.start_date,
                          changes["due_date"] if due is not UNSET else action.due_date)
    errors.raise_if_any()
    if description is not UNSET:
        changes["description"] = check_description(description)
    if lock_row(RoadmapAction, action.id):  # one change of an action at a time
        db.session.refresh(action)
    if edit_count not in (UNSET, None) and edit_count != action.edit_count:
        raise Conflict(_("Someone changed this action since you opened it. Reload it and make your change again."),
                       code="stale", details={"current_revision": action.edit_count})
    before = snapshot_of(action)
    for name, value in changes.items():
        setattr(action, name, value)
    if owner_ids is not UNSET:
        _set_owners(action, owners)
    db.session.flush()
    db.session.expire(action, ["owners", "lead"])
    after = snapshot_of(action)
    if after == before:
        return action
    action.edit_count += 1
    action.updated_at = document.updated_at = utcnow()
    db.session.flush()
    with in_language("en"):  # the audit trail records its facts in one language
        changes_in_words = describe_changes(before, after)
    record(document.group_id, user, "action.update", f"action:{action.id}", document_id=document.id,
           revision=action.edit_count, changes=changes_in_words)
    return action


def delete_action(user, action: RoadmapAction) -> None:
    """Removes the action from the roadmap; versions and follow-ups that hold it keep it."""
    require_action_edit(user, action.document)
    if action.deleted_at is None:
        action.deleted_at = utcnow()
        action.document.updated_at = utcnow()
        record(action.document.group_id, user, "action.delete", f"action:{action.id}",
               document_id=action.document_id, title=action.title)


def _action_order_words() -> OrderWords:
    return OrderWords(
        _("The order must be a list of action ids."), _("A list of action ids."),
        _("The order must name every action of the roadmap exactly once."),
        _("Name every current action exactly once."))


def reorder_actions(user, document: Document, order) -> list[RoadmapAction]:
    require_action_edit(user, document)
    ordered = apply_order(live_actions(document), order, _action_order_words())
    document.updated_at = utcnow()
    record(document.group_id, user, "action.reorder", f"document:{document.id}", order=list(order))
    return ordered


def move_action(user, action: RoadmapAction, direction: str) -> None:
    reorder_actions(user, action.document, order_after_move(live_actions(action.document), action, direction))


# --- snapshots: what a version freezes ------------------------------------------------

def _when_json(day: date | None, precision: str) -> dict | None:
    return None if day is None else {"date": day.isoformat(), "precision": precision}


def snapshot_of(action: RoadmapAction) -> dict:
    """The action's content as a version keeps it, names included as they are now."""
    owners = sorted(({"id": o.organisation.id, "name": o.organisation.name, "country": o.organisation.country}
                     for o in action.owners), key=lambda o: (o["name"], o["id"]))
    lead = {"id": action.lead.id, "name": action.lead.name} if action.lead is not None else None
    return {"title": action.title, "description": action.description, "section_id": action.section_id,
            "owners": owners, "lead": lead, "start": _when_json(action.start_date, action.start_precision),
            "due": _when_json(action.due_date, action.due_precision), "status": action.status}


def current_snapshots(document: Document) -> list[tuple[int, dict]]:
    return [(action.id, snapshot_of(action)) for action in live_actions(document)]


def canonical_actions(snapshots: list[tuple[int, dict]], section_numbers: dict[int, str]) -> list[dict]:
    """What of the actions the content hash covers: what a reader of the version sees."""
    return [{"title": s["title"], "description": s["description"],
             "section": section_numbers.get(s["section_id"]) if s["section_id"] else None,
             "owners": [o["name"] for o in s["owners"]], "lead": s["lead"]["name"] if s["lead"] else None,
             "start": _show(s["start"]), "due": _show(s["due"]), "status": s["status"]}
            for _id, s in snapshots]


def actions_for_hash(document: Document) -> tuple[list[tuple[int, dict]], list[dict] | None]:
    """The current actions to freeze and their canonical form; None when the document has none,
    so that the content hash of a document without actions is what it always was."""
    if document.kind != "roadmap":
        return [], None
    snapshots = current_snapshots(document)
    if not snapshots:
        return [], None
    numbers = {sid: number for sid, (number, _heading) in live_section_numbers(document).items()}
    return snapshots, canonical_actions(snapshots, numbers)


def freeze_into_version(version: Version, snapshots: list[tuple[int, dict]]) -> None:
    for position, (action_id, data) in enumerate(snapshots, start=1):
        db.session.add(VersionAction(version_id=version.id, action_id=action_id, position=position, data=data))


def _show(when: dict | None) -> str | None:
    if not when:
        return None
    return show_timeframe(date.fromisoformat(when["date"]), when["precision"])


def _version_section_numbers(version: Version) -> dict[int, tuple[str, str]]:
    from app.documents.services import _light_state, section_numbers

    state = _light_state(version, version.document)
    numbers = section_numbers([item["level"] for item in state])
    return {item["section_id"]: (number, item["heading"]) for number, item in zip(numbers, state)}


def action_display(action_id: int, data: dict, sections: dict[int, tuple[str, str]], prefix: str) -> dict:
    number, heading = sections.get(data["section_id"], (None, None)) if data["section_id"] else (None, None)
    return {"action_id": action_id, "title": data["title"], "description": data["description"],
            "description_html": render_cached(data["description"],
                                              f"{prefix}{action_id}-") if data["description"] else "",
            "owners": list(data["owners"]), "lead": data["lead"],
            "start": _show(data["start"]), "due": _show(data["due"]),
            "start_date": _show(data["start"]), "due_date": _show(data["due"]),
            "start_on": data["start"]["date"] if data["start"] else None,
            "due_on": data["due"]["date"] if data["due"] else None,
            "status": data["status"], "status_label": str(ACTION_STATUSES.get(data["status"], data["status"])),
            "section_id": data["section_id"], "section": number, "section_heading": heading}


def version_actions(version: Version) -> list[dict]:
    """The actions of a version as plain dicts, in order: title, description (and its sanitised HTML),
    owners [{id, name, country}], lead {id, name} or None, start and due as shown ("2027-Q1" or
    "2027-03-15") or None (also as `start_date` / `due_date`; the plain ISO days in `start_on` /
    `due_on`), status (and `status_label`), section number and heading. For pages and the PDF."""
    rows = list(db.session.scalars(select(VersionAction).where(VersionAction.version_id == version.id)
                                   .order_by(VersionAction.position)))
    if not rows:
        return []
    sections = _version_section_numbers(version)
    return [action_display(row.action_id, row.data, sections, f"va{version.id}-") for row in rows]


def current_actions(document: Document) -> list[dict]:
    """The live actions, in the same shape as version_actions."""
    sections = live_section_numbers(document)
    return [action_display(action_id, data, sections, "a-") for action_id, data in current_snapshots(document)]


# --- comparing versions ---------------------------------------------------------------

def _owner_names(data: dict) -> list[str]:
    return [o["name"] for o in data["owners"]]


def _status_words(code: str) -> str:
    return str(ACTION_STATUSES.get(code, code)).lower()


def describe_changes(before: dict, after: dict, sections_before: dict | None = None,
                     sections_after: dict | None = None) -> list[str]:
    """Field changes of one action in words, in the language in use: "due 2027-Q1 → 2027-Q3",
    "owner added: City of Oslo"."""
    out = []
    if before["title"] != after["title"]:
        out.append(_("title “%(old)s” → “%(new)s”", old=before["title"], new=after["title"]))
    if before["description"] != after["description"]:
        out.append(_("description changed"))
    old, new = _show(before["start"]), _show(after["start"])
    if old != new:
        out.append(_("start %(old)s → %(new)s", old=timeframe_words(old) or _("not set"),
                     new=timeframe_words(new) or _("not set")))
    old, new = _show(before["due"]), _show(after["due"])
    if old != new:
        out.append(_("due %(old)s → %(new)s", old=timeframe_words(old) or _("not set"),
                     new=timeframe_words(new) or _("not set")))
    if before["status"] != after["status"]:
        out.append(_("status %(old)s → %(new)s", old=_status_words(before["status"]),
                     new=_status_words(after["status"])))
    old_owners, new_owners = _owner_names(before), _owner_names(after)
    out += [_("owner added: %(name)s", name=name) for name in new_owners if name not in old_owners]
    out += [_("owner removed: %(name)s", name=name) for name in old_owners if name not in new_owners]
    old_lead = before["lead"]["name"] if before["lead"] else None
    new_lead = after["lead"]["name"] if after["lead"] else None
    if old_lead != new_lead:
        out.append(_("lead %(old)s → %(new)s", old=old_lead or _("nobody"), new=new_lead or _("nobody")))
    if before["section_id"] != after["section_id"]:
        def where(data, sections):
            if not data["section_id"]:
                return _("no section")
            number = (sections or {}).get(data["section_id"], (None, None))[0]
            return f"§{number}" if number else _("a removed section")
        out.append(_("section %(old)s → %(new)s", old=where(before, sections_before),
                     new=where(after, sections_after)))
    return out


def _snapshots_of(version: Version | None, document: Document) -> tuple[list[tuple[int, dict]], dict]:
    if version is None:
        return current_snapshots(document), live_section_numbers(document)
    rows = db.session.scalars(select(VersionAction).where(VersionAction.version_id == version.id)
                              .order_by(VersionAction.position))
    return [(row.action_id, row.data) for row in rows], _version_section_numbers(version)


def actions_diff(document: Document, old: Version | None, new: Version | None) -> list[dict]:
    """Per action between two versions (None: the current roadmap): added, removed, modified, moved or
    unchanged, with the field changes in words. Empty for documents without actions on either side."""
    if document.kind != "roadmap":
        return []
    a, a_sections = _snapshots_of(old, document)
    b, b_sections = _snapshots_of(new, document)
    if not a and not b:
        return []
    a_by_id = dict(a)
    b_ids = {action_id for action_id, _data in b}
    a_order = [i for i, _d in a if i in b_ids]
    b_order = [i for i, _d in b if i in a_by_id]
    out = []
    for action_id, data in b:
        before = a_by_id.get(action_id)
        if before is None:
            out.append({"action_id": action_id, "title": data["title"], "change": "added",
                        "changes": [_("added")]})
            continue
        changes = describe_changes(before, data, a_sections, b_sections)
        moved = a_order.index(action_id) != b_order.index(action_id)
        change = "modified" if changes else ("moved" if moved else "unchanged")
        if moved:
            changes.append(_("moved in the list"))
        out.append({"action_id": action_id, "title": data["title"], "change": change, "changes": changes})
    for action_id, data in a:
        if action_id not in b_ids:
            out.append({"action_id": action_id, "title": data["title"], "change": "removed",
                        "changes": [_("removed")]})
    return out


# --- follow-up after endorsement ---------------------------------------------------------

def final_snapshot(action: RoadmapAction) -> dict | None:
    document = action.document
    if document.final_version_id is None:
        return None
    row = db.session.scalar(select(VersionAction).where(VersionAction.version_id == document.final_version_id,
                                                        VersionAction.action_id == action.id))
    return row.data if row else None


def progress_of(document: Document, action_ids: list[int]) -> dict[int, dict]:
    """Per action (two queries: the entries, then their authors): the status set by its latest follow-up
    entry (None when no entry set one) and its latest entry {date, note, author, status}."""
    if not action_ids:
        return {}
    out: dict[int, dict] = {}
    for update in db.session.scalars(select(ActionUpdate).where(ActionUpdate.action_id.in_(action_ids))
                                     .options(selectinload(ActionUpdate.author))
                                     .order_by(ActionUpdate.entry_date, ActionUpdate.id)):
        entry = out.setdefault(update.action_id, {"status": None, "latest": None, "count": 0})
        if update.status:
            entry["status"] = update.status
        entry["count"] += 1
        entry["latest"] = {"date": update.entry_date.isoformat(), "note": update.note, "status": update.status,
                           "author": update.author.name if update.author else None}
    return out


def updates_of(action: RoadmapAction) -> list[ActionUpdate]:
    return list(db.session.scalars(select(ActionUpdate).where(ActionUpdate.action_id == action.id)
                                   .order_by(ActionUpdate.entry_date, ActionUpdate.id)))


def progress_status(action: RoadmapAction, endorsed_status: str | None = None) -> str:
    """The status now: the latest follow-up entry that set one, else the endorsed (or current) status."""
    latest = db.session.scalar(select(ActionUpdate.status).where(
        ActionUpdate.action_id == action.id, ActionUpdate.status.is_not(None))
        .order_by(ActionUpdate.entry_date.desc(), ActionUpdate.id.desc()).limit(1))
    return latest or endorsed_status or action.status


def add_update(user, action: RoadmapAction, *, status=None, note=None, entry_date=None) -> ActionUpdate:
    """A dated follow-up entry. It never changes the action or any version: progress is a new fact."""
    document = action.document
    require_follow_up(user, document)
    frozen = final_snapshot(action)
    if frozen is None:
        raise Conflict(_("This action is not part of the endorsed roadmap, so it has no progress to record."),
                       code="not_in_final_version")
    errors = FieldErrors()
    status = _clean_status(errors, "status", status, required=False)
    note = clean_text(errors, "note", note, max_length=5000, required=False, multiline=True)
    day = date.today()
    if entry_date is not None and not (isinstance(entry_date, str) and not entry_date.strip()):  # blank: today
        try:
            day, precision = parse_timeframe(entry_date, end=False)
            if precision != "day":
                errors.add("entry_date", _("Give a day, such as 2027-03-15."))
        except BadTimeframe as exc:
            errors.add("entry_date", str(exc))
        if day is None:
            day = date.today()
        elif day > date.today():
            errors.add("entry_date", _("The date is in the future: record progress once it happened."))
    if status is None and not note and "status" not in errors.fields and "note" not in errors.fields:
        errors.add("note", _("Write a note, change the status, or both."))
    errors.raise_if_any()
    previous = progress_status(action, frozen["status"])
    update = ActionUpdate(action_id=action.id, version_id=document.final_version_id, author_id=user.id,
                          entry_date=day, status=status, previous_status=previous if status else None, note=note)
    db.session.add(update)
    db.session.flush()
    record(document.group_id, user, "action.follow_up", f"action:{action.id}", document_id=document.id,
           update_id=update.id, entry_date=day.isoformat(), status=status, previous_status=previous)
    return update


def actions_of_organisation(user, organisation: Organisation) -> list[RoadmapAction]:
    """The organisation's actions in the roadmaps of the groups the user belongs to."""
    groups = select(Membership.group_id).where(Membership.user_id == user.id)
    return list(db.session.scalars(
        select(RoadmapAction).join(Document, Document.id == RoadmapAction.document_id)
        .join(ActionOwner, ActionOwner.action_id == RoadmapAction.id)
        .where(ActionOwner.organisation_id == organisation.id, RoadmapAction.deleted_at.is_(None),
               Document.kind == "roadmap", Document.group_id.in_(groups))
        .order_by(Document.id, RoadmapAction.position, RoadmapAction.id)))
