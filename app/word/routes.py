"""Pages: a draft or a version as a Word file (.docx), with the rights of the PDF downloads (whoever reads
it); and a copy edited offline brought back in (editors and coordinators)."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.concurrency import costly
from app.documents import services as documents
from app.documents.permissions import document_for
from app.documents.services import version_for
from app.errors import PermissionDenied
from app.extensions import db
from app.groups.permissions import role_at_least, role_in
from app.i18n import _
from app.word import services

bp = Blueprint("word", __name__)


def docx_response(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype=services.DOCX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def with_comments() -> bool:
    return request.args.get("comments") in ("1", "true", "yes")


@bp.get("/documents/<int:did>/export.docx")
@login_required
@costly("RATELIMIT_EXPORT")
def document_docx(did):
    document = document_for(current_user, did)
    return docx_response(*services.export_docx(document, None, with_comments=with_comments()))


@bp.get("/versions/<int:vid>/export.docx")
@login_required
@costly("RATELIMIT_EXPORT")
def version_docx(vid):
    version = version_for(current_user, vid)
    return docx_response(*services.export_docx(version.document, version, with_comments=with_comments()))


@bp.app_template_global()
def can_update_from_word(user, document) -> bool:
    """Whether the document header offers "Update from a Word file"."""
    return (user.is_authenticated and document.status not in ("final", "closed")
            and role_at_least(role_in(user, document.group_id), "editor"))


def _document_to_update(did):
    document = document_for(current_user, did)
    if not role_at_least(role_in(current_user, document.group_id), "editor"):
        raise PermissionDenied(_("Only editors and coordinators update a document from a Word file."))
    return document


@bp.get("/documents/<int:did>/word-update")
@login_required
def update_from_word(did):
    """The upload form (not a costly request: only the upload is counted by the rate limit)."""
    return render_template("word/update.html", document=_document_to_update(did))


@bp.post("/documents/<int:did>/word-update")
@login_required
@costly("RATELIMIT_EXPORT")
def update_from_word_upload(did):
    document = _document_to_update(did)
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    if not data:
        flash(_("Choose the Word file (.docx) to upload."), "error")
        return render_template("word/update.html", document=document), 400
    db.session.commit()  # nothing written yet: the conversion runs with no transaction open
    report = services.update_from_docx(current_user, document, data=data, filename=upload.filename)
    db.session.commit()
    flash(services.update_message(report), "success")
    return redirect(url_for("documents.show", did=document.id))


@bp.get("/documents/<int:did>/compare/export.docx")
@login_required
@costly("RATELIMIT_EXPORT")
def compare_docx(did):
    """The comparison of two versions (?from=VID&to=VID|current) as Word tracked changes: whoever may
    download the PDF redline."""
    document = document_for(current_user, did)
    old = documents.compared_version(document, "from", request.args.get("from"))
    new = documents.compared_version(document, "to", request.args.get("to"))
    return docx_response(*services.export_redline_docx(document, old, new))
