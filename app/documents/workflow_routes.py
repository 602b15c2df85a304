"""Pages of a document's workflow: the coordinator's transitions, publishing, and the public statement.

Apart from routes.py (reading and editing the text) as workflow.py is apart from services.py: these pages
change when the workflow or publishing does, and the public statement is the one page read without signing in.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.documents import workflow
from app.documents.forms import ConfirmTransitionForm
from app.documents.models import STATUS_NAMES
from app.documents.permissions import document_for
from app.documents.rendering import render_cached
from app.documents.services import section_numbers, version_state
from app.endorsements import consequences
from app.endorsements.services import endorsements_of, make_final, reminder_days, reserved_sections
from app.errors import Invalid, PermissionDenied
from app.extensions import db
from app.forms import apply_errors
from app.i18n import _, in_language
from app.util import iso, public_url

bp = Blueprint("workflow", __name__)


def _coordinated_document(did):
    document = document_for(current_user, did)
    if not workflow.can_transition(current_user, document):
        raise PermissionDenied(_("Only coordinators move a document through its workflow."))
    return document


def _final_number(document) -> str:
    return str(document.final_version.number) if document.final_version else ""


def _stale(document, form) -> bool:
    """Whether the document moved since the person read the confirmation (or this is its second submit).
    Posts without the confirmed state (the one-click steps, scripts) are not checked."""
    status, number = form.confirmed_status.data, form.confirmed_version.data
    return (status is not None and status != document.status) or \
        (number is not None and number != _final_number(document))


def _refuse_stale(document):
    flash(_("Nothing was done: the document changed since you read the confirmation (it is now %(status)s, "
            "final version: %(number)s). Read what would happen now and confirm again.",
            status=STATUS_NAMES[document.status], number=_final_number(document) or _("none")), "error")
    return redirect(url_for("documents.show", did=document.id))


def _make_final(user, document, form) -> None:
    """Makes the text final with the deadline and reminder days the coordinator chose (endorsements'
    make_final: checked before anything changes, and every representative told). A form posted without the
    reminder field (not from the confirmation page) keeps the installation's days."""
    days = form.reminder_days.data if "reminder_days" in request.form else None
    try:
        make_final(user, document, label=form.label.data or None, deadline=form.deadline.data or None,
                   reminder_days=days)
    except Invalid as exc:
        fields = (exc.details or {}).get("fields", {})
        if "endorsement_deadline" in fields:  # the API's name for the page's deadline field
            fields["deadline"] = fields.pop("endorsement_deadline")
        raise


def _confirm_page(document, to, form, status=200):
    if to == "final":
        figures = consequences.make_final(document)
    else:
        figures = None
    return render_template("documents/confirm_step.html", document=document, to=to, form=form,
                           figures=figures, standing=consequences.standing(document),
                           label=dict(workflow.allowed_transitions(document)).get(to)), status


@bp.get("/documents/<int:did>/transition")
@login_required
def confirm_transition(did):
    document = _coordinated_document(did)
    to = request.args.get("to")
    if (document.status, to) not in workflow.TRANSITIONS:
        flash(_("A document in the state “%(status)s” cannot take that step.", status=STATUS_NAMES[document.status]),
              "error")
        return redirect(url_for("documents.show", did=did))
    form = ConfirmTransitionForm(confirmed_status=document.status, confirmed_version=_final_number(document),
                                 reminder_days=", ".join(str(day) for day in reversed(reminder_days())))
    return _confirm_page(document, to, form)


@bp.post("/documents/<int:did>/transition")
@login_required
def transition(did):
    document = document_for(current_user, did)
    form = ConfirmTransitionForm()
    if form.validate_on_submit():
        to = request.form.get("to")
        if workflow.can_transition(current_user, document) and _stale(document, form):
            return _refuse_stale(document)
        try:
            if to == "final":
                _make_final(current_user, document, form)
            else:
                workflow.transition(current_user, document, to, form.label.data or None)
        except Invalid as exc:
            if form.confirmed_status.data is None:  # not from the confirmation page: the error's own answer
                raise
            apply_errors(form, exc)  # rolls back: nothing changed
            db.session.refresh(document)
            return _confirm_page(document, to, form, status=400)
        db.session.commit()
        flash(_("The document is now %(status)s.", status=STATUS_NAMES[document.status]), "success")
    return redirect(url_for("documents.show", did=did))


@bp.get("/documents/<int:did>/publish")
@login_required
def confirm_publish(did):
    document = _coordinated_document(did)
    publish_it = request.args.get("published", "1") == "1"
    if document.final_version is None or publish_it == (document.published_at is not None):
        flash(_("The statement is already public.") if document.published_at else
              _("The statement is not public.") if document.final_version else
              _("Only a document with a final version can be published."), "info")
        return redirect(url_for("documents.show", did=did))
    form = ConfirmTransitionForm(confirmed_status=document.status, confirmed_version=_final_number(document))
    return render_template("documents/confirm_publish.html", document=document, form=form, publish_it=publish_it,
                           standing=consequences.standing(document))


@bp.post("/documents/<int:did>/publish")
@login_required
def publish(did):
    document = document_for(current_user, did)
    form = ConfirmTransitionForm()
    if form.validate_on_submit():
        publish_it = request.form.get("published") == "1"
        if workflow.can_transition(current_user, document):
            if form.confirmed_version.data is not None and form.confirmed_version.data != _final_number(document):
                return _refuse_stale(document)
            if form.confirmed_status.data is not None and publish_it == (document.published_at is not None):
                flash(_("Nothing was done: the statement was already public.") if publish_it
                      else _("Nothing was done: the statement was already not public."), "info")
                return redirect(url_for("documents.show", did=did))
        workflow.publish(current_user, document, publish_it)
        db.session.commit()
        flash(_("The statement is public.") if publish_it else _("The statement is no longer public."), "success")
    return redirect(url_for("documents.show", did=did))


# --- public statements -------------------------------------------------------------

# How long a browser or a proxy may keep a public badge before asking again: an endorsement withdrawn shows
# within this time on the websites that carry its badge.
BADGE_MAX_AGE = 300


def _public_data(document) -> dict:
    """What the public page and its JSON say: the final version's text, its current endorsements and,
    apart, the withdrawn ones, the reservations per section, and a roadmap's actions with their progress."""
    version = document.final_version
    state = version_state(version)
    numbers = section_numbers([s["level"] for s in state])
    every = endorsements_of(version)
    reserved = reserved_sections(version)
    return {"version": version, "state": state, "numbers": numbers,
            "endorsements": [e for e in every if e.withdrawn_at is None],
            "withdrawn": sorted((e for e in every if e.withdrawn_at is not None), key=lambda e: e.withdrawn_at),
            "reserved": reserved, "consensus_map": {entry["section_id"]: entry for entry in reserved},
            "actions": _public_actions(document, version)}


def _public_actions(document, version) -> list[dict] | None:
    """A roadmap's actions as endorsed (version_actions), each with its latest follow-up entry: the status
    it set (or the endorsed one) and the day it was "as of". None for a statement."""
    from app.roadmaps.models import ACTION_STATUSES
    from app.roadmaps.services import progress_of, version_actions

    if document.kind != "roadmap":
        return None
    actions = version_actions(version)
    progress = progress_of(document, [a["action_id"] for a in actions])
    for action in actions:
        entry = progress.get(action["action_id"])
        latest = entry["latest"] if entry else None
        now = entry["status"] if entry and entry["status"] else action["status"]
        action["progress"] = {"status": now, "status_label": str(ACTION_STATUSES.get(now, now)),
                              "as_of": latest["date"] if latest else None, "note": latest["note"] if latest else ""}
    return actions


@bp.get("/public/<key>")
def statement(key):
    if key.endswith(".json"):
        return statement_json(key[:-5])
    document = workflow.published_document(key)
    if document is None:
        abort(404)
    data = _public_data(document)
    version = data["version"]
    rendered = [(n, s, render_cached(s["body"], f"p-{s['section_id']}-"))
                for n, s in zip(data["numbers"], data["state"])]
    return render_template("documents/public.html", document=document, version=version, sections=rendered,
                           endorsements=data["endorsements"], withdrawn=data["withdrawn"],
                           consensus_map=data["consensus_map"], actions=data["actions"],
                           as_of=_as_of(data["endorsements"], version), public_languages=public_languages(document),
                           badges=_badges(document, version, data["endorsements"]))


def _badges(document, version, endorsements) -> list[dict]:
    """For each endorsing organisation: its badge's address and the HTML it can paste into its website."""
    page = public_url("workflow.statement", key=document.public_key)
    out = []
    for endorsement in endorsements:
        svg = public_url("workflow.badge", key=document.public_key, oid=endorsement.organisation_id)
        alt = _("%(organisation)s endorsed “%(title)s”", organisation=endorsement.organisation.name,
                title=version.title)
        snippet = render_template("documents/_badge_snippet.html", page=page, svg=svg, alt=alt)
        out.append({"organisation": endorsement.organisation, "svg": svg, "snippet": snippet.strip()})
    return out


@bp.get("/public/<key>/badge/<int:oid>.svg")
def badge(key, oid):
    """A small SVG an endorsing organisation shows on its own website: who endorsed what, when, and where to
    check it (the public page's address, also as a QR code). 404 unless the organisation's endorsement of
    the published final version stands."""
    from app.export.context import qr_svg

    document = workflow.published_document(key)
    if document is None:
        abort(404)
    version = document.final_version
    endorsement = next((e for e in endorsements_of(version, include_withdrawn=False)
                        if e.organisation_id == oid), None)
    if endorsement is None:
        abort(404)
    page = public_url("workflow.statement", key=document.public_key)
    with in_language(document.language):  # the statement's language, whoever looks: one badge, cached as one
        svg = render_template("documents/badge.svg", endorsement=endorsement, version=version, page=page,
                              organisation=_clipped(endorsement.organisation.name, 44),
                              title=_clipped(version.title, 52), page_shown=_clipped(page, 58),
                              qr=qr_svg(page, _("QR code of %(url)s", url=page)))
    response = make_response(svg)
    response.mimetype = "image/svg+xml"
    response.cache_control.public = True
    response.cache_control.max_age = BADGE_MAX_AGE
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.add_etag()
    return response.make_conditional(request)


def _clipped(text: str, length: int) -> str:
    """What fits on one line of the badge; the whole text stays in its title and description."""
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


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


def _endorsement_json(e) -> dict:
    return {"organisation": e.organisation.name, "country": e.organisation.country,
            "signatory_name": e.signatory_name, "signatory_title": e.signatory_title,
            "note": e.note, "reservation": e.reservation,
            "reservation_section_id": e.reservation_section_id, "date": iso(e.created_at)}


def statement_json(key):
    document = workflow.published_document(key)
    if document is None:
        abort(404)
    data = _public_data(document)
    version, endorsements = data["version"], data["endorsements"]
    answer = {
        "title": version.title, "summary": version.summary, "kind": document.kind,
        "group": document.group.name, "status": document.status,
        "version": {"id": version.id, "number": version.number, "label": version.label,
                    "final_at": iso(version.created_at), "content_hash": version.content_hash,
                    "closed_at": iso(version.closed_at)},
        "sections": [{"number": n, "heading": s["heading"], "level": s["level"], "body": s["body"]}
                     for n, s in zip(data["numbers"], data["state"])],
        "endorsements_as_of": iso(_as_of(endorsements, version)),
        "endorsements": [_endorsement_json(e) for e in endorsements],
        "withdrawn": [{**_endorsement_json(e), "withdrawn_at": iso(e.withdrawn_at),
                       "withdrawal_reason": e.withdrawal_reason} for e in data["withdrawn"]],
        "reservations": [{"section_id": entry["section_id"], "number": entry["number"], "heading": entry["heading"],
                          "count": entry["count"],
                          "reservations": [{"organisation": r["organisation"], "reservation": r["reservation"]}
                                           for r in entry["reservations"]]}
                         for entry in data["reserved"]],
    }
    if data["actions"] is not None:
        answer["actions"] = [{"title": a["title"], "owners": [o["name"] for o in a["owners"]],
                              "lead": a["lead"]["name"] if a["lead"] else None, "start": a["start"], "due": a["due"],
                              "status": a["status"], "progress": {"status": a["progress"]["status"],
                                                                  "as_of": a["progress"]["as_of"],
                                                                  "note": a["progress"]["note"]}}
                             for a in data["actions"]]
    return jsonify(answer)
