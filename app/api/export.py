"""API: PDF exports (sealed final versions, drafts, comparisons) and verifying a PDF.

GET .../export.pdf answers a stored export at once. Otherwise a thread of the
worker renders it while the request waits up to EXPORT_API_WAIT_SECONDS
(20 s; a small document takes one or two): done by then, the answer is the
PDF (200); not yet, it is 202 with Retry-After and, in Location, the export's
status (GET /api/v1/exports/{eid}, whose file_url gives the PDF once ready).
So no worker is held past gunicorn's timeout by a large document.
"""
from __future__ import annotations

from typing import Literal

from flask import current_app, jsonify, request, url_for
from pydantic import BaseModel, ConfigDict, Field

from app.api import Media, endpoint, signed_in_user
from app.api.documents import VersionOrCurrent
from app.api.fields import choice
from app.api.serialise import Answer, Timestamp
from app.concurrency import costly
from app.documents.permissions import document_for
from app.documents.services import compared_version, version_for
from app.errors import Invalid
from app.export import board_pack, services, specs, verification
from app.export.messages import EXPORT_FAILED, translated
from app.export.models import EXPORT_KINDS, EXPORT_STATUSES
from app.export.routes import pdf_response
from app.export.validate import VERDICTS
from app.extensions import reads_only
from app.i18n import _, gettext
from app.organisations.services import organisation_for
from app.util import iso

PDF = Media("application/pdf", "The PDF, as an attachment (ETag and X-Content-SHA256: its SHA-256)")


class ExportJson(Answer):
    id: int
    kind: choice(EXPORT_KINDS)
    status: choice(EXPORT_STATUSES)
    document_id: int
    version_id: int | None
    sha256: str | None
    size: int
    pages: int
    error: str | None
    created_at: Timestamp
    finished_at: Timestamp | None
    file_url: str | None = Field(description="Where the PDF is, once ready")


# Ready: the PDF. Still rendering after EXPORT_API_WAIT_SECONDS: 202, Retry-After, and in Location its status.
PDF_OR_RENDERING = {200: PDF, 202: ExportJson}


def export_json(export) -> dict:
    return {"id": export.id, "kind": export.kind, "status": export.status, "document_id": export.document_id,
            "version_id": export.version_id, "sha256": export.sha256, "size": export.size, "pages": export.pages,
            "error": translated(export.error) or None, "created_at": iso(export.created_at),
            "finished_at": iso(export.finished_at),
            "file_url": url_for("api.export_file", eid=export.id) if export.status == "ready" else None}


def _obtain(user, spec):
    return services.render_in_background(user, spec, wait=current_app.config["EXPORT_API_WAIT_SECONDS"])


def _answer(export):
    if export.status == "ready":
        return pdf_response(export)
    if export.status == "failed":
        message = translated(export.error) or gettext(EXPORT_FAILED)
        return jsonify({"error": {"code": "export_failed", "message": message,
                                  "details": {"export": export_json(export)}}}), 503
    response = jsonify(export_json(export))
    response.status_code = 202
    response.headers["Retry-After"] = "5"
    response.headers["Location"] = url_for("api.export_status", eid=export.id)
    return response


@endpoint("/versions/<int:vid>/export.pdf", "GET",
          "The version as PDF: the final version sealed (PAdES), any other marked DRAFT; 202 while another "
          "request renders it", response=PDF_OR_RENDERING, tag="export", errors=(401, 404, 429, 503))
@costly("RATELIMIT_EXPORT")
def version_pdf(vid):
    user = signed_in_user()
    version = version_for(user, vid)
    return _answer(_obtain(user, specs.version_spec(version)))


@endpoint("/documents/<int:did>/export.pdf", "GET", "The current text as PDF, marked DRAFT on every page",
          response=PDF_OR_RENDERING, tag="export", errors=(401, 404, 429, 503))
@costly("RATELIMIT_EXPORT")
def document_pdf(did):
    user = signed_in_user()
    document = document_for(user, did)
    return _answer(_obtain(user, specs.current_spec(document)))


class CompareQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: VersionOrCurrent | None = Field(None, alias="from", description="A version id of the document, or "
                                           "current (the default)")
    to: VersionOrCurrent | None = Field(None, description="A version id of the document, or current (the default)")


@endpoint("/documents/<int:did>/compare/export.pdf", "GET",
          "A redline of two versions (?from=VID&to=VID|current) as PDF", response=PDF_OR_RENDERING,
          tag="export", errors=(400, 401, 404, 429, 503), query=CompareQuery)
@costly("RATELIMIT_EXPORT")
def compare_pdf(did):
    user = signed_in_user()
    document = document_for(user, did)
    old, new = (compared_version(document, name, request.args.get(name)) for name in ("from", "to"))
    return _answer(_obtain(user, specs.redline_spec(document, old, new)))


@endpoint("/versions/<int:vid>/board-pack/<int:oid>", "GET",
          "An organisation's board pack of a final version as PDF (not sealed): the final text, a redline since "
          "the last version the organisation endorsed or its people commented on (else since the previous final "
          "version), and what became of its people's comments and suggested changes (accepted, rejected with the "
          "reason, resolved, open). For the organisation's representatives, its people in the group and the "
          "group's coordinators (403 for other members); 409 `not_final` for a version that is not final; 202 "
          "while it renders", response=PDF_OR_RENDERING, tag="export", errors=(401, 403, 404, 409, 429, 503))
@costly("RATELIMIT_EXPORT")
def board_pack_pdf(vid, oid):
    user = signed_in_user()
    version = version_for(user, vid)
    organisation = organisation_for(oid)
    board_pack.require_download(user, organisation, version)
    return _answer(_obtain(user, board_pack.board_pack_spec(version, organisation)))


@endpoint("/exports/<int:eid>", "GET", "An export's status (rendering, ready, failed)", response=ExportJson,
          tag="export", errors=(401, 404))
def export_status(eid):
    return jsonify(export_json(services.export_for(signed_in_user(), eid)))


@endpoint("/exports/<int:eid>/file", "GET", "A stored export's PDF", response=PDF_OR_RENDERING, tag="export",
          errors=(401, 404, 409))
def export_file(eid):
    export = services.export_for(signed_in_user(), eid)
    if export.status != "ready":
        return _answer(export)
    return pdf_response(export)


class TimestampJson(Answer):
    at: str | None
    authority: str | None
    valid: bool
    trusted: bool


class LaterSignatureJson(Answer):
    kind: choice(("signature", "document_time_stamp"))
    signer: str | None
    field: str | None
    at: str | None


class SealedRevisionJson(Answer):
    verdict: choice(VERDICTS)
    size: int
    sha256: str
    pdf_base64: str


class VerifiedDocumentJson(Answer):
    id: int
    title: str
    version_number: int
    version_label: str
    version_name: str
    final_at: Timestamp


class VerifiedEndorsementJson(Answer):
    id: int
    organisation: str | None = None
    country: str | None = None
    signatory_name: str | None = None
    date: Timestamp | None = None
    withdrawn: bool | None
    withdrawn_at: Timestamp | None = None
    missing: Literal[True] | None = None


class VerificationJson(Answer):
    verdict: choice(VERDICTS)
    verdict_text: str
    genuine: bool
    signature_valid: bool
    intact: bool
    made_by_this_installation: bool
    signed: bool
    modified_after_signing: bool
    modification: str | None
    signer: str | None
    signer_certificate_sha256: str | None
    signed_at: str | None
    timestamp: TimestampJson | None
    later_signatures: list[LaterSignatureJson]
    problem: str | None
    sha256: str
    version_id: int | None
    document_id: int | None
    content_hash: str | None
    content_hash_matches: bool | None
    endorsements: list[VerifiedEndorsementJson]
    any_withdrawn: bool | None
    document: VerifiedDocumentJson | None
    stored_export: bool | None
    sealed_revision: SealedRevisionJson | None


@endpoint("/verify", "POST", "Check a PDF (multipart field `file`); no account needed. The answer's `verdict` is "
          "one stable code: `genuine` (sealed by this installation, unchanged); `genuine_with_later_signatures` "
          "(after the seal only signatures, time stamps or validation data were added, as pyHanko's difference "
          "analysis classifies them); `modified_after_sealing` (anything else added after the seal: page content, "
          "annotations, form fields, metadata, the identity keys; `sealed_revision` then holds the file as it was "
          "sealed, base64, with its own verdict); `seal_broken` (the signed bytes changed); "
          "`sealed_by_someone_else` (a valid signature whose certificate is not this installation's seal "
          "certificate); `no_seal`. `verdict_text` says it in words. Only the two genuine verdicts set `genuine`, "
          "`signature_valid`, `intact` and `made_by_this_installation` to true and leave `problem` null; version, "
          "content hash match and endorsements are looked up for them only. 400 `not_a_pdf` (details.verdict "
          "`unreadable`) for a file that cannot be read, 400 `not_checked` (details.verdict `not_checked`) for one "
          "that needs more than VERIFY_TIMEOUT or VERIFY_MEMORY_MB to check. `timestamp`: the seal's RFC 3161 "
          "time stamp (`at`; `authority`, as the TSA certificate names it; `valid`; `trusted`, its authority chains "
          "to VERIFY_TSA_ROOTS) or null when the seal carries none; one that does not verify gives `seal_broken`. "
          "`later_signatures`: each later signature or document time stamp (`kind` `signature` or "
          "`document_time_stamp`, `signer`, `field`, `at`). `document.version_name` names the version as the "
          "screens do (\"Version 4, Final version\"), with `document.title`; ids are secondary",
          response=VerificationJson, tag="export", auth=False, errors=(400, 413, 429), upload="file")
@costly("RATELIMIT_VERIFY")
@reads_only
def verify():
    if not request.content_type or not request.content_type.startswith("multipart/form-data"):
        raise Invalid(_("Send the PDF as multipart/form-data in the field `file`."),
                      fields={"file": _("A PDF file is required.")}, code="file_required")
    upload = request.files.get("file")
    if upload is None:
        raise Invalid(_("Send the PDF in the multipart field `file`."), fields={"file": _("A PDF file is required.")},
                      code="file_required")
    return jsonify(verification.verify(upload.read()))
