"""Pages of working groups: overview, members, invitations."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.auth.forms import EmptyForm, RegisterForm
from app.auth.routes import organisation_choices, sign_in
from app.documents.permissions import can_create_document
from app.documents.services import documents_of
from app.errors import AccordError, Conflict, Invalid
from app.extensions import db
from app.forms import apply_errors, status_for
from app.groups import services
from app.groups.forms import BatchInviteForm, GroupForm, InviteForm, RoleForm
from app.groups.fragments import current_work, group_readings
from app.groups.models import ROLE_NAMES
from app.groups.permissions import can_manage_members, group_for, membership_of, require_role, role_in
from app.i18n import _, ngettext
from app.util import public_url

bp = Blueprint("groups", __name__)


def accept_url(raw: str) -> str:
    return public_url("groups.invitation", token=raw)


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def new_group():
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = services.create_group(current_user, form.name.data, form.description.data)
            db.session.commit()
            flash(_("The working group %(group)s is created. You are its coordinator.", group=group.name), "success")
            return redirect(url_for("groups.show", gid=group.id))
        except AccordError as exc:
            apply_errors(form, exc)
    return render_template("groups/new.html", form=form), status_for(form)


def _show(group, invite_form=None, status=200):
    manage = can_manage_members(current_user, group)
    memberships = services.members_of(group)
    role_forms = {}
    if manage:
        for membership in memberships:
            role_form = RoleForm(prefix=f"m{membership.user_id}", formdata=None)
            role_form.role.data = membership.role
            role_forms[membership.user_id] = role_form
    return render_template(
        "groups/show.html", group=group, my_role=role_in(current_user, group.id), manage=manage,
        memberships=memberships, representing=services.represented_by(memberships),
        newcomer=services.is_newcomer(membership_of(current_user, group.id)),
        role_forms=role_forms, action_form=EmptyForm(),
        invite_form=invite_form or (InviteForm(formdata=None) if manage else None),
        invitations=services.pending_invitations(group) if manage else [],
        documents=documents_of(group), can_create_document=can_create_document(current_user, group),
    ), status


@bp.get("/groups/<int:gid>")
@login_required
def show(gid):
    return _show(group_for(current_user, gid))


@bp.route("/groups/<int:gid>/settings", methods=["GET", "POST"])
@login_required
def settings(gid):
    group = group_for(current_user, gid)
    require_role(current_user, group, "coordinator")
    form = GroupForm(obj=group)
    if form.validate_on_submit():
        try:
            services.update_group(current_user, group, name=form.name.data, description=form.description.data)
            db.session.commit()
            flash(_("The group is saved."), "success")
            return redirect(url_for("groups.show", gid=group.id))
        except AccordError as exc:
            apply_errors(form, exc)
    return render_template("groups/settings.html", group=group, form=form), status_for(form)


@bp.post("/groups/<int:gid>/invitations")
@login_required
def invite(gid):
    group = group_for(current_user, gid)
    require_role(current_user, group, "coordinator")
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation, _raw = services.invite(current_user, group, form.email.data, form.role.data, accept_url,
                                               current_work=current_work(group))
            db.session.commit()
            flash(_("Invitation sent to %(email)s as %(role)s.", email=invitation.email,
                    role=str(ROLE_NAMES.get(invitation.role, invitation.role))), "success")
            return redirect(url_for("groups.show", gid=group.id) + "#invitations")
        except AccordError as exc:
            apply_errors(form, exc)
    return _show(group, invite_form=form, status=400)


@bp.route("/groups/<int:gid>/invitations/batch", methods=["GET", "POST"])
@login_required
def invite_batch(gid):
    group = group_for(current_user, gid)
    require_role(current_user, group, "coordinator")
    form = BatchInviteForm()
    line_problems: list[tuple[int, str]] = []
    if form.validate_on_submit():
        entries = services.read_address_list(form.addresses.data, form.role.data)
        try:
            sent = services.invite_many(current_user, group, entries, form.note.data, accept_url,
                                        current_work=current_work(group))
            db.session.commit()
            flash(ngettext("%(num)d invitation sent.", "%(num)d invitations sent.", len(sent)), "success")
            return redirect(url_for("groups.show", gid=group.id) + "#invitations")
        except Invalid as exc:
            db.session.rollback()
            fields = dict(exc.fields)
            line_problems = sorted((int(key.partition(":")[2]), message) for key, message in fields.items()
                                   if key.startswith("line:"))
            if "note" in fields:
                form.note.errors = [fields["note"]]
            if line_problems or "invitations" in fields:
                form.addresses.errors = [fields.get("invitations", exc.message)]
    return render_template("groups/invite_batch.html", group=group, form=form, line_problems=line_problems,
                           limit=services.BATCH_LIMIT), status_for(form)


@bp.get("/groups/<int:gid>/start")
@login_required
def start(gid):
    group = group_for(current_user, gid)
    readings = group_readings(group)
    return render_template("groups/start.html", group=group, readings=readings,
                           signing=[r for r in readings if r.open_for_signature],
                           commenting=[r for r in readings if r.open_for_comments],
                           coordinators=services.coordinators_of(group), my_role=role_in(current_user, group.id))


@bp.post("/groups/<int:gid>/invitations/<int:iid>/revoke")
@login_required
def revoke_invitation(gid, iid):
    group = group_for(current_user, gid)
    if EmptyForm().validate_on_submit():
        invitation = services.revoke_invitation(current_user, group, iid)
        db.session.commit()
        flash(_("The invitation to %(email)s is withdrawn.", email=invitation.email), "success")
    return redirect(url_for("groups.show", gid=group.id) + "#invitations")


@bp.post("/groups/<int:gid>/members/<int:uid>/role")
@login_required
def change_role(gid, uid):
    group = group_for(current_user, gid)
    form = RoleForm(prefix=f"m{uid}")
    if form.validate_on_submit():
        membership = services.change_role(current_user, group, uid, form.role.data)
        db.session.commit()
        flash(_("%(name)s is now %(role)s.", name=membership.user.name,
                role=str(ROLE_NAMES.get(membership.role, membership.role))), "success")
    return redirect(url_for("groups.show", gid=group.id) + "#members")


@bp.post("/groups/<int:gid>/members/<int:uid>/remove")
@login_required
def remove_member(gid, uid):
    group = group_for(current_user, gid)
    if EmptyForm().validate_on_submit():
        services.remove_member(current_user, group, uid)
        db.session.commit()
        if uid == current_user.id:
            flash(_("You have left %(group)s.", group=group.name), "success")
            return redirect(url_for("main.home"))
        flash(_("The member is removed from the group."), "success")
    return redirect(url_for("groups.show", gid=group.id) + "#members")


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token):
    try:
        invitation = services.invitation_for(token)
    except Conflict as exc:  # used or expired: the person came from an e-mail, so say it here
        return render_template("errors/error.html", status=exc.status, message=exc.message,
                               heading=_("This invitation cannot be used")), exc.status
    if current_user.is_authenticated:
        form = EmptyForm()
        matches = services.invited_address_matches(current_user, invitation)
        if form.validate_on_submit():
            membership = services.accept_invitation(current_user, token)
            db.session.commit()
            flash(_("Welcome to %(group)s.", group=membership.group.name), "success")
            return redirect(url_for("groups.start", gid=membership.group_id))
        return render_template("groups/accept.html", invitation=invitation, form=form, address_matches=matches)
    form = RegisterForm()
    form.organisation_id.choices = organisation_choices()
    if form.validate_on_submit():
        try:
            user, membership = services.register_with_invitation(
                token, name=form.name.data, password=form.password.data,
                organisation_id=form.organisation_id.data or None)
            sign_in(user)
            db.session.commit()
            flash(_("Welcome to Accord and to %(group)s.", group=membership.group.name), "success")
            return redirect(url_for("groups.start", gid=membership.group_id))
        except AccordError as exc:
            apply_errors(form, exc)
    return render_template("groups/register.html", invitation=invitation, form=form), status_for(form)
