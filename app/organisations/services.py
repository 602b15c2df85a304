"""Organisations and their representatives, managed by site admins."""
from __future__ import annotations

from sqlalchemy import func, select

from app.auth.models import User
from app.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.extensions import db
from app.i18n import _
from app.organisations.models import ORGANISATION_KINDS, Organisation, Representative
from app.validation import FieldErrors, clean_choice, clean_country, clean_id, clean_text


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


def add_representative(user, organisation: Organisation, user_id) -> Representative:
    require_admin(user)
    errors = FieldErrors()
    user_id = clean_id(errors, "user_id", user_id)
    errors.raise_if_any()
    person = db.session.get(User, user_id)
    if person is None:
        raise Invalid(_("No such user."), fields={"user_id": _("No such user.")})
    existing = db.session.scalar(select(Representative).where(
        Representative.organisation_id == organisation.id, Representative.user_id == user_id))
    if existing is not None:
        raise Conflict(f"{person.name} already represents {organisation.name}.", code="already_representative")
    representative = Representative(organisation_id=organisation.id, user_id=user_id)
    db.session.add(representative)
    db.session.flush()
    return representative


def remove_representative(user, organisation: Organisation, representative_id) -> None:
    require_admin(user)
    representative = db.session.get(Representative, representative_id) if isinstance(representative_id, int) else None
    if representative is None or representative.organisation_id != organisation.id:
        raise NotFound(_("No such representative."))
    db.session.delete(representative)


def is_representative(user, organisation_id: int) -> bool:
    return db.session.scalar(select(Representative.id).where(
        Representative.organisation_id == organisation_id, Representative.user_id == user.id)) is not None
