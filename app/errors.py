"""Domain errors raised by services, and the one place that answers them.

Services raise these; `register_error_handlers` turns them into the JSON
error envelope for the API (and JSON clients) and into a page or a flash
message for the browser.
"""
from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from app.i18n import gettext
from app.i18n import lazy_gettext as _l


class AccordError(Exception):
    status = 400
    code = "error"
    default_message = _l("The request could not be completed.")

    def __init__(self, message: str | None = None, *, code: str | None = None, details: dict | None = None):
        super().__init__(message or self.default_message)
        self._message = message or self.default_message
        if code:
            self.code = code
        self.details = details or {}

    @property
    def message(self) -> str:
        """The sentence in the language in use when it is read (a class's default is lazy: raised at import
        time or before the request's language was known, it is said in the reader's language)."""
        return str(self._message)

    @message.setter
    def message(self, value: str) -> None:
        self._message = value

    def __str__(self) -> str:
        return self.message


class Invalid(AccordError):
    status = 400
    code = "invalid"
    default_message = _l("Some fields are not valid.")

    def __init__(self, message: str | None = None, *, fields: dict[str, str] | None = None, code: str | None = None):
        super().__init__(message, code=code, details={"fields": fields or {}})
        self.fields = fields or {}


class Unauthorized(AccordError):
    status = 401
    code = "unauthorized"
    default_message = _l("Sign in first.")


class PermissionDenied(AccordError):
    status = 403
    code = "forbidden"
    default_message = _l("You are not allowed to do that.")


class NotFound(AccordError):
    status = 404
    code = "not_found"
    default_message = _l("Not found.")


class Conflict(AccordError):
    status = 409
    code = "conflict"
    default_message = _l("That conflicts with the current state.")


class Frozen(Conflict):
    code = "document_frozen"
    default_message = _l("This document is frozen: its final text cannot change.")


class TooLarge(AccordError):
    status = 413
    code = "too_large"
    default_message = _l("That is too large.")


class Busy(AccordError):
    status = 503
    code = "busy"
    default_message = _l("The server is busy. Try again in a minute.")


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _plain(value):
    """Details as JSON can hold them: lazy sentences (a field's message) said in the request's language."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def error_response(status: int, code: str, message: str, details: dict | None = None):
    response = jsonify({"error": {"code": code, "message": str(message), "details": _plain(details or {})}})
    response.status_code = status
    return response


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def register_error_handlers(app):
    @app.errorhandler(AccordError)
    def _domain_error(error: AccordError):
        if wants_json():
            return error_response(error.status, error.code, error.message, error.details)
        if error.status in (401,):
            return redirect(url_for("auth.login", next=request.full_path))
        if error.status in (403, 404, 413, 503):
            return render_template("errors/error.html", status=error.status, message=error.message), error.status
        # Invalid input and conflicts on pages: say so and go back where the person was.
        flash(error.message, "error")
        for field, message in getattr(error, "fields", {}).items():
            flash(f"{field}: {message}", "error")
        same_site = request.referrer and request.referrer.startswith(request.host_url)
        target = request.referrer if same_site else url_for("main.home")
        return redirect(target)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.__class__.__name__ == "SecurityError":  # a Host outside TRUSTED_HOSTS: no page can be built
            return app.response_class(gettext("This address is not served here.") + "\n", status=400,
                                      mimetype="text/plain")
        status = error.code or 500
        code = _HTTP_CODES.get(status, "error")
        if status == 400 and error.__class__.__name__ == "CSRFError":
            code = "csrf_failed"
        message = error.description or error.name
        if getattr(error, "accord_code", None):
            code = error.accord_code
        elif status == 429:
            message = gettext("Too many attempts. Wait a moment and try again.")
        if wants_json():
            response = error_response(status, code, message)
        else:
            response = app.make_response((render_template("errors/error.html", status=status, message=message), status))
        allowed = error.get_response().headers.get("Allow") if status == 405 else None
        if allowed:  # RFC 9110: a 405 names the allowed methods
            response.headers["Allow"] = allowed
        if status == 429 and error.get_response().headers.get("Retry-After"):
            response.headers["Retry-After"] = error.get_response().headers["Retry-After"]
        return response

    @app.errorhandler(IntegrityError)
    def _integrity_error(error: IntegrityError):
        # A race the services' own checks could not see (two identical requests at one moment):
        # the database's constraint decided, and the loser is told so, not given a 500.
        from app.extensions import db

        db.session.rollback()
        app.logger.info("Integrity error answered as 409: %s", error.orig)
        return _domain_error(Conflict(gettext("That was just done by another request. Reload and check."),
                                      code="conflict"))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):  # a bug, not bad input: log it, answer plainly
        if isinstance(error, HTTPException):
            return _http_error(error)
        app.logger.exception("Unhandled error")
        if wants_json():
            return error_response(500, "internal_error", gettext("Something went wrong on our side."))
        return render_template("errors/error.html", status=500,
                               message=gettext("Something went wrong on our side.")), 500
