"""Organisations, their contacts and their representatives.

A site admin creates organisations and names their first contacts; from then on the organisation's
contacts (and site admins) name and remove its representatives and its other contacts, inviting by e-mail
a person who has no account yet. A contact cannot remove the organisation's last contact: that would leave
nobody but a site admin able to change who signs for it, so only a site admin may do that.

Organisations have no audit chain of their own: each change is recorded in the chain of every working group
the organisation takes part in (one of its members belongs to it), where it matters for who may sign.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.extensions import db
from app.i18n import _, ngettext
from app.mail.services import send_mail
from app.organisations.models import (
    ORGANISATION_KINDS,
    Organisation,
    OrganisationContact,
    Representative,
    RepresentativeInvitation,
)
from app.util import new_token, token_hash, utcnow
from app.validation import FieldErrors, clean_choice, clean_country, clean_email, clean_id, clean_text


def require_admin(user) -> None:
    if not getattr(user, "is_admin", False):
        raise PermissionDenied(_("Only site administrators may do this."))


def representatives_visible_to(user) -> set[int] | None:
    """Whose representation of an organisation the user may see: everyone's for a site admin (None), else
    their own and that of people who share a working group with them, who see each other there anyway.
    Who speaks for which body is not for any account holder to list."""
    from app.groups.models import Membership

    if getattr(user, "is_admin", False):
        return None
    my_groups = select(Membership.group_id).where(Membership.user_id == user.id)
    people = set(db.session.scalars(select(Membership.user_id).where(Membership.group_id.in_(my_groups))))
    return people | {user.id}


def _clean(name, country, kind):
    errors = FieldErrors()
    name = clean_text(errors, "name", name, max_length=200)
    country = clean_country(errors, "country", country)
    kind = clean_choice(errors, "kind", kind or "other", ORGANISATION_KINDS)
    errors.raise_if_any()
    return name, country, kind


def _name_taken(name: str, exclude_id: int | None = None) -> bool:
    query = select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
    if exclude_id is not None:
        query = query.where(Organisation.id != exclude_id)
    return db.session.scalar(query) is not None


def create_organisation(user, name, country, kind=None) -> Organisation:
    require_admin(user)
    name, country, kind = _clean(name, country, kind)
    if _name_taken(name):
        raise Conflict(_("An organisation with this name exists already."), code="name_taken",
                       details={"fields": {"name": _("An organisation with this name exists already.")}})
    organisation = Organisation(name=name, country=country, kind=kind)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def update_organisation(user, organisation: Organisation, name, country, kind=None) -> Organisation:
    require_admin(user)
    name, country, kind = _clean(name, country, kind)
    if _name_taken(name, exclude_id=organisation.id):
        raise Conflict(_("An organisation with this name exists already."), code="name_taken",
                       details={"fields": {"name": _("An organisation with this name exists already.")}})
    organisation.name, organisation.country, organisation.kind = name, country, kind
    return organisation


def list_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def organisation_for(organisation_id) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id) if isinstance(organisation_id, int) else None
    if organisation is None:
        raise NotFound(_("No such organisation."))
    return organisation


def is_contact(user, organisation_id: int) -> bool:
    return getattr(user, "id", None) is not None and db.session.scalar(select(OrganisationContact.id).where(
        OrganisationContact.organisation_id == organisation_id, OrganisationContact.user_id == user.id)) is not None


def may_manage(user, organisation: Organisation) -> bool:
    """Site admins and the organisation's contacts change its contacts and representatives."""
    return getattr(user, "is_admin", False) or is_contact(user, organisation.id)


def require_manager(user, organisation: Organisation) -> None:
    if not may_manage(user, organisation):
        raise PermissionDenied(_("Only the contacts of %(organisation)s and site administrators may do this.",
                                 organisation=organisation.name), code="not_organisation_contact")


def organisations_managed_by(user) -> list[Organisation]:
    """The organisations the user is a contact of (for links from their profile and home page)."""
    return list(db.session.scalars(select(Organisation).join(
        OrganisationContact, OrganisationContact.organisation_id == Organisation.id)
        .where(OrganisationContact.user_id == user.id).order_by(Organisation.name)))


def groups_taking_part(organisation_id: int) -> list[int]:
    """The working groups the organisation takes part in: one of their members belongs to it."""
    from app.groups.models import Membership

    return sorted(set(db.session.scalars(select(Membership.group_id).join(User, User.id == Membership.user_id)
                                         .where(User.organisation_id == organisation_id))))


def _record(organisation: Organisation, actor, action: str, obj: str, **data) -> None:
    from app.audit.services import record

    for group_id in groups_taking_part(organisation.id):
        record(group_id, actor, action, obj, organisation_id=organisation.id, **data)


def _person(user_id) -> User:
    errors = FieldErrors()
    user_id = clean_id(errors, "user_id", user_id)
    errors.raise_if_any()
    person = db.session.get(User, user_id)
    if person is None:
        raise Invalid(_("No such user."), fields={"user_id": _("No such user.")})
    return person


def person_by_email(email) -> User:
    """The account behind an address typed into a form (a contact names people by address, not from a list
    of every account)."""
    from app.auth.services import user_by_email

    errors = FieldErrors()
    email = clean_email(errors, "email", email)
    errors.raise_if_any()
    person = user_by_email(email)
    if person is None:
        raise Invalid(_("There is no account with this address."),
                      fields={"email": _("There is no account with this address.")})
    return person


def _add_once(row, already: bool, taken: Conflict):
    """Add a row that may stand only once (a contact, a representative): `taken` is raised when it is
    `already` there, or when someone else adds it at the same moment (the unique constraint)."""
    if already:
        raise taken
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:  # named at the same moment by someone else
        db.session.rollback()
        raise taken from None
    return row


# --- contacts -------------------------------------------------------------------------------

def add_contact(user, organisation: Organisation, user_id) -> OrganisationContact:
    require_manager(user, organisation)
    person = _person(user_id)
    taken = Conflict(_("%(person)s is already a contact of %(organisation)s.", person=person.name,
                       organisation=organisation.name), code="already_contact")
    contact = _add_once(OrganisationContact(organisation_id=organisation.id, user_id=person.id, added_by_id=user.id),
                        is_contact(person, organisation.id), taken)
    _record(organisation, user, "organisation.contact_add", f"user:{person.id}")
    return contact


def remove_contact(user, organisation: Organisation, user_id) -> None:
    """A contact may remove another contact or step down, but not leave the organisation without any:
    only a site admin removes the last one."""
    require_manager(user, organisation)
    contact = db.session.scalar(select(OrganisationContact).where(
        OrganisationContact.organisation_id == organisation.id, OrganisationContact.user_id == user_id)) \
        if isinstance(user_id, int) else None
    if contact is None:
        raise NotFound(_("No such contact."))
    count = db.session.scalar(select(func.count()).select_from(OrganisationContact)
                              .where(OrganisationContact.organisation_id == organisation.id))
    if count <= 1 and not getattr(user, "is_admin", False):
        raise Conflict(_("An organisation needs at least one contact: name another one first."), code="last_contact")
    db.session.delete(contact)
    db.session.flush()
    _record(organisation, user, "organisation.contact_remove", f"user:{contact.user_id}")


# --- representatives ------------------------------------------------------------------------

def _make_representative(actor, organisation: Organisation, person: User, **data) -> Representative:
    existing = db.session.scalar(select(Representative).where(
        Representative.organisation_id == organisation.id, Representative.user_id == person.id))
    taken = Conflict(_("%(person)s already represents %(organisation)s.", person=person.name,
                       organisation=organisation.name), code="already_representative")
    representative = _add_once(Representative(organisation_id=organisation.id, user_id=person.id),
                               existing is not None, taken)
    _record(organisation, actor, "organisation.representative_add", f"user:{person.id}", **data)
    return representative


def add_representative(user, organisation: Organisation, user_id) -> Representative:
    require_manager(user, organisation)
    return _make_representative(user, organisation, _person(user_id))


def remove_representative(user, organisation: Organisation, representative_id) -> None:
    require_manager(user, organisation)
    representative = db.session.get(Representative, representative_id) if isinstance(representative_id, int) else None
    if representative is None or representative.organisation_id != organisation.id:
        raise NotFound(_("No such representative."))
    db.session.delete(representative)
    db.session.flush()
    _record(organisation, user, "organisation.representative_remove", f"user:{representative.user_id}")


def invite_representative(user, organisation: Organisation, email, accept_url_for):
    """Names the person with this address a representative. When they have an account they are one at once
    (returns ("added", representative, None)); otherwise a single-use link is mailed that lets them register
    and become one (returns ("invited", invitation, raw token)). The mail is in the inviter's language: the
    person has no account, so no language of their own yet."""
    from app.auth.services import user_by_email

    require_manager(user, organisation)
    errors = FieldErrors()
    email = clean_email(errors, "email", email)
    errors.raise_if_any()
    person = user_by_email(email)
    if person is not None:
        return "added", _make_representative(user, organisation, person), None
    pending = db.session.scalar(select(RepresentativeInvitation.id).where(
        RepresentativeInvitation.organisation_id == organisation.id,
        func.lower(RepresentativeInvitation.email) == email.lower(),
        RepresentativeInvitation.accepted_at.is_(None), RepresentativeInvitation.expires_at > utcnow()))
    if pending is not None:
        raise Conflict(_("%(email)s has already been invited and has not answered yet.", email=email),
                       code="already_invited", details={"fields": {"email": _("Already invited.")}})
    raw = new_token()
    days = current_app.config["INVITATION_DAYS"]
    invitation = RepresentativeInvitation(organisation_id=organisation.id, email=email, token_hash=token_hash(raw),
                                          invited_by_id=user.id, expires_at=utcnow() + timedelta(days=days))
    db.session.add(invitation)
    db.session.flush()
    body = "\n\n".join((
        _("Hello,"),
        _("%(name)s names you a representative of %(organisation)s on Accord: you will be able to endorse texts "
          "of its working groups on its behalf.", name=user.name, organisation=organisation.name),
        ngettext("Open this link within %(num)d day to create your account:",
                 "Open this link within %(num)d days to create your account:", days),
        accept_url_for(raw),
        _("The link works once. If you did not expect it, ignore this message."))) + "\n"
    send_mail(email, _("You are named a representative of %(organisation)s", organisation=organisation.name), body)
    _record(organisation, user, "organisation.representative_invite", f"representative_invitation:{invitation.id}",
            email=email)
    return "invited", invitation, raw


def representative_invitation_for(raw_token) -> RepresentativeInvitation:
    """The usable invitation behind a link: unknown or forged 404, used or expired 409."""
    invitation = None
    if isinstance(raw_token, str) and 10 < len(raw_token) < 200:
        invitation = db.session.scalar(select(RepresentativeInvitation).where(
            RepresentativeInvitation.token_hash == token_hash(raw_token)))
    if invitation is None:
        raise NotFound(_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation has already been used."), code="invitation_used")
    if invitation.expires_at < utcnow():
        raise Conflict(_("This invitation has expired. Ask the organisation's contact for a new one."),
                       code="invitation_expired")
    return invitation


def _take_up(invitation: RepresentativeInvitation, person: User) -> Representative:
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = person.id
    return _make_representative(person, invitation.organisation, person, invitation_id=invitation.id)


def register_representative(raw_token, *, name, password) -> tuple[User, Representative]:
    """A new account for the invited address, belonging to the organisation and representing it."""
    from app.auth.services import create_user

    invitation = representative_invitation_for(raw_token)
    person = create_user(invitation.email, name, password, organisation_id=invitation.organisation_id)
    return person, _take_up(invitation, person)


def accept_representative_invitation(user, raw_token) -> Representative:
    """For a person who made an account with the invited address after the invitation was sent."""
    invitation = representative_invitation_for(raw_token)
    if user.email.strip().lower() != invitation.email.strip().lower():
        raise PermissionDenied(_("This invitation was sent to %(invited)s, and you are signed in as %(email)s.",
                                 invited=invitation.email, email=user.email), code="invitation_for_another_address")
    if user.organisation_id is None:
        user.organisation_id = invitation.organisation_id
    return _take_up(invitation, user)


def pending_representative_invitations(organisation: Organisation) -> list[RepresentativeInvitation]:
    return list(db.session.scalars(select(RepresentativeInvitation).where(
        RepresentativeInvitation.organisation_id == organisation.id, RepresentativeInvitation.accepted_at.is_(None),
        RepresentativeInvitation.expires_at > utcnow()).order_by(RepresentativeInvitation.created_at.desc())))


def is_representative(user, organisation_id: int) -> bool:
    return db.session.scalar(select(Representative.id).where(
        Representative.organisation_id == organisation_id, Representative.user_id == user.id)) is not None
