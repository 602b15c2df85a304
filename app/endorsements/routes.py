"""Pages: endorsing, withdrawing, the sign-off board, workflow buttons, the audit trail, public statements."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.audit.checkpoints import latest_checkpoint
from app.audit.services import verify_chain
from app.auth.forms import EmptyForm
from app.documents import workflow
from app.documents.permissions import document_for
from app.documents.rendering import render_cached
from app.documents.services import section_numbers, version_for, version_state
from app.endorsements import services
from app.endorsements.forms import DeadlineForm, EndorseForm, WithdrawForm
from app.endorsements.permissions import can_endorse, can_withdraw, takes_part_in
from app.errors import AccordError
from app.extensions import db
from app.forms import apply_errors, status_for
from app.groups.permissions import group_for, require_role
from app.util import iso, long_date, public_url

bp = Blueprint("endorsements", __name__)
public_bp = Blueprint("public", __name__)

# Refusals a form shows on its password field rather than as a page of their own.
_PASSWORD_CODES = ("password_required", "password_wrong")


@bp.app_template_global()
def may_endorse(version) -> bool:
    """Whether the reader may endorse this version for one of their organisations (links and buttons)."""
    return services.is_open_for_endorsement(version) and any(
        can_endorse(current_user, o.id, version) for o in services.organisations_user_represents(current_user))


@bp.app_template_global()
def may_withdraw(endorsement) -> bool:
    return endorsement.withdrawn_at is None and services.is_open_for_endorsement(endorsement.version) \
        and can_withdraw(current_user, endorsement)


@bp.app_template_global()
def audit_checkpoint(group_id: int):
    """The group's latest sealed checkpoint, for pages that publish it (templates/audit/_checkpoint.html)."""
    return latest_checkpoint(group_id)


@bp.post("/documents/<int:did>/transition")
@login_required
def transition(did):
    document = document_for(current_user, did)
    if EmptyForm().validate_on_submit():
        workflow.transition(current_user, document, request.form.get("to"), request.form.get("label") or None)
        db.session.commit()
        flash(f"The document is now {document.status}.", "success")
    return redirect(url_for("documents.show", did=did))


@bp.post("/documents/<int:did>/publish")
@login_required
def publish(did):
    document = document_for(current_user, did)
    if EmptyForm().validate_on_submit():
        publish_it = request.form.get("published") == "1"
        workflow.publish(current_user, document, publish_it)
        db.session.commit()
        flash("The statement is public." if publish_it else "The statement is no longer public.", "success")
    return redirect(url_for("documents.show", did=did))


@bp.route("/versions/<int:vid>/endorse", methods=["GET", "POST"])
@login_required
def endorse(vid):
    version = version_for(current_user, vid)
    organisations = services.organisations_user_represents(current_user)
    if not organisations or not takes_part_in(current_user, version.document.group_id):
        abort(403)
    form = EndorseForm()
    form.organisation_id.choices = [(str(o.id), o.name) for o in organisations]
    state = version_state(version)
    numbers = section_numbers([s["level"] for s in state])
    form.reservation_section_id.choices = [("", "No reservation")] + [
        (str(s["section_id"]), f"§{n} {s['heading']}") for n, s in zip(numbers, state)]
    if request.method == "GET":
        form.signatory_name.data = current_user.name
        form.content_hash.data = version.content_hash
    if form.validate_on_submit():
        try:
            services.endorse(
                current_user, version, organisation_id=form.organisation_id.data,
                signatory_name=form.signatory_name.data, signatory_title=form.signatory_title.data,
                note=form.note.data, reservation_section_id=form.reservation_section_id.data or None,
                reservation=form.reservation.data, content_hash=form.content_hash.data,
                password=form.password.data, password_required=True)
            db.session.commit()
            flash("Your organisation's endorsement is recorded.", "success")
            return redirect(url_for("documents.show_version", vid=vid) + "#endorsements")
        except AccordError as exc:
            if exc.status in (403, 404) and exc.code not in _PASSWORD_CODES:
                raise
            apply_errors(form, exc)
    return render_template("endorsements/endorse.html", version=version, document=version.document, form=form,
                           open=services.is_open_for_endorsement(version)), status_for(form)


@bp.route("/endorsements/<int:eid>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(eid):
    endorsement = services.endorsement_for(current_user, eid)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw(current_user, endorsement, form.reason.data)
            db.session.commit()
            flash(f"The endorsement of {endorsement.organisation.name} is withdrawn.", "success")
            return redirect(url_for("documents.show_version", vid=endorsement.version_id) + "#endorsements")
        except AccordError as exc:
            if exc.status in (403, 404):
                raise
            apply_errors(form, exc)
    return render_template("endorsements/withdraw.html", endorsement=endorsement, form=form), status_for(form)


def _signoff_page(version, deadline_form: DeadlineForm):
    return render_template("endorsements/signoff.html", version=version, document=version.document,
                           rows=services.signoff_board(version), open=services.is_open_for_endorsement(version),
                           deadline=services.deadline_of(version), deadline_form=deadline_form,
                           action_form=EmptyForm()), status_for(deadline_form)


@bp.get("/versions/<int:vid>/signoff")
@login_required
def signoff(vid):
    version = version_for(current_user, vid)
    require_role(current_user, version.document.group, "coordinator")
    form = DeadlineForm()
    deadline = services.deadline_of(version)
    form.deadline.data = deadline.isoformat() if deadline else ""
    return _signoff_page(version, form)


@bp.post("/versions/<int:vid>/deadline")
@login_required
def set_deadline(vid):
    version = version_for(current_user, vid)
    form = DeadlineForm()
    if form.validate_on_submit():
        try:
            deadline = services.set_deadline(current_user, version, form.deadline.data)
            db.session.commit()
            flash(f"Endorsement closes on {long_date(deadline)}." if deadline else "The deadline is removed.",
                  "success")
            return redirect(url_for("endorsements.signoff", vid=vid))
        except AccordError as exc:
            if exc.status != 400:
                raise
            apply_errors(form, exc)
    require_role(current_user, version.document.group, "coordinator")
    return _signoff_page(version, form)


@bp.post("/versions/<int:vid>/reminders")
@login_required
def remind(vid):
    version = version_for(current_user, vid)
    if EmptyForm().validate_on_submit():
        sent = services.send_reminders(current_user, version,
                                       public_url("documents.show_version", vid=vid))
        db.session.commit()
        flash(f"{sent} reminder{'s' if sent != 1 else ''} sent.", "success")
    return redirect(url_for("endorsements.signoff", vid=vid))


@bp.get("/groups/<int:gid>/audit")
@login_required
def audit(gid):
    from sqlalchemy import select

    from app.audit.models import AuditEvent

    group = group_for(current_user, gid)
    require_role(current_user, group, "coordinator")
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.group_id == group.id)
                                     .order_by(AuditEvent.seq.desc()).limit(500)))
    verification = verify_chain(group.id) if request.args.get("verify") else None
    return render_template("endorsements/audit.html", group=group, events=events, verification=verification,
                           checkpoint=latest_checkpoint(group.id))


# --- public statements -------------------------------------------------------------

def _public_data(document):
    version = document.final_version
    state = version_state(version)
    numbers = section_numbers([s["level"] for s in state])
    endorsements = services.endorsements_of(version, include_withdrawn=False)
    return version, state, numbers, endorsements


@public_bp.get("/public/<key>")
def statement(key):
    if key.endswith(".json"):
        return statement_json(key[:-5])
    document = workflow.published_document(key)
    if document is None:
        abort(404)
    version, state, numbers, endorsements = _public_data(document)
    rendered = [(n, s, render_cached(s["body"], f"p-{s['section_id']}-")) for n, s in zip(numbers, state)]
    return render_template("endorsements/public.html", document=document, version=version, sections=rendered,
                           endorsements=endorsements, as_of=_as_of(endorsements, version))


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
