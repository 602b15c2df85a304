"""API: the mail outbox (site admins): what was sent, what waits, what failed, and sending a failed one again."""
from __future__ import annotations

from flask import jsonify, request
from pydantic import Field
from sqlalchemy import select

from app.api import PageQuery, endpoint, page_of, paginate, signed_in_user
from app.api.fields import choice
from app.api.serialise import Answer, Timestamp
from app.errors import Invalid, PermissionDenied
from app.extensions import db
from app.i18n import _
from app.mail.models import OUTBOX_STATUSES, OutboxMessage
from app.mail.services import outbox_counts, send_again, without_secrets
from app.util import iso


class OutboxQuery(PageQuery):
    status: choice(OUTBOX_STATUSES) | None = None


def _admin():
    user = signed_in_user()
    if not user.is_admin:
        raise PermissionDenied(_("Only site administrators read the outbox."))
    return user


class MessageJson(Answer):
    id: int
    recipient: str
    subject: str
    body: str = Field(description="Without its secrets (links that sign in or reset a password)")
    status: choice(OUTBOX_STATUSES)
    attempts: int
    error: str | None
    created_at: Timestamp
    sent_at: Timestamp | None
    next_try_at: Timestamp | None


class OutboxCountsJson(Answer):
    waiting: int
    failed: int
    oldest_waiting_seconds: float | None


OutboxPage = page_of(MessageJson, counts=(OutboxCountsJson, ...))


def message_json(message: OutboxMessage) -> dict:
    return {"id": message.id, "recipient": message.recipient, "subject": message.subject,
            "body": without_secrets(message.body), "status": message.status, "attempts": message.attempts,
            "error": message.error, "created_at": iso(message.created_at),
            "sent_at": iso(message.sent_at),
            "next_try_at": iso(message.next_try_at)}


@endpoint("/admin/outbox", "GET", "The outbox, oldest first (site admin; ?status=queued|sending|sent|failed|logged); "
          "counts of waiting and failed mail", response=OutboxPage, tag="admin", errors=(400, 401, 403),
          query=OutboxQuery)
def list_outbox():
    _admin()
    query = select(OutboxMessage)
    status = request.args.get("status")
    if status is not None:
        if status not in OUTBOX_STATUSES:
            raise Invalid(_("Unknown status."), fields={"status": _("One of %(choices)s.",
                                                                          choices=", ".join(OUTBOX_STATUSES))})
        query = query.where(OutboxMessage.status == status)
    return jsonify({**paginate(query, OutboxMessage.id, message_json), "counts": outbox_counts()})


@endpoint("/admin/outbox/<int:mid>/send-again", "POST", "Send a failed message again (site admin): a fresh "
          "series of tries; 409 not_failed when it did not fail", response=MessageJson, tag="admin",
          errors=(401, 403, 404, 409))
def send_message_again(mid):
    message = send_again(_admin(), mid)
    db.session.commit()
    return jsonify(message_json(message))
