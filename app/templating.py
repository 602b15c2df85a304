"""Filters and globals the templates share."""
from __future__ import annotations

from datetime import datetime

from flask import Flask

from app.groups.models import ROLES
from app.organisations.models import ORGANISATION_KINDS
from app.validation import country_name

ROLE_DESCRIPTIONS = {
    "observer": "reads documents, versions, comments and endorsements",
    "member": "also comments, proposes amendments and edits drafts",
    "editor": "also edits in review, arranges sections and names versions",
    "coordinator": "also invites people, changes roles and moves documents through their workflow",
}


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%d %b %Y, %H:%M UTC")


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["country"] = country_name
    app.jinja_env.globals.update(
        ROLES=ROLES,
        ROLE_DESCRIPTIONS=ROLE_DESCRIPTIONS,
        ORGANISATION_KINDS=ORGANISATION_KINDS,
    )
