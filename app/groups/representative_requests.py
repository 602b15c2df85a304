"""Asking an organisation taking part in a working group to name a representative.

A coordinator sees on the sign-off board which organisations have nobody able to sign, and asks them: the
organisation's contacts are mailed, each in their own language (the site admins when it has none).
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from app.audit.services import record
from app.auth.models import User
from app.errors import Conflict, Invalid
from app.extensions import db
from app.groups.permissions import require_role
from app.i18n import _, in_language, ngettext
from app.mail.services import send_mail
from app.organisations.models import Organisation, RepresentativeRequest
from app.organisations.services import groups_taking_part
from app.util import utcnow
from app.validation import FieldErrors, clean_id


def request_representative(user, group, organisation_id, organisation_url) -> RepresentativeRequest:
    """A coordinator asks an organisation taking part in the group to name a representative: its contacts
    are mailed, each in their own language (the site admins when it has none). Once per organisation and
    group within REPRESENTATIVE_REQUEST_HOURS, so nobody is flooded."""
    require_role(user, group, "coordinator")
    errors = FieldErrors()
    organisation_id = clean_id(errors, "organisation_id", organisation_id)
    errors.raise_if_any()
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise Invalid(_("No such organisation."), fields={"organisation_id": _("No such organisation.")})
    if group.id not in groups_taking_part(organisation.id):
        raise Conflict(_("%(organisation)s does not take part in this group: none of its members belongs to it.",
                         organisation=organisation.name), code="organisation_not_in_group")
    hours = current_app.config["REPRESENTATIVE_REQUEST_HOURS"]
    recent = db.session.scalar(select(RepresentativeRequest.id).where(
        RepresentativeRequest.organisation_id == organisation.id, RepresentativeRequest.group_id == group.id,
        RepresentativeRequest.created_at > utcnow() - timedelta(hours=hours)))
    if recent is not None:
        raise Conflict(ngettext("%(organisation)s was asked less than %(num)d hour ago.",
                                "%(organisation)s was asked less than %(num)d hours ago.", hours,
                                organisation=organisation.name), code="requested_recently")
    people = [contact.user for contact in organisation.contacts] or list(
        db.session.scalars(select(User).where(User.is_admin.is_(True)).order_by(User.id)))
    for person in people:
        with in_language(person.language, person.time_zone):
            body = "\n\n".join((
                _("Hello %(name)s,", name=person.name),
                _("%(coordinator)s, coordinator of the working group “%(group)s”, asks %(organisation)s to name a "
                  "representative: a person who may endorse the group's texts on its behalf. Nobody can do so "
                  "for it yet.", coordinator=user.name, group=group.name, organisation=organisation.name),
                _("Name one here (by e-mail address; a person without an account is invited):"),
                organisation_url)) + "\n"
            send_mail(person.email, _("Please name a representative of %(organisation)s",
                                      organisation=organisation.name), body)
    request = RepresentativeRequest(organisation_id=organisation.id, group_id=group.id, requested_by_id=user.id,
                                    notified=len(people))
    db.session.add(request)
    db.session.flush()
    record(group.id, user, "organisation.representative_request", f"organisation:{organisation.id}",
           notified=len(people))
    return request


def last_requests(group_id: int) -> dict[int, object]:
    """When each organisation was last asked to name a representative for the group."""
    return dict(db.session.execute(select(RepresentativeRequest.organisation_id,
                                          func.max(RepresentativeRequest.created_at))
                                   .where(RepresentativeRequest.group_id == group_id)
                                   .group_by(RepresentativeRequest.organisation_id)).all())
