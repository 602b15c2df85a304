"""Pages: downloading PDFs (with a progress page for slow renders), the public sealed PDF, /verify."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from app.auth.forms import EmptyForm
from app.concurrency import costly
from app.documents import services as documents
from app.documents import workflow
from app.documents.permissions import document_for
from app.documents.services import version_for
from app.errors import AccordError
from app.export import board_pack, services, specs, verification
from app.export.messages import translated
from app.export.models import Export
from app.extensions import reads_only
from app.i18n import _
from app.organisations.services import organisation_for

bp = Blueprint("export", __name__)


def pdf_response(export: Export, *, public: bool = False):
    response = Response(services.stored_pdf(export), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response.headers["ETag"] = f'"{export.sha256}"'
    response.headers["X-Content-SHA256"] = export.sha256
    response.headers["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    return response


def _answer(export: Export, *, status_url: str):
    """The file when it is ready; otherwise the progress page (which refreshes itself while rendering)."""
    if export.status == "ready":
        return pdf_response(export)
    return redirect(status_url)


@bp.get("/versions/<int:vid>/export.pdf")
@login_required
@costly("RATELIMIT_EXPORT")
def version_pdf(vid):
    version = version_for(current_user, vid)
    export = services.render_in_background(current_user, specs.version_spec(version))
    return _answer(export, status_url=url_for("export.status", eid=export.id))


@bp.get("/documents/<int:did>/export.pdf")
@login_required
@costly("RATELIMIT_EXPORT")
def document_pdf(did):
    document = document_for(current_user, did)
    export = services.render_in_background(current_user, specs.current_spec(document))
    return _answer(export, status_url=url_for("export.status", eid=export.id))


@bp.get("/documents/<int:did>/compare/export.pdf")
@login_required
@costly("RATELIMIT_EXPORT")
def compare_pdf(did):
    document = document_for(current_user, did)
    old = documents.compared_version(document, "from", request.args.get("from"))
    new = documents.compared_version(document, "to", request.args.get("to"))
    export = services.render_in_background(current_user, specs.redline_spec(document, old, new))
    return _answer(export, status_url=url_for("export.status", eid=export.id))


@bp.get("/versions/<int:vid>/board-pack/<int:oid>.pdf")
@login_required
@costly("RATELIMIT_EXPORT")
def board_pack_pdf(vid, oid):
    version = version_for(current_user, vid)
    organisation = organisation_for(oid)
    board_pack.require_download(current_user, organisation, version)
    export = services.render_in_background(current_user, board_pack.board_pack_spec(version, organisation))
    return _answer(export, status_url=url_for("export.status", eid=export.id))


@bp.app_template_global()
def board_pack_organisations(version):
    """The organisations whose board pack of this final version the signed-in person may download."""
    return board_pack.organisations_for(current_user, version) if current_user.is_authenticated else []


@bp.get("/exports/<int:eid>")
@login_required
def status(eid):
    export = services.export_for(current_user, eid)
    pack = board_pack.organisation_of_key(export.key)
    if pack is not None:
        retry = url_for("export.board_pack_pdf", vid=pack[0], oid=pack[1])
    elif export.kind == "redline":
        retry = url_for("documents.compare", did=export.document_id)
    elif export.version_id is not None:
        retry = url_for("export.version_pdf", vid=export.version_id)
    else:
        retry = url_for("export.document_pdf", did=export.document_id)
    return render_template("export/progress.html", export=export, retry_url=retry, document=export.document,
                           failure=translated(export.error),
                           file_url=url_for("export.file", eid=export.id),
                           status_url=url_for("api.export_status", eid=export.id)), \
        503 if export.status == "failed" else 200


@bp.get("/exports/<int:eid>/file")
@login_required
def file(eid):
    export = services.export_for(current_user, eid)
    if export.status != "ready":
        return redirect(url_for("export.status", eid=eid))
    return pdf_response(export)


# --- the public sealed PDF of a published statement --------------------------------------------

@bp.get("/public/<key>/export.pdf")
def public_pdf(key):
    document = workflow.published_document(key)
    if document is None:
        abort(404)
    spec = specs.published_final_spec(document)
    export = services.find(spec.key)
    if request.args.get("status") and export is not None:  # the progress page asking
        return jsonify({"status": export.status})
    if export is None or export.status != "ready":
        export = services.render_in_background(None, spec)
    if export.status == "ready":
        return pdf_response(export, public=True)
    return render_template("export/progress.html", export=export, retry_url=request.path, file_url=request.path,
                           failure=translated(export.error),
                           status_url=request.path + "?status=1", document=document, public=True), \
        503 if export.status == "failed" else 200


# --- verifying a PDF ---------------------------------------------------------------------------

@bp.route("/verify", methods=["GET", "POST"])
@costly("RATELIMIT_VERIFY")
@reads_only
def verify():
    """The verdict as the page's headline; for a file changed after sealing, the sealed revision to download
    (a data: link built from the upload itself: nothing is stored)."""
    form = EmptyForm()
    result, error, error_verdict, status_code = None, None, None, 200
    if request.method == "POST" and form.validate_on_submit():
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            error, status_code = _("Choose a PDF file to check."), 400
        else:
            try:
                result = verification.verify(upload.read())
            except AccordError as exc:
                error, status_code = exc.message, exc.status
                error_verdict = exc.details.get("verdict")
    elif request.method == "POST":
        error, status_code = _("The form expired. Choose the file again and resubmit."), 400
    return render_template("export/verify.html", form=form, result=result, error=error,
                           error_verdict=error_verdict), status_code
