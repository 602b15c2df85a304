"""API: organisations, their contacts and representatives.

Site admins create and change organisations; an organisation's contacts (and site admins) name and remove
its contacts and representatives; a group's coordinator asks an organisation to name a representative."""
from __future__ import annotations

from flask import jsonify
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from app.api import NO_CONTENT, PageQuery, endpoint, page_of, paginate, parse, signed_in_user
from app.api.fields import Country, Email, Id, choice, text
from app.api.serialise import (
    Answer,
    OrganisationJson,
    RepresentativeJson,
    Timestamp,
    organisation_json,
    representative_json,
)
from app.extensions import db
from app.groups import representative_requests
from app.groups.permissions import group_for, require_role
from app.organisations import services
from app.organisations.models import ORGANISATION_KINDS, Organisation
from app.util import iso, public_url


class OrganisationRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    name: text(200)
    country: Country
    kind: choice(ORGANISATION_KINDS) | None = None


class RepresentativeRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    user_id: Id


class ContactRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    user_id: Id


class ContactJson(Answer):
    organisation_id: int
    user_id: int
    name: str
    created_at: Timestamp


def contact_json(contact) -> dict:
    return {"organisation_id": contact.organisation_id, "user_id": contact.user_id, "name": contact.user.name,
            "created_at": iso(contact.created_at)}


class RepresentativeInvitationRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    email: Email


class InvitationRefJson(Answer):
    id: int
    email: str
    expires_at: Timestamp


class NamedJson(Answer):
    outcome: choice(("added", "invited")) = Field(
        description="added: the address has an account, which now represents the organisation; invited: a "
                    "link to register was mailed")
    representative: RepresentativeJson | None
    invitation: InvitationRefJson | None


class AskRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    organisation_id: Id


class AskedJson(Answer):
    id: int
    group_id: int
    organisation_id: int
    created_at: Timestamp
    notified: int = Field(description="How many people were mailed (its contacts, else the site admins)")


@endpoint("/organisations", "POST", "Create an organisation (site admin)", body=OrganisationRequest,
          response=OrganisationJson, status=201, tag="organisations", errors=(400, 401, 403, 409))
def create_organisation():
    user = signed_in_user()
    services.require_admin(user)
    data = parse(OrganisationRequest)
    organisation = services.create_organisation(user, data.name, data.country, data.kind)
    db.session.commit()
    return jsonify(organisation_json(organisation)), 201


@endpoint("/organisations", "GET", "List organisations (representatives: only those who share a group with "
          "you, all for a site admin)", response=page_of(OrganisationJson), query=PageQuery, tag="organisations",
          errors=(400, 401))
def list_organisations():
    visible = services.representatives_visible_to(signed_in_user())
    return jsonify(paginate(select(Organisation), Organisation.id, lambda o: organisation_json(o, visible)))


@endpoint("/organisations/<int:oid>", "GET", "One organisation with the representatives you may see",
          response=OrganisationJson, tag="organisations", errors=(401, 404))
def get_organisation(oid):
    visible = services.representatives_visible_to(signed_in_user())
    return jsonify(organisation_json(services.organisation_for(oid), visible))


@endpoint("/organisations/<int:oid>", "PATCH", "Change an organisation (site admin)", body=OrganisationRequest,
          response=OrganisationJson, tag="organisations", errors=(400, 401, 403, 404, 409))
def update_organisation(oid):
    user = signed_in_user()
    services.require_admin(user)
    organisation = services.organisation_for(oid)
    data = parse(OrganisationRequest)
    services.update_organisation(user, organisation, data.name, data.country, data.kind)
    db.session.commit()
    return jsonify(organisation_json(organisation))


def _managed(oid):
    """The caller and the organisation they manage, checked in this order: signed in (401), the organisation
    exists (404), the caller is one of its contacts or a site admin (403); all before the body is read."""
    user = signed_in_user()
    organisation = services.organisation_for(oid)
    services.require_manager(user, organisation)
    return user, organisation


@endpoint("/organisations/<int:oid>/representatives", "POST",
          "Name a person with an account a representative (a contact of the organisation or a site admin)",
          body=RepresentativeRequest, response=RepresentativeJson, status=201, tag="organisations",
          errors=(400, 401, 403, 404, 409))
def add_representative(oid):
    user, organisation = _managed(oid)
    data = parse(RepresentativeRequest)
    representative = services.add_representative(user, organisation, data.user_id)
    db.session.commit()
    return jsonify(representative_json(representative)), 201


@endpoint("/organisations/<int:oid>/representatives/<int:rid>", "DELETE",
          "Remove a representative (a contact of the organisation or a site admin)",
          response=NO_CONTENT, status=204, tag="organisations", errors=(401, 403, 404))
def remove_representative(oid, rid):
    user, organisation = _managed(oid)
    services.remove_representative(user, organisation, rid)
    db.session.commit()
    return "", 204


@endpoint("/organisations/<int:oid>/representative-invitations", "POST",
          "Name a representative by e-mail address: at once when the address has an account, else by a mailed "
          "link to register (a contact of the organisation or a site admin)",
          body=RepresentativeInvitationRequest, response=NamedJson, status=201, tag="organisations",
          errors=(400, 401, 403, 404, 409))
def invite_representative(oid):
    user, organisation = _managed(oid)
    data = parse(RepresentativeInvitationRequest)
    outcome, made, _raw = services.invite_representative(
        user, organisation, data.email, lambda raw: public_url("organisations.invitation", token=raw))
    db.session.commit()
    if outcome == "added":
        return jsonify({"outcome": outcome, "representative": representative_json(made), "invitation": None}), 201
    return jsonify({"outcome": outcome, "representative": None,
                    "invitation": {"id": made.id, "email": made.email, "expires_at": iso(made.expires_at)}}), 201


@endpoint("/organisations/<int:oid>/contacts", "POST", "Name a contact (a contact of the organisation or a site admin)",
          body=ContactRequest, response=ContactJson, status=201, tag="organisations",
          errors=(400, 401, 403, 404, 409))
def add_contact(oid):
    user, organisation = _managed(oid)
    data = parse(ContactRequest)
    contact = services.add_contact(user, organisation, data.user_id)
    db.session.commit()
    return jsonify(contact_json(contact)), 201


@endpoint("/organisations/<int:oid>/contacts/<int:uid>", "DELETE",
          "Remove a contact (a contact of the organisation or a site admin; only a site admin removes the last)",
          response=NO_CONTENT, status=204, tag="organisations", errors=(401, 403, 404, 409))
def remove_contact(oid, uid):
    user, organisation = _managed(oid)
    services.remove_contact(user, organisation, uid)
    db.session.commit()
    return "", 204


@endpoint("/groups/<int:gid>/representative-requests", "POST",
          "Ask an organisation taking part in the group to name a representative (coordinator; once a day)",
          body=AskRequest, response=AskedJson, status=201, tag="organisations", errors=(400, 401, 403, 404, 409))
def request_representative(gid):
    user = signed_in_user()
    group = group_for(user, gid)
    require_role(user, group, "coordinator")
    data = parse(AskRequest)
    asked = representative_requests.request_representative(
        user, group, data.organisation_id, public_url("organisations.show", oid=data.organisation_id))
    db.session.commit()
    return jsonify({"id": asked.id, "group_id": asked.group_id, "organisation_id": asked.organisation_id,
                    "created_at": iso(asked.created_at), "notified": asked.notified}), 201
