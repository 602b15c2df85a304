"""API: comments anchored to sections, suggested changes (amendments)."""
from __future__ import annotations

from flask import jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from app.api import NO_CONTENT, PageQuery, endpoint, page_of, paginate, parse, signed_in_user
from app.api.documents import DiffOp, RevisionJson, SectionJson, revision_json, section_json
from app.api.fields import ID_SCHEMA, FreeText, Id, Position, choice, text, together
from app.api.serialise import Answer, PersonRef, Timestamp, only_when
from app.comments import services
from app.comments.models import AMENDMENT_STATUSES, Amendment, Comment
from app.comments.permissions import amendment_for, comment_for
from app.comments.services import MAX_COMMENT_CHARS, MAX_QUOTE_CHARS, MAX_RATIONALE_CHARS
from app.documents.permissions import section_for
from app.errors import Invalid
from app.extensions import db
from app.i18n import _
from app.util import iso

CommentBody = text(MAX_COMMENT_CHARS, multiline=True)
Reason = text(MAX_RATIONALE_CHARS, required=False, multiline=True)


class CommentRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    body: CommentBody
    quote: text(MAX_QUOTE_CHARS, required=False, multiline=True) | None = None
    parent_id: Id | None = None
    # Which occurrence of the quote (0-based) when it recurs; or its position in the section's text.
    occurrence: Position | None = None
    start: Position | None = None


class CommentPatch(BaseModel):
    model_config = ConfigDict(strict=True)
    body: CommentBody


class AmendmentRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    body: FreeText
    base_revision: Id
    rationale: Reason | None = None


class AcceptRequest(BaseModel):
    # Only to accept after resolving a conflict by hand: the merged text and the revision it was written on.
    model_config = ConfigDict(strict=True, json_schema_extra=together(
        {"body": {"type": "string"}, "base_revision": ID_SCHEMA}))
    body: FreeText | None = None
    base_revision: Id | None = None


class RejectRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    reason: Reason | None = None


class AnchorPlaceJson(Answer):
    """Where the quoted words stood in the text of `revision` (null: the whole section)."""
    start: int | None
    end: int | None
    revision: int


class AnchorJson(AnchorPlaceJson):
    """Where a thread was anchored as it was made: the quoted words (null: the whole section) and where they
    stood in the text of `revision`."""
    quote: str | None


class LocatedAnchorJson(Answer):
    """The anchor re-located on the section's current text."""
    quote: str | None
    prefix: str | None
    suffix: str | None
    start: int | None
    end: int | None
    revision: int = Field(description="The current revision, on which start and end are counted")
    orphaned: bool = Field(description="The quoted words are no longer in the text")
    exact: bool
    original: AnchorPlaceJson = Field(description="Where the quote stood as the thread was made")
    text: str = only_when("when the quote was found: the words now at start..end")


class CommentJson(Answer):
    id: int
    section_id: int
    document_id: int
    parent_id: int | None
    thread_id: int
    author: PersonRef | None
    author_id: int | None
    body: str
    html: str
    anchor: AnchorJson
    revision: int
    created_at: Timestamp
    edited_at: Timestamp | None
    deleted: bool
    deleted_at: Timestamp | None
    resolved: bool | None = Field(description="For a thread's first comment; null for a reply")
    resolved_at: Timestamp | None
    resolved_by: PersonRef | None


class LocatedCommentJson(CommentJson):
    anchor: LocatedAnchorJson


class AmendmentJson(Answer):
    id: int
    section_id: int
    document_id: int
    author: PersonRef | None
    author_id: int | None
    body: str
    base_revision: int
    rationale: str
    status: choice(AMENDMENT_STATUSES)
    reason: str
    decided_by: PersonRef | None
    decided_at: Timestamp | None
    accepted_revision: int | None
    credited_to: list[PersonRef]
    supporters: list[PersonRef]
    support_count: int
    created_at: Timestamp


class AmendmentDiffJson(AmendmentJson):
    diff: list[DiffOp] = Field(description="From the base revision's text to the suggested one")


class AcceptedJson(Answer):
    amendment: AmendmentJson
    section: SectionJson
    revision: RevisionJson
    merged: bool
    created: bool


def _user_ref(user) -> dict | None:
    return {"id": user.id, "name": user.name} if user else None


def anchor_json(comment: Comment, location=None, section=None) -> dict:
    """The anchor as made; with `location`, re-located on the section's current text."""
    thread = comment.parent or comment
    quote = thread.anchor_quote or None
    if location is None:
        return {"quote": quote, "start": thread.anchor_start, "end": thread.anchor_end, "revision": thread.revision}
    data = {"quote": quote, "prefix": thread.anchor_prefix or None, "suffix": thread.anchor_suffix or None,
            "start": location.start, "end": location.end, "revision": section.current_revision,
            "orphaned": location.orphaned, "exact": location.exact if quote else True,
            "original": {"start": thread.anchor_start, "end": thread.anchor_end, "revision": thread.revision}}
    if quote and not location.orphaned:
        data["text"] = section.body[location.start:location.end]
    return data


def comment_json(comment: Comment, location=None, section=None) -> dict:
    return {"id": comment.id, "section_id": comment.section_id, "document_id": comment.document_id,
            "parent_id": comment.parent_id, "thread_id": comment.thread_id,
            "author": _user_ref(comment.author), "author_id": comment.author_id,
            "body": comment.body, "html": services.comment_html(comment),
            "anchor": anchor_json(comment, location, section), "revision": comment.revision,
            "created_at": iso(comment.created_at), "edited_at": iso(comment.edited_at),
            "deleted": comment.is_deleted, "deleted_at": iso(comment.deleted_at),
            "resolved": comment.resolved_at is not None if comment.is_thread else None,
            "resolved_at": iso(comment.resolved_at), "resolved_by": _user_ref(comment.resolved_by)}


def amendment_json(amendment: Amendment, with_diff: bool = True) -> dict:
    data = {"id": amendment.id, "section_id": amendment.section_id, "document_id": amendment.document_id,
            "author": _user_ref(amendment.author), "author_id": amendment.author_id, "body": amendment.body,
            "base_revision": amendment.base_revision, "rationale": amendment.rationale, "status": amendment.status,
            "reason": amendment.reason, "decided_by": _user_ref(amendment.decided_by),
            "decided_at": iso(amendment.decided_at), "accepted_revision": amendment.accepted_revision,
            "credited_to": [_user_ref(u) for u in services.credited_to(amendment)],
            "supporters": [_user_ref(s.user) for s in amendment.supports],
            "support_count": len(amendment.supports), "created_at": iso(amendment.created_at)}
    if with_diff:
        data["diff"] = [list(d) for d in services.amendment_diff(amendment)]
    return data


class AmendmentsQuery(PageQuery):
    status: choice(AMENDMENT_STATUSES) | None = None


# --- comments ----------------------------------------------------------------------------

@endpoint("/sections/<int:sid>/comments", "POST", "Comment on a section, on quoted words, or reply (parent_id)",
          body=CommentRequest, response=CommentJson, status=201, tag="discussion",
          errors=(400, 401, 403, 404, 409, 413))
def add_comment(sid):
    user = signed_in_user()
    section = section_for(user, sid)
    data = parse(CommentRequest)
    parent = services.reply_target(section, data.parent_id)
    if parent is not None:
        if data.quote:
            raise Invalid(_("A reply belongs to its thread: it has no quote of its own."),
                          fields={"quote": _("Leave it out when replying.")})
        comment = services.reply(user, parent, body=data.body)
    else:
        comment = services.add_comment(user, section, body=data.body, quote=data.quote, occurrence=data.occurrence,
                                       start=data.start)
    db.session.commit()
    return jsonify(comment_json(comment)), 201


@endpoint("/sections/<int:sid>/comments", "GET",
          "Comments of a section, each anchor re-located on the current text (orphaned when its words are gone)",
          response=page_of(LocatedCommentJson), query=PageQuery, tag="discussion", errors=(400, 401, 404))
def list_comments(sid):
    section = section_for(signed_in_user(), sid)
    texts = services.RevisionTexts()
    threads: dict[int, Comment] = {}

    def serialise(comment):
        thread = comment.parent or comment
        if thread.id not in threads:
            threads[thread.id] = services.locate(thread, section, texts)
        return comment_json(comment, threads[thread.id], section)

    return jsonify(paginate(services.comments_query().where(Comment.section_id == section.id), Comment.id,
                            serialise))


@endpoint("/comments/<int:cid>", "GET", "One comment, its anchor re-located", response=LocatedCommentJson,
          tag="discussion", errors=(401, 404))
def get_comment(cid):
    comment = comment_for(signed_in_user(), cid)
    return jsonify(comment_json(comment, services.locate(comment.parent or comment, comment.section),
                                comment.section))


@endpoint("/comments/<int:cid>", "PATCH", "Edit one's own comment", body=CommentPatch, response=CommentJson,
          tag="discussion", errors=(400, 401, 403, 404, 409, 413))
def edit_comment(cid):
    user = signed_in_user()
    comment = comment_for(user, cid)
    data = parse(CommentPatch)
    services.edit_comment(user, comment, body=data.body)
    db.session.commit()
    return jsonify(comment_json(comment))


@endpoint("/comments/<int:cid>", "DELETE", "Delete a comment (its author or an editor); the thread stays readable",
          response=NO_CONTENT, status=204, tag="discussion", errors=(401, 403, 404))
def delete_comment(cid):
    user = signed_in_user()
    services.delete_comment(user, comment_for(user, cid))
    db.session.commit()
    return "", 204


@endpoint("/comments/<int:cid>/resolve", "POST", "Resolve the comment's thread (editors and the thread's author)",
          response=CommentJson, tag="discussion", errors=(401, 403, 404))
def resolve_comment(cid):
    user = signed_in_user()
    thread = services.resolve(user, comment_for(user, cid))
    db.session.commit()
    return jsonify(comment_json(thread))


@endpoint("/comments/<int:cid>/reopen", "POST", "Reopen the comment's thread (editors and the thread's author)",
          response=CommentJson, tag="discussion", errors=(401, 403, 404))
def reopen_comment(cid):
    user = signed_in_user()
    thread = services.reopen(user, comment_for(user, cid))
    db.session.commit()
    return jsonify(comment_json(thread))


# --- amendments ----------------------------------------------------------------------------

@endpoint("/sections/<int:sid>/amendments", "POST", "Suggest a new text for a section (member)",
          body=AmendmentRequest, response=AmendmentDiffJson, status=201, tag="discussion",
          errors=(400, 401, 403, 404, 409, 413))
def propose_amendment(sid):
    user = signed_in_user()
    section = section_for(user, sid)
    data = parse(AmendmentRequest)
    amendment = services.propose_amendment(user, section, body=data.body, base_revision=data.base_revision,
                                           rationale=data.rationale)
    db.session.commit()
    return jsonify(amendment_json(amendment)), 201


@endpoint("/sections/<int:sid>/amendments", "GET",
          "Suggested changes of a section (?status=proposed|accepted|rejected)",
          response=page_of(AmendmentDiffJson), tag="discussion", errors=(400, 401, 404), query=AmendmentsQuery)
def list_amendments(sid):
    section = section_for(signed_in_user(), sid)
    query = services.amendments_query().where(Amendment.section_id == section.id)
    status = request.args.get("status")
    if status is not None:
        if status not in ("proposed", "accepted", "rejected"):
            raise Invalid(_("Unknown status."),
                          fields={"status": _("One of %(choices)s.", choices="proposed, accepted, rejected")})
        query = query.where(Amendment.status == status)
    return jsonify(paginate(query, Amendment.id, amendment_json))


@endpoint("/amendments/<int:aid>", "GET", "One suggested change, with its diff against its base",
          response=AmendmentDiffJson, tag="discussion", errors=(401, 404))
def get_amendment(aid):
    return jsonify(amendment_json(amendment_for(signed_in_user(), aid)))


@endpoint("/amendments/<int:aid>/accept", "POST",
          "Accept (editor): merged onto the current text as a revision credited to its author (and to the editor, "
          "when merged by hand); 409 when it no longer merges",
          body=AcceptRequest, response=AcceptedJson, tag="discussion", errors=(400, 401, 403, 404, 409, 413))
def accept_amendment(aid):
    user = signed_in_user()
    amendment = amendment_for(user, aid)
    data = parse(AcceptRequest)
    if (data.body is None) != (data.base_revision is None):
        raise Invalid(_("Give both the resolved text and the revision it was written on, or neither."),
                      fields={"body" if data.body is None else "base_revision": _("Required with the other.")})
    result = services.accept_amendment(user, amendment, body=data.body, base_revision=data.base_revision)
    db.session.commit()
    return jsonify({"amendment": amendment_json(amendment, with_diff=False), "section": section_json(result.section),
                    "revision": revision_json(result.revision), "merged": result.merged, "created": result.created})


@endpoint("/amendments/<int:aid>/reject", "POST", "Reject a suggested change, with a reason (editor)",
          body=RejectRequest, response=AmendmentJson, tag="discussion", errors=(400, 401, 403, 404, 409))
def reject_amendment(aid):
    user = signed_in_user()
    amendment = amendment_for(user, aid)
    data = parse(RejectRequest)
    services.reject_amendment(user, amendment, reason=data.reason)
    db.session.commit()
    return jsonify(amendment_json(amendment, with_diff=False))


@endpoint("/amendments/<int:aid>/support", "POST", "Support a suggested change (member, not its author)",
          response=AmendmentJson, tag="discussion", errors=(401, 403, 404, 409))
def support_amendment(aid):
    user = signed_in_user()
    amendment = amendment_for(user, aid)
    services.support_amendment(user, amendment)
    db.session.commit()
    db.session.refresh(amendment)
    return jsonify(amendment_json(amendment, with_diff=False))


@endpoint("/amendments/<int:aid>/support", "DELETE", "Withdraw one's support", response=AmendmentJson, tag="discussion",
          errors=(401, 404, 409))
def withdraw_support(aid):
    user = signed_in_user()
    amendment = amendment_for(user, aid)
    services.withdraw_support(user, amendment)
    db.session.commit()
    db.session.refresh(amendment)
    return jsonify(amendment_json(amendment, with_diff=False))
