"""API: working groups, members and invitations."""
from __future__ import annotations

from flask import jsonify
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from app.api import NO_CONTENT, PageQuery, endpoint, page_of, paginate, parse, signed_in_user
from app.api.fields import Email, Id, choice, password, text
from app.api.serialise import (
    Answer,
    GroupJson,
    InvitationJson,
    MembershipJson,
    UserJson,
    group_json,
    invitation_json,
    membership_json,
    user_json,
)
from app.extensions import db
from app.groups import services
from app.groups.fragments import current_work
from app.groups.models import ROLES, Membership
from app.groups.permissions import group_for, require_role, role_in
from app.util import public_url
from config import Config

GroupName = text(200)
Description = text(5000, required=False, multiline=True)
Role = choice(ROLES)


class GroupRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    name: GroupName
    description: Description | None = None


class GroupPatch(BaseModel):
    model_config = ConfigDict(strict=True)
    name: GroupName | None = None
    description: Description | None = None


class InvitationRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    email: Email
    role: Role


class BatchInvitationItem(BaseModel):
    model_config = ConfigDict(strict=True)
    email: Email
    role: Role


class BatchInvitationRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    invitations: list[BatchInvitationItem] = Field(min_length=1, max_length=services.BATCH_LIMIT)
    note: text(services.NOTE_LIMIT, required=False, multiline=True) | None = None


class BatchInvitationsJson(Answer):
    invitations: list[InvitationJson]


class RegisterRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    name: text(120)
    password: password(Config.PASSWORD_MIN_LENGTH)
    organisation_id: Id | None = None


class RoleRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    role: Role


class RegisteredJson(Answer):
    user: UserJson
    membership: MembershipJson


def _accept_url(raw: str) -> str:
    return public_url("groups.invitation", token=raw)


@endpoint("/groups", "POST", "Start a working group (you become its coordinator)", body=GroupRequest,
          response=GroupJson, status=201, tag="groups", errors=(400, 401))
def create_group():
    user = signed_in_user()
    data = parse(GroupRequest)
    group = services.create_group(user, data.name, data.description)
    db.session.commit()
    return jsonify(group_json(group, "coordinator")), 201


@endpoint("/groups", "GET", "The groups I belong to", response=page_of(GroupJson), tag="groups", errors=(401,))
def list_groups():
    user = signed_in_user()
    return jsonify({"items": [group_json(g, role) for g, role in services.groups_of(user)], "next_cursor": None})


@endpoint("/groups/<int:gid>", "GET", "One group", response=GroupJson, tag="groups", errors=(401, 404))
def get_group(gid):
    user = signed_in_user()
    group = group_for(user, gid)
    return jsonify(group_json(group, role_in(user, group.id)))


@endpoint("/groups/<int:gid>", "PATCH", "Rename or describe a group (coordinator)", body=GroupPatch,
          response=GroupJson, tag="groups", errors=(400, 401, 403, 404))
def update_group(gid):
    user = signed_in_user()
    group = group_for(user, gid)
    require_role(user, group, "coordinator")
    data = parse(GroupPatch)
    services.update_group(user, group, name=data.name if data.name is not None else group.name,
                          description=data.description if data.description is not None else group.description)
    db.session.commit()
    return jsonify(group_json(group, role_in(user, group.id)))


@endpoint("/groups/<int:gid>/members", "GET", "Members of a group", response=page_of(MembershipJson),
          query=PageQuery, tag="groups", errors=(400, 401, 404))
def list_members(gid):
    user = signed_in_user()
    group = group_for(user, gid)
    return jsonify(paginate(select(Membership).where(Membership.group_id == group.id), Membership.id,
                            membership_json))


@endpoint("/groups/<int:gid>/members/<int:uid>", "PATCH", "Change a member's role (coordinator)",
          body=RoleRequest, response=MembershipJson, tag="groups", errors=(400, 401, 403, 404, 409))
def change_role(gid, uid):
    user = signed_in_user()
    group = group_for(user, gid)
    require_role(user, group, "coordinator")
    data = parse(RoleRequest)
    membership = services.change_role(user, group, uid, data.role)
    db.session.commit()
    return jsonify(membership_json(membership))


@endpoint("/groups/<int:gid>/members/<int:uid>", "DELETE", "Remove a member (coordinator), or leave",
          response=NO_CONTENT, status=204, tag="groups", errors=(401, 403, 404, 409))
def remove_member(gid, uid):
    user = signed_in_user()
    group = group_for(user, gid)
    services.remove_member(user, group, uid)
    db.session.commit()
    return "", 204


@endpoint("/groups/<int:gid>/invitations", "POST", "Invite someone by e-mail (coordinator)",
          body=InvitationRequest, response=InvitationJson, status=201, tag="groups", errors=(400, 401, 403, 404, 409))
def create_invitation(gid):
    user = signed_in_user()
    group = group_for(user, gid)
    require_role(user, group, "coordinator")
    data = parse(InvitationRequest)
    invitation, raw = services.invite(user, group, data.email, data.role, _accept_url, current_work=current_work(group))
    db.session.commit()
    return jsonify(invitation_json(invitation, raw, _accept_url(raw))), 201


@endpoint("/groups/<int:gid>/invitations/batch", "POST",
          "Invite several people at once with a personal note (coordinator); all or none: 400 "
          "invalid_invitations names each faulty item (invitations.<i>.email / .role), and nothing is created",
          body=BatchInvitationRequest, response=BatchInvitationsJson, status=201, tag="groups",
          errors=(400, 401, 403, 404))
def create_invitations(gid):
    user = signed_in_user()
    group = group_for(user, gid)
    require_role(user, group, "coordinator")
    data = parse(BatchInvitationRequest)
    entries = [services.BatchEntry(item.email, item.role) for item in data.invitations]
    made = services.invite_many(user, group, entries, data.note, _accept_url, current_work=current_work(group))
    db.session.commit()
    return jsonify({"invitations": [invitation_json(i, raw, _accept_url(raw)) for i, raw in made]}), 201


@endpoint("/groups/<int:gid>/invitations", "GET", "Pending invitations (coordinator)",
          response=page_of(InvitationJson), tag="groups", errors=(401, 403, 404))
def list_invitations(gid):
    user = signed_in_user()
    group = group_for(user, gid)
    require_role(user, group, "coordinator")
    return jsonify({"items": [invitation_json(i) for i in services.pending_invitations(group)],
                    "next_cursor": None})


@endpoint("/groups/<int:gid>/invitations/<int:iid>", "DELETE", "Withdraw an invitation (coordinator)",
          response=NO_CONTENT, status=204, tag="groups", errors=(401, 403, 404))
def revoke_invitation(gid, iid):
    user = signed_in_user()
    group = group_for(user, gid)
    services.revoke_invitation(user, group, iid)
    db.session.commit()
    return "", 204


@endpoint("/invitations/<token>/register", "POST", "Create an account through an invitation",
          body=RegisterRequest, response=RegisteredJson, status=201, tag="groups", auth=False, errors=(400, 404, 409))
def register(token):
    services.invitation_for(token)  # an unknown or used link answers before the body is judged
    data = parse(RegisterRequest)
    user, membership = services.register_with_invitation(token, name=data.name, password=data.password,
                                                         organisation_id=data.organisation_id)
    db.session.commit()
    return jsonify({"user": user_json(user), "membership": membership_json(membership)}), 201


@endpoint("/invitations/<token>/accept", "POST",
          "Accept an invitation as the signed-in person (only the invited address may: 403 "
          "invitation_for_another_address otherwise)", response=MembershipJson, tag="groups",
          errors=(401, 403, 404, 409))
def accept(token):
    user = signed_in_user()
    membership = services.accept_invitation(user, token)
    db.session.commit()
    return jsonify(membership_json(membership))
