"""Pages of notifications: the list, reading them, the e-mail choice, watching a document; the digest command."""
from __future__ import annotations

import click
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from app.auth.forms import EmptyForm
from app.documents.permissions import document_for
from app.errors import NotFound
from app.extensions import db
from app.forms import safe_next
from app.i18n import _
from app.notifications import services
from app.notifications.forms import PreferenceForm
from app.notifications.models import Notification
from app.validation import id_or_none

# cli_group=None: the blueprint's commands are top-level, `flask send-digest`.
bp = Blueprint("notifications", __name__, cli_group=None)


@bp.app_context_processor
def _unread_notifications():
    """The count shown in the page header ("Notifications (N)") for a signed-in person."""
    if not current_user.is_authenticated:
        return {}
    try:
        return {"unread_notifications": services.unread_count(current_user)}
    except SQLAlchemyError:  # an error page after a failed transaction must still render
        return {"unread_notifications": 0}


@bp.get("/notifications")
@login_required
def index():
    before = id_or_none(request.args.get("before"))
    query = services.notifications_query(current_user)
    if before:
        query = query.where(Notification.id < before)
    items = list(db.session.scalars(query.order_by(Notification.id.desc()).limit(51)))
    older = items[49].id if len(items) > 50 else None
    form = PreferenceForm(formdata=None)
    form.email.data = services.email_preference(current_user)
    return render_template("notifications/index.html", items=items[:50], older=older, form=form)


@bp.post("/notifications/read")
@login_required
def read_all():
    if EmptyForm().validate_on_submit():
        services.mark_read(current_user)
        db.session.commit()
        flash(_("All notifications are marked read."), "success")
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/<int:nid>/open")
@login_required
def open_notification(nid):
    notification = db.session.get(Notification, nid)
    if notification is None or notification.user_id != current_user.id:
        raise NotFound(_("No such notification."))
    if EmptyForm().validate_on_submit():
        services.mark_read(current_user, [notification.id])
        db.session.commit()
        return redirect(safe_next(notification.link, url_for("notifications.index")))
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/settings")
@login_required
def settings():
    form = PreferenceForm()
    if form.validate_on_submit():
        services.set_email_preference(current_user, form.email.data)
        db.session.commit()
        flash(_("Your e-mail choice is saved."), "success")
    else:
        flash(_("Choose one of the options."), "error")
    return redirect(url_for("notifications.index"))


@bp.post("/documents/<int:did>/watch")
@login_required
def watch(did):
    document = document_for(current_user, did)
    if EmptyForm().validate_on_submit():
        on = request.form.get("watch") == "1"
        services.watch(current_user, document, on)
        db.session.commit()
        flash(_("You will hear of every comment and suggestion on this document.") if on
              else _("You no longer watch this document."), "success")
    return redirect(url_for("documents.show", did=did))


# --- command line ----------------------------------------------------------------------------------

@bp.cli.command("send-digest")
def send_digest():
    """E-mail the digest of unread notifications now (workers send it daily at DIGEST_HOUR by themselves)."""
    sent = services.send_digests()
    db.session.commit()
    click.echo(f"Sent {sent} digest{'s' if sent != 1 else ''}.")
