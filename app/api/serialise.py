"""How objects look in the JSON API: each serialiser beside the model that describes its answer.

A model (`...Json`) says what its serialiser gives: every field it names, with its type and whether it may be
null, and no other field (`extra="forbid"`: additionalProperties false in the OpenAPI description). `endpoint()`
declares the model of each success answer, so the OpenAPI document states it; tests/test_api_responses.py
checks real answers of the running app against those descriptions, and Schemathesis (tests/test_api_fuzz.py)
checks every answer it provokes, so the serialisers and their descriptions cannot drift apart.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from app.api.fields import choice
from app.groups.models import ROLES
from app.organisations.models import ORGANISATION_KINDS
from app.util import iso


class Answer(BaseModel):
    """A JSON object the API answers with: the fields named, no other."""
    model_config = ConfigDict(extra="forbid")


def _no_default(schema: dict) -> None:
    schema.pop("default", None)


def only_when(condition: str, alias: str | None = None):
    """A field given only in some answers (`condition` says which); when given, of its declared type.
    `alias`: its name in the JSON, when that is a Python keyword (import, from, pass)."""
    return Field(None, alias=alias, description=f"Only {condition}", json_schema_extra=_no_default)


# What util.iso gives: UTC, to the second, with a Z.
Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time",
                                           "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"})]
IsoDay = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
Role = choice(ROLES)


class PersonRef(Answer):
    id: int
    name: str


class UserJson(Answer):
    id: int
    email: str
    name: str
    organisation_id: int | None
    is_admin: bool
    created_at: Timestamp


def user_json(user) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name, "organisation_id": user.organisation_id,
            "is_admin": user.is_admin, "created_at": iso(user.created_at)}


class RepresentativeRef(Answer):
    id: int
    user_id: int
    name: str


class OrganisationJson(Answer):
    id: int
    name: str
    country: str
    kind: choice(ORGANISATION_KINDS)
    created_at: Timestamp
    representatives: list[RepresentativeRef] = Field(description="Only those the caller may see")


def organisation_json(organisation, visible_people: set[int] | None = None) -> dict:
    """An organisation; its representatives only as far as `visible_people` reaches (None: all)."""
    return {"id": organisation.id, "name": organisation.name, "country": organisation.country,
            "kind": organisation.kind, "created_at": iso(organisation.created_at),
            "representatives": [{"id": r.id, "user_id": r.user_id, "name": r.user.name}
                                for r in organisation.representatives
                                if visible_people is None or r.user_id in visible_people]}


class RepresentativeJson(Answer):
    id: int
    organisation_id: int
    user_id: int
    created_at: Timestamp


def representative_json(representative) -> dict:
    return {"id": representative.id, "organisation_id": representative.organisation_id,
            "user_id": representative.user_id, "created_at": iso(representative.created_at)}


class GroupJson(Answer):
    id: int
    name: str
    description: str
    created_at: Timestamp
    role: Role = only_when("for a group the caller belongs to: the caller's role in it")


def group_json(group, role: str | None = None) -> dict:
    data = {"id": group.id, "name": group.name, "description": group.description,
            "created_at": iso(group.created_at)}
    if role is not None:
        data["role"] = role
    return data


class MembershipJson(Answer):
    user_id: int
    group_id: int
    name: str
    email: str
    organisation_id: int | None
    role: Role
    created_at: Timestamp


def membership_json(membership) -> dict:
    return {"user_id": membership.user_id, "group_id": membership.group_id, "name": membership.user.name,
            "email": membership.user.email, "organisation_id": membership.user.organisation_id,
            "role": membership.role, "created_at": iso(membership.created_at)}


class InvitationJson(Answer):
    id: int
    group_id: int
    email: str
    role: Role
    expires_at: Timestamp
    created_at: Timestamp
    token: str = only_when("as the invitation is made (shown once)")
    accept_url: str = only_when("as the invitation is made, with its token")


def invitation_json(invitation, token: str | None = None, accept_url: str | None = None) -> dict:
    data = {"id": invitation.id, "group_id": invitation.group_id, "email": invitation.email,
            "role": invitation.role, "expires_at": iso(invitation.expires_at),
            "created_at": iso(invitation.created_at)}
    if token is not None:
        data["token"] = token
        data["accept_url"] = accept_url
    return data


class TokenJson(Answer):
    id: int
    name: str
    prefix: str
    created_at: Timestamp
    last_used_at: Timestamp | None
    revoked_at: Timestamp | None


def token_json(token) -> dict:
    return {"id": token.id, "name": token.name, "prefix": token.prefix, "created_at": iso(token.created_at),
            "last_used_at": iso(token.last_used_at), "revoked_at": iso(token.revoked_at)}
