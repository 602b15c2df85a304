"""API: organisations and representatives (changes by site admins only)."""
from __future__ import annotations

from flask import jsonify
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from app.api import NO_CONTENT, PageQuery, endpoint, page_of, paginate, parse, signed_in_user
from app.api.fields import Country, Id, choice, text
from app.api.serialise import OrganisationJson, RepresentativeJson, organisation_json, representative_json
from app.extensions import db
from app.organisations import services
from app.organisations.models import ORGANISATION_KINDS, Organisation


class OrganisationRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    name: text(200)
    country: Country
    kind: choice(ORGANISATION_KINDS) | None = None


class RepresentativeRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    user_id: Id


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


@endpoint("/organisations/<int:oid>/representatives", "POST", "Name a representative (site admin)",
          body=RepresentativeRequest, response=RepresentativeJson, status=201, tag="organisations",
          errors=(400, 401, 403, 404, 409))
def add_representative(oid):
    user = signed_in_user()
    services.require_admin(user)
    organisation = services.organisation_for(oid)
    data = parse(RepresentativeRequest)
    representative = services.add_representative(user, organisation, data.user_id)
    db.session.commit()
    return jsonify(representative_json(representative)), 201


@endpoint("/organisations/<int:oid>/representatives/<int:rid>", "DELETE", "Remove a representative (site admin)",
          response=NO_CONTENT, status=204, tag="organisations", errors=(401, 403, 404))
def remove_representative(oid, rid):
    user = signed_in_user()
    services.require_admin(user)
    services.remove_representative(user, services.organisation_for(oid), rid)
    db.session.commit()
    return "", 204
