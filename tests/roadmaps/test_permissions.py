"""Who may change actions: the sections' rule (members in draft, editors in review too, nobody once final)."""
from __future__ import annotations

import pytest

from app.extensions import db

ROLES = ("observer", "member", "editor", "coordinator")


def _set_status(document, status):
    document.status = status
    db.session.commit()


def _calls(client, document_id, action_id):
    return {
        "create": lambda: client.post(f"/api/v1/documents/{document_id}/actions", json={"title": "New"}),
        "update": lambda: client.patch(f"/api/v1/actions/{action_id}", json={"status": "done"}),
        "reorder": lambda: client.put(f"/api/v1/documents/{document_id}/actions/order", json={"order": [action_id]}),
        "delete": lambda: client.delete(f"/api/v1/actions/{action_id}"),
        "read": lambda: client.get(f"/api/v1/actions/{action_id}"),
    }


EXPECTED = {
    # status: {role: status code of a change}
    "draft": {"observer": 403, "member": "ok", "editor": "ok", "coordinator": "ok"},
    "review": {"observer": 403, "member": 403, "editor": "ok", "coordinator": "ok"},
    "final": {"observer": 409, "member": 409, "editor": 409, "coordinator": 409},
    "closed": {"observer": 409, "member": 409, "editor": 409, "coordinator": 409},
}
SUCCESS = {"create": 201, "update": 200, "reorder": 200, "delete": 204, "read": 200}


@pytest.mark.parametrize("status", list(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", ["create", "update", "reorder", "delete", "read"])
def test_permission_table(roadmap_setup, api, status, role, operation):
    s = roadmap_setup
    action = api(s["people"]["editor"]).post(f"/api/v1/documents/{s['document'].id}/actions",
                                             json={"title": "Existing"}).get_json()
    _set_status(s["document"], status)
    response = _calls(api(s["people"][role]), s["document"].id, action["id"])[operation]()
    expected = EXPECTED[status][role] if operation != "read" else "ok"
    want = SUCCESS[operation] if expected == "ok" else expected
    assert response.status_code == want, response.get_json()
    if want == 409:
        assert response.get_json()["error"]["code"] == "document_frozen"
