"""API: roadmap actions, their order, follow-up entries, and CSV / iCalendar exports."""
from __future__ import annotations

import re
from typing import Literal

from flask import Response, current_app, jsonify, request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from app.api import NO_CONTENT, Media, PageQuery, endpoint, page_of, paginate, parse, signed_in_user
from app.api.fields import Day, FreeText, Id, Timeframe, choice, text
from app.api.serialise import Answer, IsoDay, PersonRef, Timestamp, only_when
from app.documents.services import version_for
from app.errors import Invalid
from app.extensions import db
from app.i18n import _
from app.organisations.services import organisation_for
from app.roadmaps import exporting, services
from app.roadmaps.models import ACTION_STATUSES, ActionUpdate, RoadmapAction
from app.roadmaps.permissions import action_for, require_action_edit, roadmap_for
from app.roadmaps.timeframes import show_timeframe
from app.util import iso

Title = text(300)
Description = FreeText  # bounded in bytes by ACTION_DESCRIPTION_MAX_BYTES (413); NUL refused by the service
Status = choice(ACTION_STATUSES)


class _ActionFields(BaseModel):
    """What a new action and an edit share; every field may be left out."""
    model_config = ConfigDict(strict=True)
    description: Description | None = None
    owner_organisation_id: Id | None = None
    owner_organisation_ids: list[Id] | None = None
    lead_user_id: Id | None = None
    start_date: Timeframe | None = None
    due_date: Timeframe | None = None
    section_id: Id | None = None


class ActionRequest(_ActionFields):
    title: Title
    status: Status = "planned"


class ActionPatch(_ActionFields):
    title: Title | None = None
    status: Status | None = None
    revision: Id | None = None


class ActionOrderRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    order: list[Id]


class UpdateRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    status: Status | None = None
    note: text(5000, required=False, multiline=True) | None = None
    entry_date: Day | None = None


CSV = Media("text/csv", "The actions as CSV (UTF-8 starting with a byte-order mark, a header row), as an attachment")


class CsvQuery(BaseModel):
    sep: Literal["comma", "semicolon"] | None = Field(
        None, description="The cell separator: comma (the default) or semicolon, as spreadsheets in languages "
                          "writing a decimal comma expect")


def _separator() -> str:
    """?sep=comma or semicolon (or absent: comma); anything else is refused, as the description says."""
    value = request.args.get("sep")
    if value is None:
        return "comma"
    if value not in exporting.CSV_SEPARATORS:
        raise Invalid(_("sep is comma or semicolon."), fields={"sep": _("comma or semicolon.")}, code="invalid_sep")
    return value
ICALENDAR = Media("text/calendar", "The actions' due dates as an iCalendar feed, as an attachment")
# What a timeframe looks like: a day (2027-03-15), a quarter (2027-Q1) or a year.
Shown = str


class OwnerRef(Answer):
    id: int
    name: str
    country: str


class ActionJson(Answer):
    id: int
    document_id: int
    position: int
    title: str
    description: str
    section_id: int | None
    owner_organisation_id: int | None = Field(description="The first owner's id (by name), or null")
    owner_organisation_ids: list[int]
    owners: list[OwnerRef]
    lead_user_id: int | None
    lead: PersonRef | None
    start_date: Shown | None = Field(description="As shown: a day, a quarter (2027-Q1) or a year")
    due_date: Shown | None = Field(description="As shown: a day, a quarter (2027-Q1) or a year")
    start: IsoDay | None = Field(description="The first day of start_date")
    due: IsoDay | None = Field(description="The first day of due_date")
    start_precision: str
    due_precision: str
    status: Status
    revision: int = Field(description="Send it back with a change to be told (409) when changed meanwhile")
    created_at: Timestamp
    updated_at: Timestamp
    current_status: Status = only_when("once the roadmap is final: the status its follow-up entries give")


class UpdateJson(Answer):
    id: int
    action_id: int
    version_id: int | None
    author_id: int | None
    author_name: str | None
    entry_date: IsoDay
    status: Status | None
    previous_status: Status | None
    note: str
    created_at: Timestamp


class VersionActionJson(Answer):
    """An action as a version froze it (roadmaps.services.version_actions), as pages and the PDF show it."""
    action_id: int
    title: str
    description: str
    description_html: str
    owners: list[OwnerRef]
    lead: PersonRef | None
    start: Shown | None
    due: Shown | None
    start_date: Shown | None
    due_date: Shown | None
    start_on: IsoDay | None
    due_on: IsoDay | None
    status: Status
    status_label: str
    section_id: int | None
    section: str | None = Field(description="The section's number in the version")
    section_heading: str | None


class ActionChangeJson(Answer):
    action_id: int
    title: str
    change: choice(("added", "removed", "modified", "moved", "unchanged"))
    changes: list[str] = Field(description="What changed, in words")


def action_json(action: RoadmapAction) -> dict:
    owners = sorted(({"id": o.organisation.id, "name": o.organisation.name, "country": o.organisation.country}
                     for o in action.owners), key=lambda o: (o["name"], o["id"]))
    data = {"id": action.id, "document_id": action.document_id, "position": action.position,
            "title": action.title, "description": action.description, "section_id": action.section_id,
            "owner_organisation_id": owners[0]["id"] if owners else None,
            "owner_organisation_ids": [o["id"] for o in owners], "owners": owners,
            "lead_user_id": action.lead_user_id,
            "lead": {"id": action.lead.id, "name": action.lead.name} if action.lead else None,
            "start_date": show_timeframe(action.start_date, action.start_precision),
            "due_date": show_timeframe(action.due_date, action.due_precision),
            "start": action.start_date.isoformat() if action.start_date else None,
            "due": action.due_date.isoformat() if action.due_date else None,
            "start_precision": action.start_precision, "due_precision": action.due_precision,
            "status": action.status, "revision": action.edit_count,
            "created_at": iso(action.created_at), "updated_at": iso(action.updated_at)}
    if action.document.final_version_id is not None:
        data["current_status"] = services.progress_status(action)
    return data


def update_json(update: ActionUpdate) -> dict:
    return {"id": update.id, "action_id": update.action_id, "version_id": update.version_id,
            "author_id": update.author_id, "author_name": update.author.name if update.author else None,
            "entry_date": update.entry_date.isoformat(), "status": update.status,
            "previous_status": update.previous_status, "note": update.note, "created_at": iso(update.created_at)}


def _owner_ids(data, fields_set: set[str]):
    return services.owner_ids_from(
        data.owner_organisation_id if "owner_organisation_id" in fields_set else services.UNSET,
        data.owner_organisation_ids if "owner_organisation_ids" in fields_set else services.UNSET)


def _download(body, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "actions"


@endpoint("/documents/<int:did>/actions", "POST", "Add an action to a roadmap (members in draft, editors in review)",
          body=ActionRequest, response=ActionJson, status=201, tag="roadmaps", errors=(400, 401, 403, 404, 409, 413))
def create_action(did):
    user = signed_in_user()
    document = roadmap_for(user, did)
    require_action_edit(user, document)
    data = parse(ActionRequest)
    owners = _owner_ids(data, data.model_fields_set)
    action = services.create_action(
        user, document, title=data.title, description=data.description,
        owner_ids=None if owners is services.UNSET else owners, lead_user_id=data.lead_user_id,
        start=data.start_date, due=data.due_date, status=data.status, section_id=data.section_id)
    db.session.commit()
    return jsonify(action_json(action)), 201


@endpoint("/documents/<int:did>/actions", "GET", "Actions of a roadmap (each with its position)",
          response=page_of(ActionJson), query=PageQuery, tag="roadmaps", errors=(400, 401, 404))
def list_actions(did):
    document = roadmap_for(signed_in_user(), did)
    return jsonify(paginate(select(RoadmapAction).where(RoadmapAction.document_id == document.id,
                                                        RoadmapAction.deleted_at.is_(None)),
                            RoadmapAction.id, action_json))


@endpoint("/documents/<int:did>/actions.csv", "GET", "Actions of a roadmap as CSV", response=CSV, tag="roadmaps",
          query=CsvQuery, errors=(400, 401, 404))
def actions_csv(did):
    document = roadmap_for(signed_in_user(), did)
    separator = _separator()
    rows = exporting.export_rows(services.live_actions(document))
    return _download(exporting.actions_csv(rows, separator), "text/csv", f"{_slug(document.title)}-actions.csv")


@endpoint("/documents/<int:did>/actions.ics", "GET", "Due dates of a roadmap's actions as an iCalendar feed",
          response=ICALENDAR, tag="roadmaps", errors=(401, 404))
def actions_ics(did):
    document = roadmap_for(signed_in_user(), did)
    rows = exporting.export_rows(services.live_actions(document))
    return _download(exporting.actions_ics(rows, document.title, current_app.config["BASE_URL"]), "text/calendar",
                     f"{_slug(document.title)}-actions.ics")


@endpoint("/documents/<int:did>/actions/order", "PUT", "Reorder a roadmap's actions", body=ActionOrderRequest,
          response=page_of(ActionJson), tag="roadmaps", errors=(400, 401, 403, 404, 409))
def reorder_actions(did):
    user = signed_in_user()
    document = roadmap_for(user, did)
    require_action_edit(user, document)
    data = parse(ActionOrderRequest)
    actions = services.reorder_actions(user, document, data.order)
    db.session.commit()
    return jsonify({"items": [action_json(a) for a in actions], "next_cursor": None})


@endpoint("/actions/<int:aid>", "GET", "One roadmap action", response=ActionJson, tag="roadmaps", errors=(401, 404))
def get_action(aid):
    return jsonify(action_json(action_for(signed_in_user(), aid)))


@endpoint("/actions/<int:aid>", "PATCH", "Change an action; with `revision`, 409 stale when changed meanwhile",
          body=ActionPatch, response=ActionJson, tag="roadmaps", errors=(400, 401, 403, 404, 409, 413))
def update_action(aid):
    user = signed_in_user()
    action = action_for(user, aid)
    require_action_edit(user, action.document)
    data = parse(ActionPatch)
    given = data.model_fields_set

    def field(name):
        return getattr(data, name) if name in given else services.UNSET

    services.update_action(user, action, edit_count=field("revision"), title=field("title"),
                           description=field("description"), owner_ids=_owner_ids(data, given),
                           lead_user_id=field("lead_user_id"), start=field("start_date"), due=field("due_date"),
                           status=field("status"), section_id=field("section_id"))
    db.session.commit()
    return jsonify(action_json(action))


@endpoint("/actions/<int:aid>", "DELETE", "Remove an action (kept in the versions that hold it)",
          response=NO_CONTENT, status=204, tag="roadmaps", errors=(401, 403, 404, 409))
def delete_action(aid):
    user = signed_in_user()
    action = action_for(user, aid)
    services.delete_action(user, action)
    db.session.commit()
    return "", 204


@endpoint("/actions/<int:aid>/updates", "GET", "Follow-up entries of an action, oldest first",
          response=page_of(UpdateJson), query=PageQuery, tag="roadmaps", errors=(400, 401, 404))
def list_updates(aid):
    action = action_for(signed_in_user(), aid)
    return jsonify(paginate(select(ActionUpdate).where(ActionUpdate.action_id == action.id), ActionUpdate.id,
                            update_json))


@endpoint("/actions/<int:aid>/updates", "POST",
          "Record progress on an action of a final roadmap: a dated status change and/or note (member)",
          body=UpdateRequest, response=UpdateJson, status=201, tag="roadmaps", errors=(400, 401, 403, 404, 409))
def create_update(aid):
    user = signed_in_user()
    action = action_for(user, aid)
    data = parse(UpdateRequest)
    update = services.add_update(user, action, status=data.status, note=data.note, entry_date=data.entry_date)
    db.session.commit()
    return jsonify(update_json(update)), 201


@endpoint("/versions/<int:vid>/actions", "GET", "The actions of a version, exactly as they were frozen",
          response=page_of(VersionActionJson), tag="roadmaps", errors=(401, 404))
def version_actions(vid):
    version = version_for(signed_in_user(), vid)
    return jsonify({"items": services.version_actions(version), "next_cursor": None})


def _organisation_rows(oid):
    user = signed_in_user()
    organisation = organisation_for(oid)
    return organisation, exporting.export_rows(services.actions_of_organisation(user, organisation))


@endpoint("/organisations/<int:oid>/actions.csv", "GET",
          "An organisation's actions in the roadmaps of the caller's groups, as CSV", response=CSV, tag="roadmaps",
          query=CsvQuery, errors=(400, 401, 404))
def organisation_actions_csv(oid):
    organisation, rows = _organisation_rows(oid)
    separator = _separator()
    return _download(exporting.actions_csv(rows, separator), "text/csv", f"{_slug(organisation.name)}-actions.csv")


@endpoint("/organisations/<int:oid>/actions.ics", "GET",
          "Due dates of an organisation's actions in the roadmaps of the caller's groups (iCalendar)",
          response=ICALENDAR, tag="roadmaps", errors=(401, 404))
def organisation_actions_ics(oid):
    organisation, rows = _organisation_rows(oid)
    body = exporting.actions_ics(rows, _("%(organisation)s: roadmap actions", organisation=organisation.name),
                                current_app.config["BASE_URL"])
    return _download(body, "text/calendar", f"{_slug(organisation.name)}-actions.ics")

