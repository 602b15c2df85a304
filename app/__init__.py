"""Accord: co-drafting, endorsing and sealing joint statements of public buyers."""
from __future__ import annotations

import logging

from flask import Flask, g, request

from config import config_for

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(__name__, template_folder="../templates", instance_relative_config=False)
    config_class = config_for(config_name)
    app.config.from_object(config_class)
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY") and hasattr(config_class, "default_secret_key"):
        app.config["SECRET_KEY"] = config_class.default_secret_key()  # development only, never on import
    if not app.config.get("SECRET_KEY"):
        raise SystemExit("SECRET_KEY is not set. In production, set the SECRET_KEY environment "
                         "variable to a long random string (for example: python -c "
                         "'import secrets; print(secrets.token_urlsafe(48))').")
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked in _protect_from_csrf below
    _check_time_stamp_roots(app.config)
    _choose_rate_limit_storage(app)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.logger.setLevel(logging.INFO)

    _init_extensions(app)
    from app.i18n import init_i18n

    init_i18n(app)
    _register_blueprints(app)
    _connect_receivers()
    _declare_tasks()

    from app.errors import register_error_handlers

    register_error_handlers(app)

    from app.cli import register_cli

    register_cli(app)

    app.before_request(_authenticate_bearer)
    app.before_request(_protect_from_csrf)
    app.after_request(_security_headers)

    from app.templating import register_template_helpers

    register_template_helpers(app)
    return app


def _choose_rate_limit_storage(app: Flask) -> None:
    """Rate limits are counted where every worker of the server sees them: RATELIMIT_STORAGE_URI when
    set; else this process's memory, which production refuses when several workers (gunicorn.conf.py names
    how many) would each count alone."""
    import os

    if app.config["RATELIMIT_STORAGE_URI"]:
        return
    workers = int(os.environ.get("ACCORD_WORKERS") or 1)
    if workers > 1 and app.config["ENV_NAME"] == "production":
        raise SystemExit(f"The server runs {workers} workers, and each would count rate limits on its own, "
                         "multiplying every limit. Set RATELIMIT_STORAGE_URI (for example "
                         "redis://127.0.0.1:6379/3).")
    if workers > 1:
        app.logger.warning("Rate limits are counted per worker (%d workers): set RATELIMIT_STORAGE_URI to "
                           "count them together.", workers)
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"


def _init_extensions(app: Flask) -> None:
    from app.extensions import configure_sqlite, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    from app.i18n import lazy_gettext

    # Made a str in the language of the request that needs it (a lazy string cannot go in the session).
    login_manager.login_message = lazy_gettext("Sign in to see this page.")
    login_manager.localize_callback = str
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # our server-side sessions do the job

    from app import models  # noqa: F401  (every table known to SQLAlchemy and Alembic)
    from app.auth.services import user_for_session

    login_manager.user_loader(user_for_session)

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT"])


def _check_time_stamp_roots(config) -> None:
    """VERIFY_TSA_ROOTS is read by every verification's child process: a file that cannot be read there would
    answer every upload "could not be checked". Say so at start-up instead."""
    if not config["VERIFY_TSA_ROOTS"]:
        return
    from app.export.validate import load_tsa_roots

    try:
        roots = load_tsa_roots(config["VERIFY_TSA_ROOTS"])
        for root in roots:
            root.subject  # noqa: B018  (parsed now: a certificate's bytes are read lazily)
    except (OSError, ValueError) as exc:
        raise SystemExit(f"VERIFY_TSA_ROOTS={config['VERIFY_TSA_ROOTS']!r} cannot be read as certificates: {exc}")


# The modules that declare tasks of the queue (app.tasks): imported here, so that a worker knows every task
# whatever its pages import. tests/tasks checks that this names them all.
TASK_MODULES = ("app.auth.services", "app.mail.services", "app.notifications.services",
                "app.endorsements.services", "app.export.services", "app.export.prerender", "app.export.pruning",
                "app.integrity.services", "app.tasks")


def _declare_tasks() -> None:
    import importlib

    for module in TASK_MODULES:
        importlib.import_module(module)


def _connect_receivers() -> None:
    """Each package built on another listens to the signals of the layers below it (documents.signals,
    comments.signals, endorsements.signals, audit.services.chain_verified); no layer names the ones above
    it. Connected here, explicitly; connecting twice (another app in the same process) changes nothing."""
    from app.comments.receivers import connect_receivers as comments
    from app.documents.signals import missing_receivers
    from app.endorsements.receivers import connect_receivers as endorsements
    from app.export.prerender import connect_receivers as export
    from app.notifications.receivers import connect_receivers as notifications
    from app.roadmaps.receivers import connect_receivers as roadmaps

    for connect in (comments, roadmaps, endorsements, notifications, export):
        connect()
    missing = missing_receivers()
    if missing:
        raise RuntimeError(f"No receiver for the signals {', '.join(missing)}: the documents core relies on them.")


def _register_blueprints(app: Flask) -> None:
    from app.activity.routes import bp as activity_bp
    from app.admin.routes import bp as admin_bp
    from app.api import bp as api_bp
    from app.audit.routes import bp as audit_bp
    from app.auth.routes import bp as auth_bp
    from app.comments.routes import bp as comments_bp
    from app.documents.routes import bp as documents_bp
    from app.documents.workflow_routes import bp as workflow_bp
    from app.endorsements.routes import bp as endorsements_bp
    from app.export.routes import bp as export_bp
    from app.groups.routes import bp as groups_bp
    from app.integrity.routes import bp as integrity_bp
    from app.main import bp as main_bp
    from app.notifications.routes import bp as notifications_bp
    from app.validation import IdConverter
    from app.word.routes import bp as word_bp

    app.url_map.converters["int"] = IdConverter  # an id too large for the database is simply not found
    for blueprint in (main_bp, auth_bp, groups_bp, documents_bp, workflow_bp, comments_bp, notifications_bp,
                      activity_bp, endorsements_bp, audit_bp, admin_bp, integrity_bp, api_bp, export_bp,
                      word_bp):
        app.register_blueprint(blueprint)
    from app.roadmaps.routes import bp as roadmaps_bp

    app.register_blueprint(roadmaps_bp)
    from app.documents.translation_routes import bp as translations_bp

    app.register_blueprint(translations_bp)
    from app.organisations.routes import bp as organisations_bp

    app.register_blueprint(organisations_bp)


def _authenticate_bearer():
    """An API request with a bearer token is that token's user, and only that."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    from app.auth.services import user_for_api_token
    from app.errors import Unauthorized
    from app.i18n import gettext

    user = user_for_api_token(header[len("Bearer "):].strip())
    if user is None:
        raise Unauthorized(gettext("This API token is not valid or was revoked."), code="invalid_token")
    g._login_user = user  # Flask-Login's per-request user
    g.bearer_auth = True
    return None


def _protect_from_csrf():
    """Every unsafe request made with the browser's cookies needs a CSRF token.

    API calls with a bearer token carry no ambient credentials and are exempt,
    and so are API calls made without any sign-in (they are refused with 401
    or are public, like creating a token).
    """
    if request.method in _SAFE_METHODS or g.get("bearer_auth"):
        return None
    from flask_login import current_user

    from app.extensions import csrf

    if request.path.startswith("/api/") and not current_user.is_authenticated:
        return None
    csrf.protect()
    return None


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.path.startswith("/api/") or response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
