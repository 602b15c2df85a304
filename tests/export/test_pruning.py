"""Pruning stored exports: old drafts, comparisons and failures go; sealed PDFs of final versions stay for good;
a render under way is left alone."""
from __future__ import annotations

import json
from datetime import timedelta
from itertools import count

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.export.models import Export
from app.export.pruning import prune_draft_exports
from app.extensions import db
from app.util import utcnow

_keys = count(1)


@pytest.fixture
def exports(final_setup, api):
    """A final version and a named draft version of another document, and a helper to store exports of them."""
    s = final_setup
    coordinator = api(s["people"]["coordinator"])
    draft = coordinator.post(f"/api/v1/groups/{s['group'].id}/documents", json={
        "title": "Draft roadmap", "kind": "statement", "sections": [{"heading": "Plan", "body": "Steps."}]}).get_json()
    named = coordinator.post(f"/api/v1/documents/{draft['id']}/versions", json={"label": "First"}).get_json()
    final_id, named_id = s["version"]["id"], named["id"]

    def store(kind, *, version="final", days=0, status="ready", started_days=None):
        made = utcnow() - timedelta(days=days)
        started = utcnow() - timedelta(days=days if started_days is None else started_days)
        version_id = {"final": final_id, "named": named_id, None: None}[version]
        document_id = s["document"].id if version == "final" else draft["id"]
        export = Export(key=f"{kind}:test{next(_keys)}", kind=kind, group_id=s["group"].id, document_id=document_id,
                        version_id=version_id, status=status, pdf=b"%PDF-1.7 test" if status == "ready" else None,
                        created_at=made, started_at=started)
        db.session.add(export)
        db.session.commit()
        return export.id

    return store


def _left() -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(Export.id)))


def test_old_drafts_go_and_sealed_finals_stay(exports):
    sealed_final = exports("sealed", days=400)
    sealed_final_failed = exports("sealed", days=400, status="failed")
    young_draft = exports("draft", version="named", days=10)
    old_version_draft = exports("draft", version="named", days=31)
    old_current_text = exports("draft", version=None, days=90)
    old_redline = exports("redline", version=None, days=45)
    old_failed = exports("draft", version=None, days=60, status="failed")
    sealed_named = exports("sealed", version="named", days=60)  # sealed, but not of a final version
    being_rendered = exports("draft", version=None, days=60, status="rendering", started_days=0)
    abandoned = exports("draft", version=None, days=60, status="rendering", started_days=59)

    assert prune_draft_exports() == 6
    assert _left() == {sealed_final, sealed_final_failed, young_draft, being_rendered}
    gone = {old_version_draft, old_current_text, old_redline, old_failed, sealed_named, abandoned}
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.prune"))
    assert set(json.loads(event.data)["export_ids"]) == gone and event.actor_id is None
    assert prune_draft_exports() == 0  # a second run finds nothing more


def test_now_decides_what_is_old(exports):
    draft = exports("draft", version=None, days=10)
    assert prune_draft_exports(now=utcnow() + timedelta(days=19)) == 0
    assert prune_draft_exports(now=utcnow() + timedelta(days=21)) == 1
    assert draft not in _left()


@pytest.mark.parametrize("app_config", [{"EXPORT_DRAFT_MAX_AGE_DAYS": 5}])
def test_the_age_is_a_setting(exports, app_config):
    sealed_final = exports("sealed", days=6)
    exports("draft", version="named", days=6)
    kept = exports("draft", version="named", days=4)
    assert prune_draft_exports() == 1
    assert _left() == {sealed_final, kept}


def test_nothing_to_prune_records_nothing(exports):
    exports("sealed", days=400)
    assert prune_draft_exports() == 0
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "export.prune")) is None
