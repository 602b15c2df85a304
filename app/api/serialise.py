"""How objects look in the JSON API."""
from __future__ import annotations

from app.util import iso


def user_json(user) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name, "organisation_id": user.organisation_id,
            "is_admin": user.is_admin, "created_at": iso(user.created_at)}


def organisation_json(organisation, visible_people: set[int] | None = None) -> dict:
    """An organisation; its representatives only as far as `visible_people` reaches (None: all)."""
    return {"id": organisation.id, "name": organisation.name, "country": organisation.country,
            "kind": organisation.kind, "created_at": iso(organisation.created_at),
            "representatives": [{"id": r.id, "user_id": r.user_id, "name": r.user.name}
                                for r in organisation.representatives
                                if visible_people is None or r.user_id in visible_people]}


def representative_json(representative) -> dict:
    return {"id": representative.id, "organisation_id": representative.organisation_id,
            "user_id": representative.user_id, "created_at": iso(representative.created_at)}


def group_json(group, role: str | None = None) -> dict:
    data = {"id": group.id, "name": group.name, "description": group.description,
            "created_at": iso(group.created_at)}
    if role is not None:
        data["role"] = role
    return data


def membership_json(membership) -> dict:
    return {"user_id": membership.user_id, "group_id": membership.group_id, "name": membership.user.name,
            "email": membership.user.email, "organisation_id": membership.user.organisation_id,
            "role": membership.role, "created_at": iso(membership.created_at)}


def invitation_json(invitation, token: str | None = None, accept_url: str | None = None) -> dict:
    data = {"id": invitation.id, "group_id": invitation.group_id, "email": invitation.email,
            "role": invitation.role, "expires_at": iso(invitation.expires_at),
            "created_at": iso(invitation.created_at)}
    if token is not None:
        data["token"] = token
        data["accept_url"] = accept_url
    return data


def token_json(token) -> dict:
    return {"id": token.id, "name": token.name, "prefix": token.prefix, "created_at": iso(token.created_at),
            "last_used_at": iso(token.last_used_at), "revoked_at": iso(token.revoked_at)}
