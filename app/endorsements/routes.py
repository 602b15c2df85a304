"""Pages: endorsing, withdrawing, the sign-off board with its deadline and reminders."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.forms import EmptyForm
from app.documents.services import section_numbers, version_for, version_state
from app.endorsements import consequences, services
from app.endorsements.forms import DeadlineForm, DelegationForm, EndorseForm, ScheduleForm, WithdrawForm
from app.endorsements.permissions import can_endorse, can_withdraw, takes_part_in
from app.errors import AccordError
from app.extensions import db
from app.forms import apply_errors, status_for
from app.groups.permissions import require_role
from app.i18n import _, long_date, ngettext
from app.util import public_url

bp = Blueprint("endorsements", __name__)

# Refusals a form shows on its password field rather than as a page of their own.
_PASSWORD_CODES = ("password_required", "password_wrong")


@bp.app_template_global()
def may_endorse(version) -> bool:
    """Whether the reader may endorse this version for one of their organisations (links and buttons)."""
    return services.is_open_for_endorsement(version) and any(
        can_endorse(current_user, o.id, version) for o in services.organisations_user_signs_for(current_user, version))


@bp.app_template_global()
def may_withdraw(endorsement) -> bool:
    return endorsement.withdrawn_at is None and services.is_open_for_endorsement(endorsement.version) \
        and can_withdraw(current_user, endorsement)


@bp.app_template_global()
def may_revoke_delegation(delegation) -> bool:
    return delegation.revoked_at is None and services.can_revoke(current_user, delegation)


@bp.route("/versions/<int:vid>/endorse", methods=["GET", "POST"])
@login_required
def endorse(vid):
    version = version_for(current_user, vid)
    organisations = services.organisations_user_signs_for(current_user, version)
    if not organisations or not takes_part_in(current_user, version.document.group_id):
        abort(403)
    form = EndorseForm()
    form.organisation_id.choices = [(str(o.id), o.name) for o in organisations]
    # What the signatory confirms, in words: the title, the version's label and number, the day it became final.
    form.confirm_hash.label.text = _(
        "I have read “%(title)s”, %(label)s (version %(number)s) of %(date)s, and endorse this exact text on "
        "behalf of the organisation.", title=version.title, label=version.label, number=version.number,
        date=long_date(version.created_at))
    state = version_state(version)
    numbers = section_numbers([s["level"] for s in state])
    form.reservation_section_id.choices = [("", _("No reservation"))] + [
        (str(s["section_id"]), f"§{n} {s['heading']}") for n, s in zip(numbers, state)]
    if request.method == "GET":
        form.signatory_name.data = current_user.name
        form.signatory_title.data = current_user.job_title or ""
        form.content_hash.data = version.content_hash
    if form.validate_on_submit():
        try:
            services.endorse(
                current_user, version, organisation_id=form.organisation_id.data,
                signatory_name=form.signatory_name.data, signatory_title=form.signatory_title.data,
                note=form.note.data, reservation_section_id=form.reservation_section_id.data or None,
                reservation=form.reservation.data, content_hash=form.content_hash.data,
                password=form.password.data, password_required=True, decided_by=form.decided_by.data,
                decided_on=form.decided_on.data)
            db.session.commit()
            flash(_("Your organisation's endorsement is recorded."), "success")
            return redirect(url_for("documents.show_version", vid=vid) + "#endorsements")
        except AccordError as exc:
            if exc.status in (403, 404) and exc.code not in _PASSWORD_CODES:
                raise
            apply_errors(form, exc)
    return render_template("endorsements/endorse.html", version=version, document=version.document, form=form,
                           open=services.is_open_for_endorsement(version),
                           delegations={d.organisation_id: d for d in services.delegations_of(version)
                                        if d.delegate_id == current_user.id},
                           may_delegate=any(services.represents(current_user, o.id, version)
                                            for o in organisations)), status_for(form)


@bp.route("/endorsements/<int:eid>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(eid):
    endorsement = services.endorsement_for(current_user, eid)
    form = WithdrawForm()
    if endorsement.withdrawn_at is not None and can_withdraw(current_user, endorsement):
        # a second submit, or a colleague withdrew it meanwhile: say so, change nothing
        flash(_("Nothing was done: the endorsement of %(organisation)s was already withdrawn.",
                organisation=endorsement.organisation.name), "info")
        return redirect(url_for("documents.show_version", vid=endorsement.version_id) + "#endorsements")
    if form.validate_on_submit():
        try:
            services.withdraw(current_user, endorsement, form.reason.data)
            db.session.commit()
            flash(_("The endorsement of %(organisation)s is withdrawn.", organisation=endorsement.organisation.name),
                  "success")
            return redirect(url_for("documents.show_version", vid=endorsement.version_id) + "#endorsements")
        except AccordError as exc:
            if exc.status in (403, 404):
                raise
            apply_errors(form, exc)
    return render_template("endorsements/withdraw.html", endorsement=endorsement, form=form,
                           standing=consequences.standing(endorsement.version.document, endorsement.version),
                           open=services.is_open_for_endorsement(endorsement.version)), status_for(form)


def _signoff_page(version, deadline_form: DeadlineForm, schedule_form: ScheduleForm | None = None):
    if schedule_form is None:
        schedule_form = ScheduleForm(formdata=None)
        schedule_form.reminder_days.data = ", ".join(str(d) for d in sorted(services.reminder_days_of(version),
                                                                           reverse=True))
    return render_template("endorsements/signoff.html", version=version, document=version.document,
                           rows=services.signoff_board(version), open=services.is_open_for_endorsement(version),
                           deadline=services.deadline_of(version), deadline_form=deadline_form,
                           action_form=EmptyForm(), schedule_form=schedule_form,
                           schedule=services.schedule_of(version)), \
        max(status_for(deadline_form), status_for(schedule_form))


@bp.get("/versions/<int:vid>/signoff")
@login_required
def signoff(vid):
    version = version_for(current_user, vid)
    require_role(current_user, version.document.group, "coordinator")
    form = DeadlineForm()
    deadline = services.deadline_of(version)
    form.deadline.data = deadline.isoformat() if deadline else ""
    return _signoff_page(version, form)


def _signoff_change(version, form, change, page):
    """Run a form of the sign-off page: `change` calls the service and returns the flash; a refusal of the
    input (400) shows the coordinator the page again (`page`) with the form's errors."""
    if form.validate_on_submit():
        try:
            done = change()
            db.session.commit()
            flash(done, "success")
            return redirect(url_for("endorsements.signoff", vid=version.id))
        except AccordError as exc:
            if exc.status != 400:
                raise
            apply_errors(form, exc)
    require_role(current_user, version.document.group, "coordinator")
    return page()


@bp.post("/versions/<int:vid>/deadline")
@login_required
def set_deadline(vid):
    version = version_for(current_user, vid)
    form = DeadlineForm()

    def change():
        deadline = services.set_deadline(current_user, version, form.deadline.data)
        return (_("Endorsement closes on %(date)s.", date=long_date(deadline)) if deadline
                else _("The deadline is removed."))

    return _signoff_change(version, form, change, lambda: _signoff_page(version, form))


@bp.post("/versions/<int:vid>/reminders")
@login_required
def remind(vid):
    version = version_for(current_user, vid)
    if EmptyForm().validate_on_submit():
        sent = services.send_reminders(current_user, version,
                                       public_url("documents.show_version", vid=vid))
        db.session.commit()
        flash(ngettext("%(num)d reminder sent.", "%(num)d reminders sent.", sent), "success")
    return redirect(url_for("endorsements.signoff", vid=vid))


@bp.post("/versions/<int:vid>/schedule")
@login_required
def set_schedule(vid):
    version = version_for(current_user, vid)
    form = ScheduleForm()

    def change():
        services.change_schedule(current_user, version, reminder_days=form.reminder_days.data or "")
        return _("The reminder schedule is saved.")

    def page():
        deadline_form = DeadlineForm(formdata=None)
        deadline = services.deadline_of(version)
        deadline_form.deadline.data = deadline.isoformat() if deadline else ""
        return _signoff_page(version, deadline_form, form)

    return _signoff_change(version, form, change, page)


# --- delegation of signature for one version ----------------------------------------------------

def _delegation_page(version, form: DelegationForm):
    return render_template("endorsements/delegations.html", version=version, document=version.document, form=form,
                           delegations=services.delegations_of(version), open=services.is_open_for_endorsement(version),
                           action_form=EmptyForm()), status_for(form)


def _delegation_form(version) -> DelegationForm:
    form = DelegationForm()
    organisations = [o for o in services.organisations_user_represents(current_user)
                     if services.represents(current_user, o.id, version)]
    form.organisation_id.choices = [(str(o.id), o.name) for o in organisations]
    form.delegate_user_id.choices = [(str(u.id), _("%(name)s (%(organisation)s)", name=u.name,
                                                   organisation=u.organisation.name))
                                     for u in services.colleagues_who_may_sign(current_user, version, organisations)]
    return form


@bp.route("/versions/<int:vid>/delegations", methods=["GET", "POST"])
@login_required
def delegations(vid):
    version = version_for(current_user, vid)
    form = _delegation_form(version)
    if request.method == "POST":
        if not form.organisation_id.choices:
            abort(403)
        if form.validate_on_submit():
            try:
                delegation = services.delegate(current_user, version, organisation_id=form.organisation_id.data,
                                               delegate_user_id=form.delegate_user_id.data,
                                               mandate=form.mandate.data)
                db.session.commit()
                flash(_("%(name)s may now endorse this version for %(organisation)s.",
                        name=delegation.delegate.name, organisation=delegation.organisation.name), "success")
                return redirect(url_for("endorsements.delegations", vid=vid))
            except AccordError as exc:
                if exc.status in (403, 404):
                    raise
                apply_errors(form, exc)
    return _delegation_page(version, form)


@bp.post("/delegations/<int:did>/revoke")
@login_required
def revoke_delegation(did):
    delegation = services.delegation_for(current_user, did)
    if EmptyForm().validate_on_submit():
        services.revoke_delegation(current_user, delegation)
        db.session.commit()
        flash(_("The delegation to %(name)s has ended.", name=delegation.delegate.name), "success")
    return redirect(url_for("endorsements.delegations", vid=delegation.version_id))
