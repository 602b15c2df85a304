"""API: documents, sections, revisions, diffs and versions; the workflow and publishing."""
from __future__ import annotations

from typing import Annotated, Literal

from flask import jsonify, request
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from sqlalchemy import select

from app.api import NO_CONTENT, PageQuery, endpoint, page_of, paginate, parse, signed_in_user
from app.api.fields import Day, FreeText, Id, SomeText, choice, text, whole_number
from app.api.roadmaps import ActionChangeJson, VersionActionJson
from app.api.serialise import Answer, IsoDay, Timestamp, only_when
from app.concurrency import costly
from app.documents import services, translations, workflow
from app.documents.models import DOCUMENT_KINDS, DOCUMENT_STATUSES, Document, Section, SectionRevision, Version
from app.documents.permissions import document_for, require_arrange, section_for
from app.documents.rendering import render_checked
from app.errors import Invalid
from app.extensions import db, reads_only
from app.groups.permissions import group_for
from app.i18n import LANGUAGES, _
from app.util import iso, public_url
from app.validation import MAX_ID, id_or_none

Level = whole_number(1, 3)
Heading = text(300)
Body = FreeText  # bounded in bytes by SECTION_MAX_BYTES (413)
Summary = text(5000, required=False, multiline=True)


class SectionInput(BaseModel):
    model_config = ConfigDict(strict=True)
    heading: Heading
    body: Body = ""
    level: Level = 1


class DocumentRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    title: text(300)
    kind: choice(DOCUMENT_KINDS)
    summary: Summary | None = None
    sections: list[SectionInput] | None = None
    markdown: SomeText | None = Field(None, description="A Markdown text, instead of sections")
    language: choice(LANGUAGES) | None = Field(None, description="The language its text is written (and endorsed) "
                                               "in; by default the caller's interface language")


class DocumentPatch(BaseModel):
    model_config = ConfigDict(strict=True)
    title: text(300) | None = None
    summary: Summary | None = None
    language: choice(LANGUAGES) | None = Field(None, description="Until the document has a final version (409 "
                                               "`language_fixed`); not for a translation (409 "
                                               "`translation_language_fixed`) nor into a translation's language "
                                               "(409 `translation_exists`)")


class NewSectionRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    heading: Heading
    body: Body = ""
    after_section_id: Id | None = None
    level: Level = 1


class OrderRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    order: list[Id] = Field(description="Every current section's id, each once, in the new order")


class SaveRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    body: Body
    base_revision: Id
    heading: Heading | None = None
    message: text(500, required=False) | None = None


class Writer(BaseModel):
    id: int
    name: str


class SavedRevision(BaseModel):
    revision: int = Field(description="The revision number")
    saved_at: str = Field(description="When it was saved (ISO 8601, UTC)")
    author: Writer | None = Field(description="Who saved it; null when their account is gone")


class SaveConflictDetails(BaseModel):
    """error.details of a 409 when saving a section. For the code `conflict`: who saved what meanwhile, and both
    texts; other 409 codes (`section_removed`, a frozen document) carry none of these."""
    current_revision: int | None = Field(None, description="For `conflict`: the section's revision now; save again "
                                                           "with this base_revision")
    current_body: str | None = Field(None, description="The current text")
    current_heading: str | None = Field(None, description="The current heading")
    your_body: str | None = Field(None, description="The text you sent, not saved")
    base_revision: int | None = Field(None, description="The revision your text was written from")
    saved_by: Writer | None = Field(None, description="Who saved the current revision")
    saved_at: str | None = Field(None, description="When the current revision was saved (ISO 8601, UTC)")
    saved_since: list[SavedRevision] = Field(
        default_factory=list, description="The revisions saved after yours began, oldest first (at most 20)")


class VersionRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    label: text(200)
    note: text(5000, required=False, multiline=True) | None = None


class PreviewRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    body: Body


ReminderDay = whole_number(1, 60)


class TransitionRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    to: choice(DOCUMENT_STATUSES)
    label: text(200, required=False) | None = None
    endorsement_deadline: Day | None = Field(None, description=(
        "With to: final, the day endorsement is meant to close (today or later; 400 for a day past); none: no "
        "deadline. A target shown to people and counted down to by reminders."))
    reminder_days: list[ReminderDay] | None = Field(None, max_length=5, description=(
        "With to: final, the days before the deadline on which those who have not decided are reminded "
        "(e.g. [7, 1]): at most 5 distinct days, each 1 to 60; none: the installation's default."))


class VersionPatch(BaseModel):
    model_config = ConfigDict(strict=True)
    endorsement_deadline: Day | None = Field(None, description=(
        "The day endorsement is meant to close, today or later; null removes the deadline; absent: unchanged"))
    reminder_days: list[ReminderDay] | None = Field(None, max_length=5, description=(
        "At most 5 distinct days before the deadline (each 1 to 60) on which reminders go out; null: the "
        "installation's default; absent: unchanged"))


class TranslationRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    language: choice(LANGUAGES) = Field(description="The language to translate into, not the document's own")


class UpToDateRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    base_revision: Id = Field(description="The original section's revision read: the one the translation now "
                                          "follows (409 original_changed when it is no longer the current one)")


class PublishRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    published: bool = True


Revision = Id
VersionOrCurrent = Annotated[int | str, WithJsonSchema({"anyOf": [
    {"type": "integer", "minimum": 1, "maximum": MAX_ID}, {"type": "string", "enum": ["current"]}]})]


class RevisionsQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: Revision = Field(alias="from", description="A revision number of the section")
    to: Revision = Field(description="A revision number of the section")


class VersionsQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: VersionOrCurrent = Field(alias="from", description="A version id of the document, or current")
    to: VersionOrCurrent = Field(description="A version id of the document, or current")


# One step of a diff: [-1 deleted, 0 kept or 1 inserted, its text]. Described without prefixItems, which
# Schemathesis 4.32 turns into an `items` array that its 2020-12 validator then refuses as a schema.
DiffOp = Annotated[tuple[Literal[-1, 0, 1], str], WithJsonSchema({
    "type": "array", "minItems": 2, "maxItems": 2,
    "items": {"anyOf": [{"type": "integer", "enum": [-1, 0, 1]}, {"type": "string"}]}})]


class SectionJson(Answer):
    id: int
    document_id: int
    heading: str
    body: str
    position: int
    level: int
    number: str | None = Field(description="As the document numbers it (\"2.1\"); null where not worked out")
    revision: int = Field(description="The current revision's number")
    anchor: str
    deleted: bool
    updated_at: Timestamp
    original_section_id: int = only_when("in a translation: the section of the original it translates")
    behind: bool = only_when("in a translation: true when the original section has changed since the revision "
                             "this one follows")
    follows_revision: int | None = only_when("when behind: the original section's revision this one follows")
    original_revision: int = only_when("when behind: the original section's current revision")
    original_removed: bool = only_when("in a translation, true when the original no longer has the section")


class DocumentSummaryJson(Answer):
    id: int
    group_id: int
    kind: choice(DOCUMENT_KINDS)
    title: str
    summary: str
    status: choice(DOCUMENT_STATUSES)
    language: choice(LANGUAGES) = Field(description="The language its text is written in")
    translation_of: int | None = Field(description="For a translation, its original's id; null for an original")
    created_at: Timestamp
    updated_at: Timestamp


class DocumentJson(DocumentSummaryJson):
    sections: list[SectionJson] = Field(description="The current sections, in order")


class TranslationJson(DocumentSummaryJson):
    up_to_date: bool = Field(description="True when no section is behind, missing or removed")
    sections_behind: int = Field(description="Its sections whose original section has changed since")
    sections_missing: int = Field(description="The original's sections it does not have yet")
    sections_removed: int = Field(description="Its sections whose original section was removed")


class TranslationsJson(Answer):
    original: DocumentSummaryJson = Field(description="The authoritative document")
    items: list[TranslationJson] = Field(description="Its translations, by language")


class WordImportJson(Answer):
    comments: int = Field(description="Word comments that became comments")
    suggestions: int = Field(description="Tracked changes that became suggested changes")
    left_out: list[str] = Field(description="What the import left out (headers, fields, large images...)")


class CreatedDocumentJson(DocumentJson):
    import_: WordImportJson = only_when("when the document was made from a Word file (.docx)", alias="import")


class RevisionJson(Answer):
    number: int
    heading: str
    author_id: int | None
    author_name: str | None
    created_at: Timestamp
    message: str
    merged: bool
    restored_from: int | None
    length: int


class RevisionTextJson(RevisionJson):
    body: str


class SavedJson(Answer):
    section: SectionJson
    revision: RevisionJson
    merged: bool = Field(description="True when the save was merged with a concurrent one")
    created: bool = Field(description="False when the text was unchanged: no new revision")
    merged_with: list[SavedRevision] = only_when("for a section save: the saves it was merged with, oldest first")


class SectionDiffJson(Answer):
    diff: list[DiffOp]
    html: str = Field(description="The comparison as people read it: formatted, whole words in <ins>/<del>")
    coarse: bool = Field(description="True when changed paragraphs are shown whole (the comparison's bound)")


class VersionJson(Answer):
    id: int
    document_id: int
    number: int
    label: str
    note: str
    content_hash: str
    created_at: Timestamp
    created_by_id: int | None


class VersionSectionJson(Answer):
    id: int
    heading: str
    body: str
    level: int
    revision: int
    position: int
    number: str


class VersionScheduleJson(VersionJson):
    is_final: bool
    endorsement_deadline: IsoDay | None = Field(description="A final version's endorsement deadline, if any")
    reminder_days: list[int] = Field(description=(
        "A final version's reminder days before the deadline, farthest first (its own, or the installation's)"))


class VersionStateJson(VersionScheduleJson):
    title: str
    summary: str
    group_id: int
    kind: choice(DOCUMENT_KINDS)
    sections: list[VersionSectionJson]
    actions: list[VersionActionJson] = only_when("for a roadmap: its actions as frozen")


class SectionChangeJson(Answer):
    section_id: int
    heading: str
    change: choice(("added", "removed", "modified", "moved", "unchanged"))
    moved: bool
    diff: list[DiffOp]
    old_heading: str = only_when("when the heading changed")
    old_index: int = only_when("for a removed section: where it stood")
    position: int = only_when("for a section in the newer text: its place there (1, 2, ...)")
    old_position: int = only_when("for a section in both texts: its place in the older one")
    from_revision: int = only_when("for a changed section: the older text's revision")
    to_revision: int = only_when("for a changed or added section: the newer text's revision")
    deferred: bool = only_when("when its comparison was left out to answer within the time budget")
    html: str | None = Field(description="The comparison as people read it; null when the text is unchanged or "
                                         "deferred")


class DocumentDiffJson(Answer):
    from_: int | Literal["current"] = Field(alias="from")
    to: int | Literal["current"]
    sections: list[SectionChangeJson]
    actions: list[ActionChangeJson] = Field(description="For a roadmap; empty otherwise")


class PreviewJson(Answer):
    html: str


class FinalVersionRef(Answer):
    id: int
    number: int
    content_hash: str
    created_at: Timestamp


class TransitionJson(Answer):
    status: choice(DOCUMENT_STATUSES)
    final_version: FinalVersionRef | None


class PublishedJson(Answer):
    published: bool
    published_at: Timestamp | None
    public_url: str | None


def section_json(section, number: str | None = None, original=None) -> dict:
    """`original`: a translated section's original section, when the caller has it already."""
    data = {"id": section.id, "document_id": section.document_id, "heading": section.heading,
            "body": section.body, "position": section.position, "level": section.level, "number": number,
            "revision": section.current_revision, "anchor": section.anchor,
            "deleted": section.deleted_at is not None, "updated_at": iso(section.updated_at)}
    if section.original_section_id is not None:  # a translated section (its original: loaded once per document)
        original = original or db.session.get(Section, section.original_section_id)
        data.update(original_section_id=original.id, behind=translations.behind(section, original))
        if data["behind"]:
            data.update(follows_revision=section.translates_revision, original_revision=original.current_revision)
        if original.deleted_at is not None:
            data["original_removed"] = True
    return data


def document_json(document, with_sections: bool = True) -> dict:
    data = {"id": document.id, "group_id": document.group_id, "kind": document.kind, "title": document.title,
            "summary": document.summary, "status": document.status, "language": document.language,
            "translation_of": document.translation_of_id, "created_at": iso(document.created_at),
            "updated_at": iso(document.updated_at)}
    if with_sections:
        sections = services.live_sections(document)
        originals = translations.originals_by_id(sections)  # a translation's: in one query
        data["sections"] = [section_json(s, n, originals.get(s.original_section_id))
                            for n, s in services.numbered(sections)]
    return data


def revision_json(rev, with_body_of=None) -> dict:
    data = {"number": rev.number, "heading": rev.heading, "author_id": rev.author_id,
            "author_name": rev.author.name if rev.author else None, "created_at": iso(rev.created_at),
            "message": rev.message, "merged": rev.merged, "restored_from": rev.restored_from,
            "length": rev.body_length}
    if with_body_of is not None:
        data["body"] = services.revision_text(with_body_of, rev.number)
    return data


def version_json(version, state=None) -> dict:
    data = {"id": version.id, "document_id": version.document_id, "number": version.number,
            "label": version.label, "note": version.note, "content_hash": version.content_hash,
            "created_at": iso(version.created_at), "created_by_id": version.created_by_id}
    if state is not None:
        data.update({"title": version.title, "summary": version.summary, "group_id": version.document.group_id,
                     "kind": version.document.kind,
                     "sections": [{"id": s["section_id"], "heading": s["heading"], "body": s["body"],
                                   "level": s["level"], "revision": s["revision"], "position": i,
                                   "number": n}
                                  for i, (n, s) in enumerate(zip(
                                      services.section_numbers([x["level"] for x in state]), state), start=1)]})
    return data


def version_schedule_json(version) -> dict:
    """The version with its endorsement deadline and reminder days (a final version's; none otherwise)."""
    from app.endorsements.services import deadline_of, reminder_days_of

    deadline = deadline_of(version) if version.is_final else None
    return {**version_json(version), "is_final": version.is_final,
            "endorsement_deadline": deadline.isoformat() if deadline else None,
            "reminder_days": sorted(reminder_days_of(version), reverse=True) if version.is_final else []}


def _required_arg(name: str) -> str:
    value = request.args.get(name)
    if value is None:
        raise Invalid(_("The query parameter %(name)s is required.", name=name), fields={name: _("Required.")})
    return value


def _int_arg(name: str):
    value = _required_arg(name)
    number = id_or_none(value)
    if number is None:
        raise Invalid(_("The query parameter %(name)s must be a number.", name=name),
                      fields={name: _("A whole number.")})
    return number


@endpoint("/groups/<int:gid>/documents", "POST", "Create a document (editor), from sections or a Markdown text; "
          "or as multipart/form-data from a file (.docx or Markdown) with optional title, kind, summary and language",
          body=DocumentRequest, response=CreatedDocumentJson, status=201, tag="documents",
          errors=(400, 401, 403, 404, 413), upload="file")
def create_document(gid):
    user = signed_in_user()
    group = group_for(user, gid)
    if request.mimetype == "multipart/form-data":
        from app.api.word import create_document_from_upload

        return create_document_from_upload(user, group)
    data = parse(DocumentRequest)
    if data.markdown is not None:
        document = services.import_document(user, group, markdown_text=data.markdown, title=data.title,
                                            kind=data.kind, summary=data.summary, language=data.language)
    else:
        document = services.create_document(
            user, group, title=data.title, kind=data.kind, summary=data.summary,
            sections=[s.model_dump() for s in data.sections] if data.sections else [], language=data.language)
    db.session.commit()
    return jsonify(document_json(document)), 201


@endpoint("/groups/<int:gid>/documents", "GET", "Documents of a group", response=page_of(DocumentSummaryJson),
          query=PageQuery, tag="documents", errors=(400, 401, 404))
def list_documents(gid):
    user = signed_in_user()
    group = group_for(user, gid)
    return jsonify(paginate(select(Document).where(Document.group_id == group.id), Document.id,
                            lambda d: document_json(d, with_sections=False)))


@endpoint("/documents/<int:did>", "GET", "A document with its current sections", response=DocumentJson, tag="documents",
          errors=(401, 404))
def get_document(did):
    return jsonify(document_json(document_for(signed_in_user(), did)))


@endpoint("/documents/<int:did>", "PATCH", "Change title, summary or language (editor)", body=DocumentPatch,
          response=DocumentJson, tag="documents", errors=(400, 401, 403, 404, 409))
def update_document(did):
    user = signed_in_user()
    document = document_for(user, did)
    require_arrange(user, document)
    data = parse(DocumentPatch)
    services.update_document(user, document, title=data.title, summary=data.summary, language=data.language)
    db.session.commit()
    return jsonify(document_json(document))


@endpoint("/documents/<int:did>/sections", "POST", "Add a section (editor)", body=NewSectionRequest,
          response=SectionJson, status=201, tag="documents", errors=(400, 401, 403, 404, 409, 413))
def add_section(did):
    user = signed_in_user()
    document = document_for(user, did)
    require_arrange(user, document)
    data = parse(NewSectionRequest)
    section = services.add_section(user, document, heading=data.heading, body=data.body,
                                   after_section_id=data.after_section_id, level=data.level)
    db.session.commit()
    return jsonify(section_json(section, services.section_number(section))), 201


@endpoint("/documents/<int:did>/sections/order", "PUT", "Reorder the sections (editor)", body=OrderRequest,
          response=DocumentJson, tag="documents", errors=(400, 401, 403, 404, 409))
def reorder_sections(did):
    user = signed_in_user()
    document = document_for(user, did)
    require_arrange(user, document)
    data = parse(OrderRequest)
    services.reorder_sections(user, document, data.order)
    db.session.commit()
    return jsonify(document_json(document))


@endpoint("/sections/<int:sid>", "GET", "One section, current text", response=SectionJson, tag="documents",
          errors=(401, 404))
def get_section(sid):
    section = section_for(signed_in_user(), sid)
    return jsonify(section_json(section, services.section_number(section)))


@endpoint("/sections/<int:sid>", "PUT", "Save a section from a base revision; merged with the saves made since "
          "(`merged`, `merged_with`: who saved what meanwhile), or 409 `conflict` when they changed the same words "
          "(error.details: who saved the current revision and when, both texts)",
          body=SaveRequest, response=SavedJson, tag="documents", errors=(400, 401, 403, 404, 409, 413),
          error_details={409: SaveConflictDetails})
def save_section(sid):
    user = signed_in_user()
    section = section_for(user, sid)
    data = parse(SaveRequest)
    result = services.save_section(user, section, body=data.body, base_revision=data.base_revision,
                                   heading=data.heading, message=data.message)
    db.session.commit()
    return jsonify({"section": section_json(result.section), "revision": revision_json(result.revision),
                    "merged": result.merged, "created": result.created,
                    "merged_with": [services.save_json(rev) for rev in result.merged_with]})


@endpoint("/sections/<int:sid>", "DELETE", "Remove a section (kept in history; editor)",
          response=NO_CONTENT, status=204, tag="documents", errors=(401, 403, 404, 409))
def delete_section(sid):
    user = signed_in_user()
    section = section_for(user, sid)
    services.delete_section(user, section)
    db.session.commit()
    return "", 204


@endpoint("/sections/<int:sid>/revisions", "GET", "Revisions of a section", response=page_of(RevisionJson),
          query=PageQuery, tag="documents", errors=(400, 401, 404))
def list_revisions(sid):
    section = section_for(signed_in_user(), sid)
    return jsonify(paginate(select(SectionRevision).where(SectionRevision.section_id == section.id),
                            SectionRevision.id, revision_json))


@endpoint("/sections/<int:sid>/revisions/<int:number>", "GET", "One revision with its text", response=RevisionTextJson,
          tag="documents", errors=(401, 404))
def get_revision(sid, number):
    section = section_for(signed_in_user(), sid)
    return jsonify(revision_json(services.revision(section, number), with_body_of=section.id))


@endpoint("/sections/<int:sid>/revisions/<int:number>/restore", "POST", "Restore an old revision as a new one",
          response=SavedJson, tag="documents", errors=(401, 403, 404, 409))
def restore_revision(sid, number):
    user = signed_in_user()
    section = section_for(user, sid)
    result = services.restore_revision(user, section, number)
    db.session.commit()
    return jsonify({"section": section_json(result.section), "revision": revision_json(result.revision),
                    "merged": False, "created": result.created})


@endpoint("/sections/<int:sid>/diff", "GET",
          "Diff of two revisions (?from=N&to=M): `diff` of the Markdown source as [op, text] pairs; `html`, the "
          "comparison as people read it (formatted, whole words in <ins>/<del>); `coarse` when changed "
          "paragraphs are shown whole", response=SectionDiffJson, tag="documents", errors=(400, 401, 404, 429),
          query=RevisionsQuery)
@costly("RATELIMIT_COMPARE")
def section_diff(sid):
    section = section_for(signed_in_user(), sid)
    from_number, to_number = _int_arg("from"), _int_arg("to")
    diff = services.section_diff(section, from_number, to_number)
    comparison = services.section_comparison(section, from_number, to_number)
    return jsonify({"diff": [list(d) for d in diff], "html": comparison.html, "coarse": comparison.coarse})


@endpoint("/documents/<int:did>/versions", "POST", "Name a version of the document (editor)",
          body=VersionRequest, response=VersionJson, status=201, tag="documents", errors=(400, 401, 403, 404))
def create_version(did):
    user = signed_in_user()
    document = document_for(user, did)
    data = parse(VersionRequest)
    version = services.create_version(user, document, label=data.label, note=data.note)
    db.session.commit()
    return jsonify(version_json(version)), 201


@endpoint("/documents/<int:did>/versions", "GET", "Versions of a document", response=page_of(VersionJson),
          query=PageQuery, tag="documents", errors=(400, 401, 404))
def list_versions(did):
    document = document_for(signed_in_user(), did)
    return jsonify(paginate(select(Version).where(Version.document_id == document.id), Version.id, version_json))


@endpoint("/versions/<int:vid>", "GET", "The document exactly as it was at a version",
          response=VersionStateJson, tag="documents", errors=(401, 404))
def get_version(vid):
    version = services.version_for(signed_in_user(), vid)
    data = version_json(version, services.version_state(version)) | version_schedule_json(version)
    if version.document.kind == "roadmap":  # part of the text, and of its content hash
        from app.roadmaps.services import version_actions

        data["actions"] = version_actions(version)
    return jsonify(data)


@endpoint("/versions/<int:vid>", "PATCH", "Change a final version's endorsement deadline and reminder days while it "
          "is open for endorsement (coordinator); a refusal changes nothing", body=VersionPatch,
          response=VersionScheduleJson, tag="endorsements", errors=(400, 401, 403, 404, 409))
def update_version(vid):
    from app.endorsements.services import change_schedule

    user = signed_in_user()
    version = services.version_for(user, vid)
    data = parse(VersionPatch)
    change_schedule(user, version, **_schedule_changes(data))
    db.session.commit()
    return jsonify(version_schedule_json(version))


def _schedule_changes(data: VersionPatch) -> dict:
    """The fields the body gives (null included), as change_schedule's arguments; absent ones stay as they are."""
    changes = {}
    if "endorsement_deadline" in data.model_fields_set:
        changes["deadline"] = data.endorsement_deadline
    if "reminder_days" in data.model_fields_set:
        changes["reminder_days"] = data.reminder_days
    return changes


@endpoint("/documents/<int:did>/diff", "GET",
          "Compare two versions (?from=VID&to=VID or current): per section its change, `diff` of the Markdown "
          "source, and `html`, the comparison as people read it (formatted, whole words in <ins>/<del>; null "
          "when the text is unchanged, or when `deferred`: left out to answer within the time budget, see "
          "/sections/{sid}/diff)", response=DocumentDiffJson, tag="documents", errors=(400, 401, 404, 429),
          query=VersionsQuery)
@costly("RATELIMIT_COMPARE")
def document_diff(did):
    user = signed_in_user()
    document = document_for(user, did)
    old = services.compared_version(document, "from", _required_arg("from"))
    new = services.compared_version(document, "to", _required_arg("to"))
    from app.roadmaps.services import actions_diff

    sections = services.document_diff(document, old, new, formatted=True)
    for entry in sections:
        comparison = entry.pop("comparison")
        entry["html"] = comparison.html if comparison is not None else None
    return jsonify({"from": old.id if old else "current", "to": new.id if new else "current",
                    "sections": sections, "actions": actions_diff(document, old, new)})


@endpoint("/preview", "POST", "Render Markdown as it will appear (sanitised HTML); changes nothing",
          body=PreviewRequest, response=PreviewJson, tag="documents", errors=(400, 401, 413, 429))
@costly("RATELIMIT_PREVIEW")
@reads_only
def preview():
    signed_in_user()
    data = parse(PreviewRequest)
    body = services.check_body(data.body)
    return jsonify({"html": render_checked(body, "preview-")})  # 400 markdown_too_complex, in its bound


# --- the workflow and publishing (app/documents/workflow.py) -----------------------

@endpoint("/documents/<int:did>/transitions", "POST", "Move a document through its workflow (coordinator)",
          body=TransitionRequest, response=TransitionJson, tag="workflow", errors=(400, 401, 403, 404, 409))
def transition(did):
    user = signed_in_user()
    document = document_for(user, did)
    data = parse(TransitionRequest)
    if data.to == "final":  # with its deadline and reminder days; the organisations taking part are told
        from app.endorsements.services import make_final

        make_final(user, document, label=data.label, deadline=data.endorsement_deadline,
                   reminder_days=data.reminder_days)
    elif data.endorsement_deadline is not None or data.reminder_days is not None:
        raise Invalid(_("A deadline and reminder days are chosen when making the text final."),
                      fields={"endorsement_deadline" if data.endorsement_deadline is not None else "reminder_days":
                              _("Only with to: final.")})
    else:
        workflow.transition(user, document, data.to, data.label)
    db.session.commit()
    final = document.final_version
    return jsonify({"status": document.status,
                    "final_version": {"id": final.id, "number": final.number, "content_hash": final.content_hash,
                                      "created_at": iso(final.created_at)} if final else None})


@endpoint("/documents/<int:did>/publish", "POST", "Publish or unpublish a final statement (coordinator)",
          body=PublishRequest, response=PublishedJson, tag="workflow", errors=(400, 401, 403, 404, 409))
def publish(did):
    user = signed_in_user()
    document = document_for(user, did)
    data = parse(PublishRequest)
    workflow.publish(user, document, data.published)
    db.session.commit()
    return jsonify({"published": document.published_at is not None, "published_at": iso(document.published_at),
                    "public_url": public_url("workflow.statement", key=document.public_key)
                    if document.published_at else None})


# --- translations (app/documents/translations.py) -----------------------------------------------

def translation_json(translation, standing) -> dict:
    return document_json(translation, with_sections=False) | {
        "up_to_date": standing.up_to_date, "sections_behind": len(standing.behind),
        "sections_missing": len(standing.missing), "sections_removed": len(standing.removed)}


@endpoint("/documents/<int:did>/translations", "POST", "Start a translation of the document into another language "
          "(editor): a new draft document, one section for each of the original's, each starting from the "
          "original's text; 409 `same_language`, `translation_exists` or `translation_of_translation`",
          body=TranslationRequest, response=DocumentJson, status=201, tag="documents",
          errors=(400, 401, 403, 404, 409))
def start_translation(did):
    user = signed_in_user()
    document = document_for(user, did)
    data = parse(TranslationRequest)
    translation = translations.start_translation(user, document, data.language)
    db.session.commit()
    return jsonify(document_json(translation)), 201


@endpoint("/documents/<int:did>/translations", "GET", "The original of the document and its translations, each "
          "with how many of its sections are behind the original, missing or removed",
          response=TranslationsJson, tag="documents", errors=(401, 404))
def list_translations(did):
    document = document_for(signed_in_user(), did)
    original = translations.original_of(document)
    original_sections = services.live_sections(original)
    return jsonify({"original": document_json(original, with_sections=False),
                    "items": [translation_json(t, translations.standing(t, original_sections))
                              for t in translations.translations_of(original)]})


@endpoint("/sections/<int:sid>/up-to-date", "POST", "Confirm that a translated section is up to date with the "
          "original section's revision read (`base_revision`); 409 `original_changed` when the original has changed "
          "since", body=UpToDateRequest, response=SectionJson, tag="documents", errors=(400, 401, 403, 404, 409))
def mark_up_to_date(sid):
    user = signed_in_user()
    section = section_for(user, sid)
    data = parse(UpToDateRequest)
    translations.mark_up_to_date(user, section, data.base_revision)
    db.session.commit()
    return jsonify(section_json(section, services.section_number(section)))


@endpoint("/documents/<int:did>/sections/from-original", "POST", "In a translation: add the sections its original "
          "gained since the translation began, each a copy of the original's text to translate (editor)",
          response=DocumentJson, tag="documents", errors=(401, 403, 404, 409))
def add_missing_sections(did):
    user = signed_in_user()
    document = document_for(user, did)
    translations.add_missing_sections(user, document)
    db.session.commit()
    return jsonify(document_json(document))
