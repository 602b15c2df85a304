"""API: tokens and the signed-in person."""
from __future__ import annotations

from typing import Annotated

from flask import current_app, jsonify
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from app.api import NO_CONTENT, endpoint, page_of, parse, signed_in_user
from app.api.fields import Id, text
from app.api.serialise import Answer, GroupJson, TokenJson, UserJson, group_json, token_json, user_json
from app.auth import services
from app.errors import Unauthorized
from app.extensions import db, limiter
from app.groups.services import groups_of
from app.i18n import LANGUAGES, _


class TokenRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    email: str
    password: str
    name: text(120, required=False) | None = None


def _time_zones() -> list[str]:
    import pytz

    return ["", *pytz.common_timezones]


LanguageCode = Annotated[str, WithJsonSchema({"type": "string", "enum": ["", *LANGUAGES]})]
TimeZoneName = Annotated[str, WithJsonSchema({"type": "string", "enum": _time_zones()})]


def _no_default(schema: dict) -> None:
    schema.pop("default", None)  # absent means "unchanged", not null: null is not a value these fields take


class ProfileRequest(BaseModel):
    model_config = ConfigDict(strict=True, json_schema_extra={"minProperties": 1})
    name: text(120) = Field(
        None, json_schema_extra=_no_default,
        description="Sent with or without organisation_id; when name is sent, a missing organisation_id means none")
    organisation_id: Id | None = None
    job_title: text(200, required=False) = Field(
        None, json_schema_extra=_no_default,
        description='The title offered when signing for the organisation, e.g. "Deputy Mayor"; "" for none')
    language: LanguageCode = Field(
        None, json_schema_extra=_no_default,
        description='The interface language; "" for the browser\'s. Error messages of the API come in it too (the '
                    "codes stay English).")
    time_zone: TimeZoneName = Field(
        None, json_schema_extra=_no_default,
        description='An IANA time zone such as "Europe/Oslo"; "" for the installation\'s (DEFAULT_TIME_ZONE).')


class ProfileJson(UserJson):
    job_title: str = Field(description="The title offered when signing for the organisation; may be empty")
    language: str | None = Field(description="The chosen interface language; null: the browser's")
    time_zone: str | None = Field(description="The chosen time zone; null: the installation's")


def profile_json(user) -> dict:
    return {**user_json(user), "job_title": user.job_title or "", "language": user.language,
            "time_zone": user.time_zone}


class NewTokenJson(Answer):
    token: str = Field(description="The token itself, shown this once: send it as Authorization: Bearer <token>")
    user: UserJson
    token_info: TokenJson


class MeJson(ProfileJson):
    groups: list[GroupJson]


@endpoint("/tokens", "POST", "Create a personal API token (shown once)", body=TokenRequest, response=NewTokenJson,
          status=201, tag="accounts", auth=False, errors=(400, 401, 429))
@limiter.limit(lambda: current_app.config["RATELIMIT_TOKENS"])
def create_token():
    data = parse(TokenRequest)
    user = services.authenticate(data.email, data.password)
    if user is None:
        raise Unauthorized(_("The e-mail address or the password is wrong."), code="bad_credentials")
    token, raw = services.create_api_token(user, data.name)
    db.session.commit()
    return jsonify({"token": raw, "user": user_json(user), "token_info": token_json(token)}), 201


@endpoint("/tokens", "GET", "List my API tokens", response=page_of(TokenJson), tag="accounts")
def list_tokens():
    user = signed_in_user()
    return jsonify({"items": [token_json(t) for t in services.list_api_tokens(user)], "next_cursor": None})


@endpoint("/tokens/<int:token_id>", "DELETE", "Revoke one of my API tokens", response=NO_CONTENT, status=204,
          tag="accounts", errors=(401, 404))
def revoke_token(token_id):
    user = signed_in_user()
    services.revoke_api_token(user, token_id)
    db.session.commit()
    return "", 204


@endpoint("/me", "GET", "The signed-in person and their groups", response=MeJson, tag="accounts", errors=(401,))
def me():
    user = signed_in_user()
    data = profile_json(user)
    data["groups"] = [group_json(group, role) for group, role in groups_of(user)]
    return jsonify(data)


@endpoint("/me", "PATCH", "Change my name, organisation, job title, language or time zone", body=ProfileRequest,
          response=ProfileJson, tag="accounts", errors=(400, 401))
def update_me():
    user = signed_in_user()
    data = parse(ProfileRequest)
    sent = data.model_fields_set
    if not sent:
        from app.errors import Invalid
        from app.i18n import gettext

        raise Invalid(gettext("Send at least one of name, organisation_id, job_title, language and time_zone."),
                      fields={"name": gettext("Nothing to change was sent.")})
    if "name" in sent or "organisation_id" in sent:
        services.update_profile(user, name=data.name if "name" in sent else user.name,
                                organisation_id=data.organisation_id)
    if "job_title" in sent:
        services.update_profile(user, name=user.name, organisation_id=user.organisation_id, job_title=data.job_title)
    if "language" in sent or "time_zone" in sent:
        services.set_language(user, data.language if "language" in sent else None,
                              data.time_zone if "time_zone" in sent else None)
    db.session.commit()
    return jsonify(profile_json(user))
