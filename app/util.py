"""Small helpers shared by every domain: time, tokens and hashing."""
from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime


def N_(message: str) -> str:  # noqa: N802 - gettext's "noop", one of pybabel extract's default keywords
    """Marks a message for translation where it is shown, not where it is made: a worker, a child process or a
    cache keeps it in English, and the page that shows it says it in its reader's language. Imports nothing."""
    return message


def utcnow() -> datetime:
    """Now in UTC, without tzinfo: every *_at column stores naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, as the API contract says."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Tokens are long random strings, so a plain SHA-256 is a safe stored form."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def public_url(endpoint: str, **values) -> str:
    """The absolute address of a page, built from BASE_URL and never from the request.

    Links in e-mails, PDFs and API answers leave the request they were made in: one built from the
    request's Host header would let whoever sends the request choose where a reset or invitation
    link points (and so receive its token)."""
    from urllib.parse import urlsplit

    from flask import current_app

    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                                       url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)
