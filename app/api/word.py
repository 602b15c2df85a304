"""API: Word files (.docx) out of drafts and versions, and a document made from an uploaded .docx (the
multipart form of POST /groups/{gid}/documents, declared in documents.py)."""
from __future__ import annotations

from typing import Literal

from flask import jsonify, request
from pydantic import BaseModel, Field

from app.api import Media, endpoint, signed_in_user
from app.api.export import CompareQuery
from app.concurrency import costly
from app.documents import services as documents
from app.documents.permissions import document_for
from app.errors import Invalid
from app.extensions import db
from app.i18n import LANGUAGES, _
from app.validation import FieldErrors, clean_choice, clean_text
from app.word import services
from app.word.routes import docx_response

DOCX = Media("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "The Word file (.docx), as an attachment")


class DocxQuery(BaseModel):
    comments: Literal[0, 1] | None = Field(None, description="1: the open comments as Word comments on their words")


def _comments_wanted() -> bool:
    """?comments=1 or 0 (or absent); anything else is refused, as the description says."""
    value = request.args.get("comments")
    if value not in (None, "0", "1"):
        raise Invalid(_("comments is 1 or 0."), fields={"comments": _("1 or 0.")})
    return value == "1"


def create_document_from_upload(user, group):
    """The multipart form of creating a document: a `file` (.docx, or Markdown), and optional title, kind
    (statement by default) and summary fields."""
    upload = request.files.get("file")
    if upload is None:
        raise Invalid(_("Send the file in the multipart field `file`."), fields={"file": _("Required.")})
    data = upload.read()
    errors = FieldErrors()
    title = clean_text(errors, "title", request.form.get("title"), max_length=300, required=False) or None
    kind = clean_choice(errors, "kind", request.form.get("kind") or "statement", documents.DOCUMENT_KINDS)
    summary = clean_text(errors, "summary", request.form.get("summary"), max_length=5000, required=False,
                         multiline=True) or None
    language = request.form.get("language") or None
    if language is not None and language not in LANGUAGES:
        errors.add("language", _("Choose one of the languages offered."))
    errors.raise_if_any()
    if services.is_docx_upload(upload.filename, data):
        # All this request wrote so far is its token's "last used" time (auth's _mark_used), a fact of its own:
        # committed now, so that the conversion runs with no transaction open (import_docx, run_unlocked).
        db.session.commit()
        report = services.import_docx(user, group, data=data, title=title, kind=kind, summary=summary,
                                      language=language)
        document, extra = report.document, {"import": {"comments": report.comments,
                                                        "suggestions": report.suggestions,
                                                        "left_out": report.left_out}}
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid(_("The file is neither UTF-8 Markdown nor a Word file (.docx)."),
                          fields={"file": _("Not a Markdown file (UTF-8) or a Word file (.docx).")}) from None
        document, extra = documents.import_document(user, group, markdown_text=text, title=title, kind=kind,
                                                    summary=summary, language=language), {}
    db.session.commit()
    from app.api.documents import document_json

    return jsonify(document_json(document) | extra), 201


@endpoint("/documents/<int:did>/export.docx", "GET", "The current text as a Word file (.docx)", tag="export",
          response=DOCX, query=DocxQuery, errors=(400, 401, 404, 429))
@costly("RATELIMIT_EXPORT")
def document_docx(did):
    user = signed_in_user()
    document = document_for(user, did)
    return docx_response(*services.export_docx(document, None, with_comments=_comments_wanted()))


@endpoint("/versions/<int:vid>/export.docx", "GET", "A version as a Word file (.docx)", tag="export",
          response=DOCX, query=DocxQuery, errors=(400, 401, 404, 429))
@costly("RATELIMIT_EXPORT")
def version_docx(vid):
    user = signed_in_user()
    version = documents.version_for(user, vid)
    return docx_response(*services.export_docx(version.document, version, with_comments=_comments_wanted()))


class SectionOutcomeOut(BaseModel):
    outcome: Literal["saved", "suggested", "unchanged", "not_applied"] = Field(
        description="saved: a new revision by you; suggested: your suggested change (the section changed in "
                    "Accord since the export); unchanged; not_applied: see reason")
    heading: str
    section_id: int | None = Field(None, description="None for a section added in Word")
    revision: int | None = Field(None, description="The new revision, when saved")
    amendment_id: int | None = Field(None, description="The suggested change, when suggested")
    reason: str | None = Field(None, description="Why it was suggested or not applied")


class WordUpdateOut(BaseModel):
    document_id: int
    message: str
    saved: int
    suggested: int
    not_applied: int
    sections: list[SectionOutcomeOut]


def update_json(report: services.UpdateReport) -> dict:
    from dataclasses import asdict

    return {"document_id": report.document.id, "message": services.update_message(report),
            "saved": report.count("saved"), "suggested": report.count("suggested"),
            "not_applied": report.count("not_applied"), "sections": [asdict(s) for s in report.sections]}


@endpoint("/documents/<int:did>/docx", "POST", "Update the document from a copy exported as .docx and edited "
          "offline: changed sections are saved, or suggested where they changed in Accord since",
          tag="export", response=WordUpdateOut, upload="file", errors=(400, 401, 403, 404, 409, 413, 429))
@costly("RATELIMIT_EXPORT")
def update_from_docx(did):
    user = signed_in_user()
    document = document_for(user, did)
    upload = request.files.get("file")
    if upload is None:
        raise Invalid(_("Send the Word file in the multipart field `file`."), fields={"file": _("Required.")})
    data = upload.read()
    db.session.commit()  # the token's "last used" time: committed, so the conversion runs with no transaction
    report = services.update_from_docx(user, document, data=data, filename=upload.filename)
    db.session.commit()
    return jsonify(update_json(report))


@endpoint("/documents/<int:did>/compare/export.docx", "GET",
          "A comparison of two versions (?from=VID&to=VID|current) as a Word file with tracked changes",
          tag="export", response=DOCX, query=CompareQuery, errors=(400, 401, 404, 429))
@costly("RATELIMIT_EXPORT")
def compare_docx(did):
    user = signed_in_user()
    document = document_for(user, did)
    # as the PDF redline and the compare page read them
    old, new = (documents.compared_version(document, name, request.args.get(name)) for name in ("from", "to"))
    return docx_response(*services.export_redline_docx(document, old, new))
