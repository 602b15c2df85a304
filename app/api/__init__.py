"""The JSON API, /api/v1: one module per resource, one error envelope.

Every endpoint is declared with `endpoint()`, which registers the Flask
route and records what the OpenAPI document says of it, so the published
description cannot drift from the routes. Its `response` names what a success
answers: a pydantic model of the JSON (app/api/serialise.py and the modules,
next to the functions that build it), a `Media` for a file, or `NO_CONTENT`;
tests/test_api_responses.py checks real answers against those descriptions.
"""
from __future__ import annotations

import base64
import binascii
import importlib
import re
from dataclasses import dataclass, field

from flask import Blueprint, request
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from app.errors import Invalid, Unauthorized
from app.i18n import _
from app.validation import MAX_ID

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@dataclass(frozen=True)
class Media:
    """A success answer that is not one of the API's JSON objects: its media type, what it is, and its schema
    (by default the bytes of a file)."""
    type: str
    description: str
    schema: dict | None = None


NO_CONTENT = Media("", "No content")  # 204: nothing in the body

Success = type[BaseModel] | Media  # what a success status answers


@dataclass
class Operation:
    path: str
    method: str
    summary: str
    body: type[BaseModel] | None
    status: int
    tag: str
    auth: bool
    errors: tuple[int, ...] = field(default_factory=tuple)
    query: type[BaseModel] | None = None  # the query parameters, described (the view reads them)
    upload: str | None = None  # the multipart field that carries a file, when the body is one
    responses: dict[int, Success] = field(default_factory=dict)  # what each success status answers
    # What error.details holds for an error status, when the operation says more than the envelope does.
    error_details: dict[int, type[BaseModel]] = field(default_factory=dict)


OPERATIONS: list[Operation] = []
_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def endpoint(rule: str, method: str, summary: str, *, response: Success | dict[int, Success],
             body: type[BaseModel] | None = None, status: int = 200, tag: str = "general", auth: bool = True,
             errors: tuple[int, ...] = (), query: type[BaseModel] | None = None, upload: str | None = None,
             error_details: dict[int, type[BaseModel]] | None = None):
    """Declare an API operation. `response` is what the `status` answer holds, or a mapping of each success
    status to it when there are several (a PDF, or 202 and the export's status while it renders);
    `error_details` what error.details holds for an error status, where it says more than the envelope."""
    responses = dict(response) if isinstance(response, dict) else {status: response}
    if status not in responses or any(not 200 <= s < 300 for s in responses):
        raise ValueError(f"{method} {rule}: describe the success answers, {status} among them")

    def decorator(view):
        OPERATIONS.append(Operation(_CONVERTER.sub(r"{\1}", bp.url_prefix + rule), method.lower(), summary,
                                    body, status, tag, auth, errors, query, upload, responses,
                                    dict(error_details or {})))
        return bp.route(rule, methods=[method], endpoint=view.__name__)(view)
    return decorator


def signed_in_user():
    if not current_user.is_authenticated:
        raise Unauthorized(_("Sign in, or send an API token: Authorization: Bearer <token>."))
    return current_user._get_current_object()


def parse(model: type[BaseModel]):
    """The JSON body validated against `model`: wrong shape or types give 400 with field errors."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # the json module gives up on deep nesting with this, not a ValueError
        raise Invalid(_("The body is nested too deeply."), code="invalid_json") from None
    if data is None and request.get_data(cache=True):
        raise Invalid(_("The body is not valid JSON."), code="invalid_json")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise Invalid(_("The body must be a JSON object."), code="invalid_json")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = {}
        for item in exc.errors():
            name = ".".join(str(part) for part in item["loc"]) or "body"
            fields.setdefault(name, item["msg"])
        raise Invalid(_("Some fields are not valid."), fields=fields) from None


class PageQuery(BaseModel):
    """The query parameters of a list answered a page at a time (`paginate`)."""
    limit: int = Field(50, ge=1, le=200, description="How many items, at most (50 unless given)")
    cursor: str | None = Field(None, description="The next_cursor of the page before; none for the first page")


def page_of(item: type[BaseModel], **extra) -> type[BaseModel]:
    """The model of a page of `item`s: `{"items": [...], "next_cursor": ...}` (null on the last page), with the
    `extra` fields (name=(type, ...)) some lists add."""
    return create_model(f"{item.__name__}Page", __config__=ConfigDict(extra="forbid"), items=(list[item], ...),
                        next_cursor=(str | None, ...), **extra)


def page_params() -> tuple[int, int | None]:
    errors = {}
    limit = request.args.get("limit", "50")
    if not (limit.isascii() and limit.isdigit() and len(limit) <= 3) or not 1 <= int(limit) <= 200:
        errors["limit"] = _("A whole number from 1 to 200.")
    cursor = request.args.get("cursor")
    after = None
    if cursor:
        try:
            after = int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
        except (ValueError, binascii.Error, UnicodeDecodeError):
            errors["cursor"] = _("Not a cursor this API gave.")
        if after is not None and not 0 <= after <= MAX_ID:
            errors["cursor"] = _("Not a cursor this API gave.")
    if errors:
        raise Invalid(_("Bad pagination parameters."), fields=errors)
    return int(limit), after


def paginate(query, id_column, serialise):
    """Keyset pagination by id: `{"items": [...], "next_cursor": ...}`."""
    from app.extensions import db

    limit, after = page_params()
    if after is not None:
        query = query.where(id_column > after)
    rows = list(db.session.scalars(query.order_by(id_column).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = base64.urlsafe_b64encode(str(rows[-1].id).encode()).decode().rstrip("=")
    return {"items": [serialise(row) for row in rows], "next_cursor": next_cursor}


def paginate_newest_first(query, id_column, serialise):
    """Keyset pagination, newest first: the cursor names the last id given."""
    from app.extensions import db

    limit, before = page_params()
    if before is not None:
        query = query.where(id_column < before)
    rows = list(db.session.scalars(query.order_by(id_column.desc()).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = base64.urlsafe_b64encode(str(rows[-1].id).encode()).decode().rstrip("=")
    return {"items": [serialise(row) for row in rows], "next_cursor": next_cursor}


# Each module registers its routes as it is imported; app/api/<x>.py serves app/<x>/.
API_MODULES = ("activity", "audit", "auth", "comments", "documents", "endorsements", "export", "groups", "integrity",
               "mail", "notifications", "openapi", "organisations", "roadmaps", "tasks", "word")
for _module in API_MODULES:
    importlib.import_module(f"app.api.{_module}")
