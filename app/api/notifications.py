"""API: my notifications, how I receive them by e-mail, and the documents I watch."""
from __future__ import annotations

from flask import jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from app.api import PageQuery, endpoint, page_of, paginate_newest_first, parse, signed_in_user
from app.api.fields import Number, choice
from app.api.serialise import Answer, Timestamp
from app.documents.permissions import document_for
from app.extensions import db
from app.notifications import services
from app.notifications.models import EMAIL_CHOICES, Notification
from app.util import iso


class ReadRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    ids: list[Number] | None = Field(None, description="Notification ids; none: all (ids not mine are passed over)")


class PreferenceRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    email: choice(EMAIL_CHOICES)


class NotificationsQuery(PageQuery):
    unread: str | None = Field(None, description="1 or true: the unread only")


class NotificationJson(Answer):
    id: int
    kind: str
    text: str
    link: str
    group_id: int | None
    actor_id: int | None
    created_at: Timestamp
    read: bool
    read_at: Timestamp | None
    emailed_at: Timestamp | None


NotificationsPage = page_of(NotificationJson, unread_count=(int, ...))


class MarkedJson(Answer):
    marked: int = Field(description="How many were marked read")
    unread_count: int


class EmailPreferenceJson(Answer):
    email: choice(EMAIL_CHOICES)


class WatchJson(Answer):
    document_id: int
    watching: bool


def notification_json(notification: Notification) -> dict:
    return {"id": notification.id, "kind": notification.kind, "text": notification.text, "link": notification.link,
            "group_id": notification.group_id, "actor_id": notification.actor_id,
            "created_at": iso(notification.created_at), "read": notification.read_at is not None,
            "read_at": iso(notification.read_at), "emailed_at": iso(notification.emailed_at)}


@endpoint("/notifications", "GET", "My notifications, newest first (?unread=1 for the unread only)",
          response=NotificationsPage, query=NotificationsQuery, tag="notifications", errors=(400, 401))
def list_notifications():
    user = signed_in_user()
    unread_only = request.args.get("unread") in ("1", "true")
    data = paginate_newest_first(services.notifications_query(user, unread_only), Notification.id, notification_json)
    data["unread_count"] = services.unread_count(user)
    return jsonify(data)


@endpoint("/notifications/read", "POST", "Mark notifications read: the given ids, or all", body=ReadRequest,
          response=MarkedJson, tag="notifications", errors=(400, 401))
def read_notifications():
    user = signed_in_user()
    data = parse(ReadRequest)
    marked = services.mark_read(user, data.ids)
    db.session.commit()
    return jsonify({"marked": marked, "unread_count": services.unread_count(user)})


@endpoint("/me/notification-settings", "GET", "How I receive notifications by e-mail",
          response=EmailPreferenceJson, tag="notifications", errors=(401,))
def get_notification_settings():
    user = signed_in_user()
    return jsonify({"email": services.email_preference(user)})


@endpoint("/me/notification-settings", "PUT", "Choose e-mail: immediate, daily (digest) or off",
          body=PreferenceRequest, response=EmailPreferenceJson, tag="notifications", errors=(400, 401))
def set_notification_settings():
    user = signed_in_user()
    data = parse(PreferenceRequest)
    services.set_email_preference(user, data.email)
    db.session.commit()
    return jsonify({"email": services.email_preference(user)})


@endpoint("/documents/<int:did>/watch", "PUT", "Watch a document: hear of every comment and suggestion",
          response=WatchJson, tag="notifications", errors=(401, 404))
def watch_document(did):
    user = signed_in_user()
    services.watch(user, document_for(user, did), True)
    db.session.commit()
    return jsonify({"document_id": did, "watching": True})


@endpoint("/documents/<int:did>/watch", "DELETE", "Stop watching a document", response=WatchJson, tag="notifications",
          errors=(401, 404))
def unwatch_document(did):
    user = signed_in_user()
    services.watch(user, document_for(user, did), False)
    db.session.commit()
    return jsonify({"document_id": did, "watching": False})
