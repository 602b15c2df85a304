"""Small helpers shared by every domain: time, tokens and hashing."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone


def utcnow() -> datetime:
    """Now in UTC, without tzinfo: every *_at column stores naive UTC."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, as the API contract says."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Tokens are long random strings, so a plain SHA-256 is a safe stored form."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
