"""API: a group's activity feed."""
from __future__ import annotations

from flask import jsonify

from app.activity import services
from app.api import endpoint, paginate_newest_first, signed_in_user
from app.audit.models import AuditEvent
from app.groups.permissions import group_for
from app.util import iso


def activity_json(activity: services.Activity) -> dict:
    event = activity.event
    return {"id": event.id, "at": iso(event.at), "actor_id": event.actor_id, "actor_name": activity.actor_name,
            "action": event.action, "object": event.object, "text": f"{activity.actor_name} {activity.text}",
            "link": activity.link}


@endpoint("/groups/<int:gid>/activity", "GET",
          "The group's activity: edits, versions, comments, suggestions, newest first",
          tag="notifications", errors=(400, 401, 404))
def group_activity(gid):
    group = group_for(signed_in_user(), gid)
    page = paginate_newest_first(services.activity_query(group.id), AuditEvent.id, lambda e: e)
    page["items"] = [activity_json(a) for a in services.describe(page["items"])]
    return jsonify(page)
