"""Pages of the discussion (to come), the header's unread count and the digest command."""
from __future__ import annotations

import click
from flask import Blueprint
from flask_login import current_user

from app.comments import services
from app.extensions import db

# cli_group=None: the blueprint's commands are top-level, `flask send-digest`.
bp = Blueprint("comments", __name__, cli_group=None)


@bp.app_context_processor
def _unread_notifications():
    """The count shown in the page header ("Notifications (N)") for a signed-in person."""
    if not current_user.is_authenticated:
        return {}
    return {"unread_notifications": services.unread_count(current_user)}


@bp.cli.command("send-digest")
def send_digest():
    """E-mail the daily digest of unread notifications to everyone who chose it (run it daily from cron)."""
    sent = services.send_digests()
    db.session.commit()
    click.echo(f"Sent {sent} digest{'s' if sent != 1 else ''}.")
