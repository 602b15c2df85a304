"""Working groups: creation, invitations and membership changes."""
from __future__ import annotations

from contextlib import nullcontext
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from app.audit.services import record
from app.auth.models import User
from app.auth.services import create_user
from app.errors import Conflict, NotFound, PermissionDenied
from app.extensions import db, lock_row
from app.groups.models import ROLE_NAMES, ROLES, Group, Invitation, Membership
from app.groups.permissions import membership_of, require_role
from app.i18n import _, in_language, ngettext
from app.mail.services import send_mail
from app.util import new_token, token_hash, utcnow
from app.validation import FieldErrors, clean_choice, clean_email, clean_text


def create_group(user: User, name, description=None) -> Group:
    errors = FieldErrors()
    name = clean_text(errors, "name", name, max_length=200)
    description = clean_text(errors, "description", description, max_length=5000, required=False, multiline=True)
    errors.raise_if_any()
    group = Group(name=name, description=description, created_by_id=user.id)
    db.session.add(group)
    db.session.flush()
    db.session.add(Membership(group_id=group.id, user_id=user.id, role="coordinator"))
    db.session.flush()
    record(group.id, user, "group.create", f"group:{group.id}", name=name)
    return group


def update_group(user: User, group: Group, *, name, description=None) -> Group:
    require_role(user, group, "coordinator")
    errors = FieldErrors()
    name = clean_text(errors, "name", name, max_length=200)
    description = clean_text(errors, "description", description, max_length=5000, required=False, multiline=True)
    errors.raise_if_any()
    group.name, group.description = name, description
    return group


def groups_of(user: User) -> list[tuple[Group, str]]:
    rows = db.session.execute(
        select(Group, Membership.role).join(Membership, Membership.group_id == Group.id)
        .where(Membership.user_id == user.id).order_by(Group.name))
    return [(group, role) for group, role in rows]


def members_of(group: Group) -> list[Membership]:
    return list(db.session.scalars(
        select(Membership).join(User, User.id == Membership.user_id)
        .where(Membership.group_id == group.id).order_by(User.name)))


# --- invitations ------------------------------------------------------------

def invite(user: User, group: Group, email, role, accept_url_for) -> tuple[Invitation, str]:
    """Creates a single-use invitation and mails its link. Returns it with the raw token."""
    require_role(user, group, "coordinator")
    errors = FieldErrors()
    email = clean_email(errors, "email", email)
    role = clean_choice(errors, "role", role, ROLES)
    errors.raise_if_any()
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is not None and membership_of(existing, group.id) is not None:
        raise Conflict(_("%(email)s is already a member of this group.", email=email), code="already_member",
                       details={"fields": {"email": _("Already a member of this group.")}})
    raw = new_token()
    days = current_app.config["INVITATION_DAYS"]
    invitation = Invitation(group_id=group.id, email=email, role=role, token_hash=token_hash(raw),
                            invited_by_id=user.id, expires_at=utcnow() + timedelta(days=days))
    db.session.add(invitation)
    db.session.flush()
    # In the language of the person invited when they have an account, else in the inviting coordinator's.
    with in_language(existing.language) if existing is not None and existing.language else nullcontext():
        body = "\n\n".join((
            _("Hello,"),
            _("%(name)s invites you to join the working group “%(group)s” on Accord as %(role)s.",
              name=user.name, group=group.name, role=str(ROLE_NAMES.get(role, role))),
            ngettext("Open this link within %(num)d day to accept:", "Open this link within %(num)d days to accept:",
                     days),
            accept_url_for(raw),
            _("The link works once. If you did not expect it, ignore this message."))) + "\n"
        send_mail(email, _("Invitation to the working group %(group)s", group=group.name), body)
    record(group.id, user, "invitation.create", f"invitation:{invitation.id}", email=email, role=role)
    return invitation, raw


def pending_invitations(group: Group) -> list[Invitation]:
    return list(db.session.scalars(
        select(Invitation).where(Invitation.group_id == group.id, Invitation.accepted_at.is_(None),
                                 Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow())
        .order_by(Invitation.created_at.desc())))


def invitation_for(raw_token) -> Invitation:
    """The usable invitation behind a link: unknown or forged 404, used or expired 409."""
    invitation = None
    if isinstance(raw_token, str) and 10 < len(raw_token) < 200:
        invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(raw_token)))
    if invitation is None or invitation.revoked_at is not None:
        raise NotFound(_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation has already been used."), code="invitation_used")
    if invitation.expires_at < utcnow():
        raise Conflict(_("This invitation has expired. Ask the coordinator for a new one."), code="invitation_expired")
    return invitation


def _join(invitation: Invitation, user: User) -> Membership:
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    membership = Membership(group_id=invitation.group_id, user_id=user.id, role=invitation.role)
    db.session.add(membership)
    db.session.flush()
    record(invitation.group_id, user, "membership.join", f"user:{user.id}", role=invitation.role,
           invitation_id=invitation.id)
    return membership


def register_with_invitation(raw_token, *, name, password, organisation_id=None) -> tuple[User, Membership]:
    invitation = invitation_for(raw_token)
    user = create_user(invitation.email, name, password, organisation_id=organisation_id)
    return user, _join(invitation, user)


def invited_address_matches(user: User, invitation: Invitation) -> bool:
    return user.email.strip().lower() == invitation.email.strip().lower()


def accept_invitation(user: User, raw_token) -> Membership:
    """Only the invited address joins: a link forwarded, leaked or read over a shoulder admits nobody else
    (a person who uses another address asks the coordinator to invite that one)."""
    invitation = invitation_for(raw_token)
    if not invited_address_matches(user, invitation):
        raise PermissionDenied(_("This invitation was sent to %(invited)s, and you are signed in as %(email)s. "
                                 "Sign in with the invited address, or ask the group's coordinator to invite the "
                                 "address you use.", invited=invitation.email, email=user.email),
                               code="invitation_for_another_address")
    if membership_of(user, invitation.group_id) is not None:
        raise Conflict(_("You are already a member of this group."), code="already_member")
    return _join(invitation, user)


def revoke_invitation(user: User, group: Group, invitation_id) -> Invitation:
    require_role(user, group, "coordinator")
    invitation = db.session.get(Invitation, invitation_id) if isinstance(invitation_id, int) else None
    if invitation is None or invitation.group_id != group.id:
        raise NotFound(_("No such invitation."))
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
    return invitation


# --- membership changes ---------------------------------------------------------

def _member(group: Group, user_id) -> Membership:
    membership = None
    if isinstance(user_id, int):
        membership = db.session.scalar(
            select(Membership).where(Membership.group_id == group.id, Membership.user_id == user_id)
            .execution_options(populate_existing=True))
    if membership is None:
        raise NotFound(_("No such member in this group."))
    return membership


def _lock_memberships(group: Group) -> None:
    """Membership changes of one group happen one at a time: on PostgreSQL under the group's row lock
    (SQLite's write transaction is already one at a time), taken before anything is read, so two
    coordinators demoting each other at once cannot leave the group with none."""
    lock_row(Group, group.id)


def _coordinator_count(group: Group) -> int:
    return db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.group_id == group.id, Membership.role == "coordinator"))


def change_role(user: User, group: Group, user_id, role) -> Membership:
    _lock_memberships(group)
    require_role(user, group, "coordinator")
    errors = FieldErrors()
    role = clean_choice(errors, "role", role, ROLES)
    errors.raise_if_any()
    membership = _member(group, user_id)
    if membership.role == "coordinator" and role != "coordinator" and _coordinator_count(group) <= 1:
        raise Conflict(_("A group needs at least one coordinator: name another one first."), code="last_coordinator")
    previous = membership.role
    membership.role = role
    record(group.id, user, "membership.role", f"user:{membership.user_id}", **{"from": previous, "to": role})
    return membership


def remove_member(user: User, group: Group, user_id) -> None:
    """Coordinators remove anyone; anyone may leave. The last coordinator stays."""
    _lock_memberships(group)
    membership = _member(group, user_id)
    if membership.user_id != user.id:
        require_role(user, group, "coordinator")
    if membership.role == "coordinator" and _coordinator_count(group) <= 1:
        raise Conflict(_("A group needs at least one coordinator: name another one first."), code="last_coordinator")
    db.session.delete(membership)
    db.session.flush()
    record(group.id, user, "membership.remove", f"user:{membership.user_id}", role=membership.role)
