"""API: a group's activity feed."""
from __future__ import annotations

from flask import jsonify
from pydantic import Field

from app.activity import services
from app.api import PageQuery, endpoint, page_of, paginate_newest_first, signed_in_user
from app.api.serialise import Answer, Timestamp
from app.audit.models import AuditEvent
from app.groups.permissions import group_for
from app.util import iso


class ActivityJson(Answer):
    id: int
    at: Timestamp
    actor_id: int | None
    actor_name: str
    action: str
    object: str
    text: str = Field(description="What happened, in words, the actor's name first")
    link: str | None


def activity_json(activity: services.Activity) -> dict:
    event = activity.event
    return {"id": event.id, "at": iso(event.at), "actor_id": event.actor_id, "actor_name": activity.actor_name,
            "action": event.action, "object": event.object, "text": activity.text,
            "link": activity.link}


@endpoint("/groups/<int:gid>/activity", "GET",
          "The group's activity: edits, versions, comments, suggestions, newest first",
          response=page_of(ActivityJson), query=PageQuery, tag="notifications", errors=(400, 401, 404))
def group_activity(gid):
    group = group_for(signed_in_user(), gid)
    page = paginate_newest_first(services.activity_query(group.id), AuditEvent.id, lambda e: e)
    page["items"] = [activity_json(a) for a in services.describe(page["items"])]
    return jsonify(page)
