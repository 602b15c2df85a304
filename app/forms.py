"""Shared form plumbing: service field errors shown on the form that caused them."""
from __future__ import annotations

from urllib.parse import urlsplit

from app.errors import AccordError
from app.extensions import db


def apply_errors(form, error: AccordError) -> None:
    """Puts a service's field errors on the form's fields (the rest on the form)."""
    db.session.rollback()
    fields = error.details.get("fields", {}) if error.details else {}
    placed = False
    for name, message in fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
            placed = True
    if not placed:
        form.form_errors.append(error.message)


def status_for(form) -> int:
    """Pages answer 400 when they show a form with errors, so tools can tell."""
    return 400 if form.errors else 200


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths: an open redirect after sign-in would aid phishing."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
