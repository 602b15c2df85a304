"""Filters and globals the templates share."""
from __future__ import annotations

from flask import Flask, url_for

from app.groups.models import ROLE_NAMES, ROLES
from app.i18n import lazy_gettext as _l
from app.organisations.models import ORGANISATION_KINDS
from app.validation import country_name

ROLE_DESCRIPTIONS = {
    "observer": _l("reads documents, versions, comments and endorsements"),
    "member": _l("also comments, suggests changes and edits drafts"),
    "editor": _l("also edits in review, arranges sections and names versions"),
    "coordinator": _l("also invites people, changes roles and moves documents through their workflow"),
}


_ID_MARK = 1987654321  # a valid id that appears nowhere else in a URL


def url_maker(endpoint: str, param: str, **values):
    """A function id -> URL for one endpoint, built with a single url_for call.

    A long page links every section to the same few endpoints; building each
    link through the router costs more than the rest of the section's markup,
    so the route is built once with a marker id and the marker replaced."""
    head, _, tail = url_for(endpoint, **{param: _ID_MARK}, **values).partition(str(_ID_MARK))
    return lambda value: f"{head}{int(value)}{tail}"


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["country"] = country_name  # dates, times and numbers: app.i18n
    app.jinja_env.globals.update(
        ROLES=ROLES,
        ROLE_NAMES=ROLE_NAMES,
        ROLE_DESCRIPTIONS=ROLE_DESCRIPTIONS,
        ORGANISATION_KINDS=ORGANISATION_KINDS,
        url_maker=url_maker,
    )
