"""Filters and globals the templates share."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask, url_for

from app.groups.models import ROLES
from app.organisations.models import ORGANISATION_KINDS
from app.util import long_date, utcnow
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


def spoken_time(value: datetime | str | None, now: datetime | None = None) -> str:
    """When something happened, as a person says it: "today at 14:02", "yesterday at 09:15",
    "on 3 March 2027 at 14:02" (UTC, as every time on the site; naive datetimes or ISO strings with Z)."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.removesuffix("Z"))
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    now = now or utcnow()
    clock = f"{value:%H:%M} UTC"
    if value.date() == now.date():
        return f"today at {clock}"
    if value.date() == (now - timedelta(days=1)).date():
        return f"yesterday at {clock}"
    return f"on {long_date(value.date())} at {clock}"


_ID_MARK = 1987654321  # a valid id that appears nowhere else in a URL


def url_maker(endpoint: str, param: str, **values):
    """A function id -> URL for one endpoint, built with a single url_for call.

    A long page links every section to the same few endpoints; building each
    link through the router costs more than the rest of the section's markup,
    so the route is built once with a marker id and the marker replaced."""
    head, _, tail = url_for(endpoint, **{param: _ID_MARK}, **values).partition(str(_ID_MARK))
    return lambda value: f"{head}{int(value)}{tail}"


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["country"] = country_name
    app.jinja_env.filters["longdate"] = long_date
    app.jinja_env.filters["spoken_time"] = spoken_time
    app.jinja_env.globals.update(
        ROLES=ROLES,
        ROLE_DESCRIPTIONS=ROLE_DESCRIPTIONS,
        ORGANISATION_KINDS=ORGANISATION_KINDS,
        url_maker=url_maker,
    )
