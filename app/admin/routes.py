"""Site administration: organisations, their representatives, the mail outbox and the background work."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.auth.forms import EmptyForm
from app.auth.models import User
from app.errors import AccordError
from app.extensions import db
from app.forms import apply_errors, status_for
from app.i18n import _
from app.i18n import lazy_gettext as _l
from app.mail.models import OutboxMessage
from app.mail.services import outbox_counts, send_again, without_secrets
from app.organisations import services
from app.organisations.models import ORGANISATION_KINDS
from app.validation import country_choices

bp = Blueprint("admin", __name__, url_prefix="/admin")


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    country = SelectField(_l("Country"), validate_choice=False)
    kind = SelectField(_l("Kind of organisation"), choices=list(ORGANISATION_KINDS.items()), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [("", _("Choose a country"))] + country_choices()


class RepresentativeForm(FlaskForm):
    user_id = SelectField(_l("Person"), validate_choice=False, coerce=str)


@bp.before_request
@login_required
def _admins_only():
    services.require_admin(current_user)


@bp.route("/organisations", methods=["GET", "POST"])
def organisations():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(current_user, form.name.data, form.country.data,
                                                        form.kind.data)
            db.session.commit()
            flash(_("%(organisation)s is added.", organisation=organisation.name), "success")
            return redirect(url_for("admin.organisations"))
        except AccordError as exc:
            apply_errors(form, exc)
    return render_template("admin/organisations.html", form=form,
                           organisations=services.list_organisations()), status_for(form)


@bp.route("/organisations/<int:oid>", methods=["GET", "POST"])
def organisation(oid):
    organisation = services.organisation_for(oid)
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        try:
            services.update_organisation(current_user, organisation, form.name.data, form.country.data,
                                         form.kind.data)
            db.session.commit()
            flash(_("The organisation is saved."), "success")
            return redirect(url_for("admin.organisation", oid=oid))
        except AccordError as exc:
            apply_errors(form, exc)
    return _organisation_page(organisation, form=form), status_for(form)


def _organisation_page(organisation, form=None, rep_form=None, contact_form=None):
    rep_form = rep_form or RepresentativeForm(formdata=None)
    contact_form = contact_form or RepresentativeForm(formdata=None, prefix="contact")
    people = list(db.session.scalars(select(User).order_by(User.name)))
    for chosen, taken in ((rep_form, {r.user_id for r in organisation.representatives}),
                          (contact_form, {c.user_id for c in organisation.contacts})):
        chosen.user_id.choices = [("", _("Choose a person"))] + [
            (str(u.id), f"{u.name} <{u.email}>") for u in people if u.id not in taken]
    return render_template("admin/organisation.html", organisation=organisation,
                           form=form or OrganisationForm(formdata=None, obj=organisation),
                           rep_form=rep_form, contact_form=contact_form, action_form=EmptyForm())


def _add_person(organisation, form, add, done, page_form):
    """Add a contact or a representative chosen on the admin page: `add` is the service, `done` words the
    flash for what it made, `page_form` names the form when the page is shown again with its errors."""
    if form.validate_on_submit():
        try:
            made = add(current_user, organisation, form.user_id.data)
            db.session.commit()
            flash(done(made), "success")
            return redirect(url_for("admin.organisation", oid=organisation.id))
        except AccordError as exc:
            apply_errors(form, exc)
    return _organisation_page(organisation, **{page_form: form}), 400


def _remove_person(organisation, remove, key, done):
    if EmptyForm().validate_on_submit():
        remove(current_user, organisation, key)
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("admin.organisation", oid=organisation.id))


@bp.post("/organisations/<int:oid>/contacts")
def add_contact(oid):
    organisation = services.organisation_for(oid)
    return _add_person(organisation, RepresentativeForm(prefix="contact"), services.add_contact,
                       lambda contact: _("%(person)s is now a contact of %(organisation)s.",
                                         person=contact.user.name, organisation=organisation.name),
                       "contact_form")


@bp.post("/organisations/<int:oid>/contacts/<int:uid>/remove")
def remove_contact(oid, uid):
    organisation = services.organisation_for(oid)
    return _remove_person(organisation, services.remove_contact, uid, _("The contact is removed."))


@bp.post("/organisations/<int:oid>/representatives")
def add_representative(oid):
    organisation = services.organisation_for(oid)
    return _add_person(organisation, RepresentativeForm(), services.add_representative,
                       lambda representative: _("%(person)s now represents %(organisation)s.",
                                                person=representative.user.name, organisation=organisation.name),
                       "rep_form")


@bp.post("/organisations/<int:oid>/representatives/<int:rid>/remove")
def remove_representative(oid, rid):
    organisation = services.organisation_for(oid)
    return _remove_person(organisation, services.remove_representative, rid, _("The representative is removed."))


@bp.get("/outbox")
def outbox():
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(200))
    return render_template("admin/outbox.html", messages=list(messages), without_secrets=without_secrets,
                           shows_secrets=current_app.config["OUTBOX_SHOWS_SECRETS"], counts=outbox_counts(),
                           form=EmptyForm())


@bp.post("/outbox/<int:mid>/send-again")
def send_message_again(mid):
    if EmptyForm().validate_on_submit():
        try:
            send_again(current_user, mid)
            db.session.commit()
            flash(_("The message is queued to be sent again."), "success")
        except AccordError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return redirect(url_for("admin.outbox") + f"#mail-{mid}")


@bp.get("/tasks")
def background_work():
    """What the task queue holds, each schedule's last run and the tasks that failed for good."""
    from app.tasks import declared_schedules, last_runs, queue_of
    from app.tasks.models import TaskFailure

    queue = queue_of()
    try:
        backlog, pending, problem = queue.backlog(), queue.pending(50), None
    except Exception as exc:  # noqa: BLE001 - the page says the queue cannot be reached, and why
        backlog, pending, problem = None, [], f"{type(exc).__name__}: {exc}"
    failures = list(db.session.scalars(select(TaskFailure).order_by(TaskFailure.id.desc()).limit(100)))
    return render_template("admin/tasks.html", backlog=backlog, pending=pending, problem=problem,
                           schedules=declared_schedules(), last_runs=last_runs(), failures=failures,
                           backend=queue.backend, in_process=current_app.config["TASK_WORKERS"] > 0)
