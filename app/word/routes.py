"""Pages: a draft or a version as a Word file (.docx). Same rights as the PDF downloads: whoever reads it."""
from __future__ import annotations

from flask import Blueprint, Response, request
from flask_login import current_user, login_required

from app.concurrency import costly
from app.documents.permissions import document_for
from app.documents.services import version_for
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
