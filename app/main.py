"""The home page, the health check (/healthz: the process answers, the database too) and the readiness check
(/readyz: the task queue can be reached, its backlog is moving, a worker runs)."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from app.extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("home_anonymous.html")
    from app.groups.services import groups_of

    return render_template("home.html", groups=groups_of(current_user))


@bp.post("/language")
def switch_language():
    """The language switcher of every page: a signed-in person's choice is saved in their profile, a visitor's
    in a cookie; back to the page they were on. An unknown code changes nothing."""
    from app.i18n import LANGUAGE_COOKIE, choose_language

    chosen = choose_language(request.form.get("language"))
    back = request.form.get("next") or ""
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = url_for("main.home")
    response = redirect(back)
    if chosen is None:
        return response
    if current_user.is_authenticated:
        from app.auth.services import set_language

        set_language(current_user, chosen)
        db.session.commit()
    response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    return response


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - any database failure means "not ok"
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return jsonify({"status": "ok" if status == 200 else "degraded", "database": database}), status


@bp.get("/readyz")
def readyz():
    """Ready to serve and to get work done: the database and the task queue answer, the oldest queued task
    waited less than TASK_READY_MAX_AGE seconds and a worker ran a periodic task in the last
    TASK_READY_WORKER_AGE seconds. 503 with the reasons otherwise. Counts only, never contents."""
    from flask import current_app

    from app.mail.services import outbox_counts
    from app.tasks import newest_run, queue_of
    from app.util import utcnow

    config, reasons, body = current_app.config, [], {}
    try:
        body["mail"] = outbox_counts()
        newest = newest_run()
        db.session.rollback()
        body["last_periodic_run_seconds_ago"] = round((utcnow() - newest).total_seconds(), 1) if newest else None
        body["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any database failure means "not ready"
        db.session.rollback()
        body["database"] = "unavailable"
        reasons.append(f"The database cannot be reached ({type(exc).__name__}).")
    try:
        body["queue"] = queue_of().backlog()
    except Exception as exc:  # noqa: BLE001 - Redis down, a locked or missing queue file
        body["queue"] = {"backend": queue_of().backend, "reachable": False}
        reasons.append(f"The task queue cannot be reached ({type(exc).__name__}: {exc}).")
    else:
        body["queue"]["reachable"] = True
        oldest = body["queue"]["oldest_pending_seconds"]
        if oldest is not None and oldest > config["TASK_READY_MAX_AGE"]:
            reasons.append(f"The oldest queued task has waited {oldest:.0f} s: workers are missing or too few.")
    if config["TASK_WORKERS"] == 0 and body.get("database") == "ok":
        ago = body["last_periodic_run_seconds_ago"]
        if ago is None or ago > config["TASK_READY_WORKER_AGE"]:
            reasons.append("No worker has run a periodic task lately: is `flask worker` running?")
    body["status"] = "not ready" if reasons else "ready"
    body["reasons"] = reasons
    return jsonify(body), 503 if reasons else 200
