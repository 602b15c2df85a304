"""Domain errors raised by services, and the one place that answers them.

Services raise these; `register_error_handlers` turns them into the JSON
error envelope for the API (and JSON clients) and into a page or a flash
message for the browser.
"""
from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException


class AccordError(Exception):
    status = 400
    code = "error"
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None, *, code: str | None = None, details: dict | None = None):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        if code:
            self.code = code
        self.details = details or {}


class Invalid(AccordError):
    status = 400
    code = "invalid"
    default_message = "Some fields are not valid."

    def __init__(self, message: str | None = None, *, fields: dict[str, str] | None = None, code: str | None = None):
        super().__init__(message, code=code, details={"fields": fields or {}})
        self.fields = fields or {}


class Unauthorized(AccordError):
    status = 401
    code = "unauthorized"
    default_message = "Sign in first."


class PermissionDenied(AccordError):
    status = 403
    code = "forbidden"
    default_message = "You are not allowed to do that."


class NotFound(AccordError):
    status = 404
    code = "not_found"
    default_message = "Not found."


class Conflict(AccordError):
    status = 409
    code = "conflict"
    default_message = "That conflicts with the current state."


class Frozen(Conflict):
    code = "document_frozen"
    default_message = "This document is frozen: its final text cannot change."


class TooLarge(AccordError):
    status = 413
    code = "too_large"
    default_message = "That is too large."


class Busy(AccordError):
    status = 503
    code = "busy"
    default_message = "The server is busy. Try again in a minute."


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, code: str, message: str, details: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
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
            return app.response_class("This address is not served here.\n", status=400, mimetype="text/plain")
        status = error.code or 500
        code = _HTTP_CODES.get(status, "error")
        if status == 400 and error.__class__.__name__ == "CSRFError":
            code = "csrf_failed"
        message = error.description or error.name
        if getattr(error, "accord_code", None):
            code = error.accord_code
        elif status == 429:
            message = "Too many attempts. Wait a moment and try again."
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
        return _domain_error(Conflict("That was just done by another request. Reload and check.",
                                      code="conflict"))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):  # a bug, not bad input: log it, answer plainly
        if isinstance(error, HTTPException):
            return _http_error(error)
        app.logger.exception("Unhandled error")
        if wants_json():
            return error_response(500, "internal_error", "Something went wrong on our side.")
        return render_template("errors/error.html", status=500, message="Something went wrong on our side."), 500
