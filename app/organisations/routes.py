"""Pages of an organisation for its contacts: who speaks for it and who signs for it."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.auth.forms import EmptyForm
from app.auth.routes import sign_in
from app.errors import AccordError, Conflict
from app.extensions import db
from app.forms import apply_errors, status_for
from app.groups import representative_requests
from app.groups.permissions import group_for, require_role
from app.i18n import _
from app.i18n import lazy_gettext as _l
from app.organisations import services
from app.util import public_url

bp = Blueprint("organisations", __name__)
bp.add_app_template_global(services.organisations_managed_by, "organisations_managed_by")  # profile links


class PersonByEmailForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "off"})


class RegisterRepresentativeForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)],
                       render_kw={"autocomplete": "name"})
    password = PasswordField(_l("Password"), validators=[DataRequired()], description=_l("At least 10 characters."),
                             render_kw={"autocomplete": "new-password"})


class AskForm(FlaskForm):
    organisation_id = HiddenField()
    version_id = HiddenField()


def invitation_url(raw: str) -> str:
    return public_url("organisations.invitation", token=raw)


def _managed(oid):
    organisation = services.organisation_for(oid)
    services.require_manager(current_user, organisation)
    return organisation


def _page(organisation, contact_form=None, rep_form=None, status=200):
    contact_form = contact_form or PersonByEmailForm(formdata=None, prefix="contact")
    rep_form = rep_form or PersonByEmailForm(formdata=None, prefix="rep")
    return render_template("organisations/show.html", organisation=organisation, contact_form=contact_form,
                           rep_form=rep_form, action_form=EmptyForm(),
                           invitations=services.pending_representative_invitations(organisation)), status


@bp.get("/organisations/<int:oid>")
@login_required
def show(oid):
    return _page(_managed(oid))


def _add_person(organisation, form, add, page_form):
    """Run one of the organisation page's add forms: `add` calls the service and returns the flash; a refusal
    other than not found or not allowed shows the page again with the form's errors."""
    if form.validate_on_submit():
        try:
            done = add(form.email.data)
            db.session.commit()
            flash(done, "success")
            return redirect(url_for("organisations.show", oid=organisation.id))
        except AccordError as exc:
            if exc.status in (403, 404):
                raise
            apply_errors(form, exc)
    return _page(organisation, **{page_form: form}, status=status_for(form))


@bp.post("/organisations/<int:oid>/contacts")
@login_required
def add_contact(oid):
    organisation = _managed(oid)

    def add(email):
        person = services.person_by_email(email)
        services.add_contact(current_user, organisation, person.id)
        return _("%(person)s is now a contact of %(organisation)s.", person=person.name,
                 organisation=organisation.name)

    return _add_person(organisation, PersonByEmailForm(prefix="contact"), add, "contact_form")


@bp.post("/organisations/<int:oid>/contacts/<int:uid>/remove")
@login_required
def remove_contact(oid, uid):
    organisation = _managed(oid)
    if EmptyForm().validate_on_submit():
        try:
            services.remove_contact(current_user, organisation, uid)
            db.session.commit()
            flash(_("The contact is removed."), "success")
        except Conflict as exc:
            flash(exc.message, "error")
    return redirect(url_for("organisations.show", oid=oid))


@bp.post("/organisations/<int:oid>/representatives")
@login_required
def add_representative(oid):
    organisation = _managed(oid)

    def add(email):
        outcome, _made, _raw = services.invite_representative(current_user, organisation, email, invitation_url)
        if outcome == "added":
            return _("%(email)s now represents %(organisation)s.", email=email, organisation=organisation.name)
        return _("%(email)s has no account yet: an invitation to register is on its way.", email=email)

    return _add_person(organisation, PersonByEmailForm(prefix="rep"), add, "rep_form")


@bp.post("/organisations/<int:oid>/representatives/<int:rid>/remove")
@login_required
def remove_representative(oid, rid):
    organisation = _managed(oid)
    if EmptyForm().validate_on_submit():
        services.remove_representative(current_user, organisation, rid)
        db.session.commit()
        flash(_("The representative is removed."), "success")
    return redirect(url_for("organisations.show", oid=oid))


@bp.route("/organisation-invitations/<token>", methods=["GET", "POST"])
def invitation(token):
    """The link in an invitation to represent an organisation: register (or, signed in with the invited
    address, accept) and become its representative."""
    try:
        invitation = services.representative_invitation_for(token)
    except Conflict as exc:
        return render_template("errors/error.html", status=exc.status, message=exc.message,
                               heading=_("This invitation cannot be used")), exc.status
    if current_user.is_authenticated:
        form = EmptyForm()
        matches = current_user.email.strip().lower() == invitation.email.strip().lower()
        if form.validate_on_submit():
            services.accept_representative_invitation(current_user, token)
            db.session.commit()
            flash(_("You now represent %(organisation)s.", organisation=invitation.organisation.name), "success")
            return redirect(url_for("main.home"))
        return render_template("organisations/accept.html", invitation=invitation, form=form, address_matches=matches)
    form = RegisterRepresentativeForm()
    if form.validate_on_submit():
        try:
            user, _representative = services.register_representative(token, name=form.name.data,
                                                                      password=form.password.data)
            sign_in(user)
            db.session.commit()
            flash(_("Welcome to Accord. You now represent %(organisation)s.",
                    organisation=invitation.organisation.name), "success")
            return redirect(url_for("main.home"))
        except AccordError as exc:
            apply_errors(form, exc)
    return render_template("organisations/register.html", invitation=invitation, form=form), status_for(form)


@bp.post("/groups/<int:gid>/representative-requests")
@login_required
def request_representative(gid):
    """The sign-off board's "Ask the organisation to name a representative" button."""
    group = group_for(current_user, gid)
    require_role(current_user, group, "coordinator")
    form = AskForm()
    back = url_for("groups.show", gid=gid)
    if form.version_id.data and form.version_id.data.isdigit():
        back = url_for("endorsements.signoff", vid=int(form.version_id.data))
    if not form.validate_on_submit():
        abort(400)
    oid = int(form.organisation_id.data) if (form.organisation_id.data or "").isdigit() else None
    try:
        asked = representative_requests.request_representative(
            current_user, group, oid, public_url("organisations.show", oid=oid or 0))
        db.session.commit()
        flash(_("%(organisation)s is asked to name a representative.",
                organisation=services.organisation_for(asked.organisation_id).name), "success")
    except AccordError as exc:
        if exc.status in (403, 404):
            raise
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(back + "#board" if "signoff" in back else back)
