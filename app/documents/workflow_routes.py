"""Pages of a document's workflow: the coordinator's transitions, publishing, and the public statement.

Apart from routes.py (reading and editing the text) as workflow.py is apart from services.py: these pages
change when the workflow or publishing does, and the public statement is the one page read without signing in.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.forms import EmptyForm
from app.documents import workflow
from app.documents.models import STATUS_NAMES
from app.documents.permissions import document_for
from app.documents.rendering import render_cached
from app.documents.services import section_numbers, version_state
from app.endorsements.services import endorsements_of
from app.extensions import db
from app.i18n import _
from app.util import iso

bp = Blueprint("workflow", __name__)


@bp.post("/documents/<int:did>/transition")
@login_required
def transition(did):
    document = document_for(current_user, did)
    if EmptyForm().validate_on_submit():
        workflow.transition(current_user, document, request.form.get("to"), request.form.get("label") or None)
        db.session.commit()
        flash(_("The document is now %(status)s.", status=STATUS_NAMES[document.status]), "success")
    return redirect(url_for("documents.show", did=did))


@bp.post("/documents/<int:did>/publish")
@login_required
def publish(did):
    document = document_for(current_user, did)
    if EmptyForm().validate_on_submit():
        publish_it = request.form.get("published") == "1"
        workflow.publish(current_user, document, publish_it)
        db.session.commit()
        flash(_("The statement is public.") if publish_it else _("The statement is no longer public."), "success")
    return redirect(url_for("documents.show", did=did))


# --- public statements -------------------------------------------------------------

def _public_data(document):
    version = document.final_version
    state = version_state(version)
    numbers = section_numbers([s["level"] for s in state])
    endorsements = endorsements_of(version, include_withdrawn=False)
    return version, state, numbers, endorsements


@bp.get("/public/<key>")
def statement(key):
    if key.endswith(".json"):
        return statement_json(key[:-5])
    document = workflow.published_document(key)
    if document is None:
        abort(404)
    version, state, numbers, endorsements = _public_data(document)
    rendered = [(n, s, render_cached(s["body"], f"p-{s['section_id']}-")) for n, s in zip(numbers, state)]
    return render_template("documents/public.html", document=document, version=version, sections=rendered,
                           endorsements=endorsements, as_of=_as_of(endorsements, version),
                           public_languages=public_languages(document))


def public_languages(document) -> dict:
    """The public page's languages: of an original, its published translations that follow its final version;
    of a translation, its original (when public)."""
    from app.documents.translations import original_of, published_translations

    if document.translation_of_id is None:
        return {"original": None, "translations": published_translations(document)}
    original = original_of(document)
    return {"original": original if original.published_at else None, "translations": []}


def _as_of(endorsements, version):
    dates = [e.created_at for e in endorsements] + [version.created_at]
    return max(dates)


def statement_json(key):
    document = workflow.published_document(key)
    if document is None:
        abort(404)
    version, state, numbers, endorsements = _public_data(document)
    return jsonify({
        "title": version.title, "summary": version.summary, "kind": document.kind,
        "group": document.group.name, "status": document.status,
        "version": {"id": version.id, "number": version.number, "label": version.label,
                    "final_at": iso(version.created_at), "content_hash": version.content_hash,
                    "closed_at": iso(version.closed_at)},
        "sections": [{"number": n, "heading": s["heading"], "level": s["level"], "body": s["body"]}
                     for n, s in zip(numbers, state)],
        "endorsements_as_of": iso(_as_of(endorsements, version)),
        "endorsements": [{"organisation": e.organisation.name, "country": e.organisation.country,
                          "signatory_name": e.signatory_name, "signatory_title": e.signatory_title,
                          "note": e.note, "reservation": e.reservation,
                          "reservation_section_id": e.reservation_section_id, "date": iso(e.created_at)}
                         for e in endorsements],
    })
