"""Endorsements in the audit chain: the events record each endorsement's decisive facts, and
verification compares the rows with them.

An endorsement row is what the public page, the PDF and the sign-off board show. The
`endorsement.create` event records its facts (organisation, version, signatory, note,
reservation, content hash, time) and `endorsement.withdraw` the withdrawal's (when, by
whom, why), so an endorsement row edited, added or removed behind the application's back no
longer agrees with the (sealed) chain, and `verify_chain` says which.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from app.audit.services import Mismatch
from app.extensions import db

# Foreign keys that the database sets to NULL when what they name is deleted: a NULL there is not
# a tampered row.
_MAY_BECOME_NULL = {"user_id", "reservation_section_id", "withdrawn_by_id", "delegated_by_id"}
# What events recorded before the facts were (legacy events) carry at their top level.
_LEGACY_KEYS = ("version_id", "organisation_id", "content_hash", "reservation_section_id")


def _moment(value: datetime | None) -> str | None:
    return value.isoformat(timespec="microseconds") if value is not None else None


def endorsement_facts(endorsement) -> dict:
    return {"version_id": endorsement.version_id, "organisation_id": endorsement.organisation_id,
            "user_id": endorsement.user_id, "signatory_name": endorsement.signatory_name,
            "signatory_title": endorsement.signatory_title, "note": endorsement.note,
            "reservation_section_id": endorsement.reservation_section_id,
            "reservation": endorsement.reservation, "content_hash": endorsement.content_hash,
            "created_at": _moment(endorsement.created_at), "delegated_by_id": endorsement.delegated_by_id,
            "mandate": endorsement.mandate or "", "decided_by": endorsement.decided_by or "",
            "decided_on": endorsement.decided_on.isoformat() if endorsement.decided_on else None}


def withdrawal_facts(endorsement) -> dict:
    return {"withdrawn_at": _moment(endorsement.withdrawn_at), "withdrawn_by_id": endorsement.withdrawn_by_id,
            "withdrawal_reason": endorsement.withdrawal_reason}


def _differences(recorded: dict, actual: dict) -> list[str]:
    return sorted(name for name, value in recorded.items()
                  if name in actual and actual[name] != value
                  and not (name in _MAY_BECOME_NULL and actual[name] is None))


def compare_endorsements(group_id: int) -> list[Mismatch]:
    """Every endorsement of the group's versions against its events, and every event against its row."""
    from app.audit.models import AuditEvent
    from app.documents.models import Document, Version
    from app.endorsements.models import Endorsement

    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.group_id == group_id, AuditEvent.action.in_(("endorsement.create", "endorsement.withdraw")))
        .order_by(AuditEvent.seq))
    created, withdrawn = {}, {}
    for event in events:
        (created if event.action == "endorsement.create" else withdrawn)[event.object] = event
    rows = db.session.scalars(select(Endorsement).join(Version, Version.id == Endorsement.version_id)
                              .join(Document, Document.id == Version.document_id)
                              .where(Document.group_id == group_id).order_by(Endorsement.id))
    problems: list[Mismatch] = []
    for row in rows:
        name = f"endorsement:{row.id}"
        event = created.pop(name, None)
        if event is None:
            problems.append(Mismatch(f"endorsement {row.id} ({row.organisation.name}) has no event in the chain: "
                                     "it was added behind the application's back"))
            continue
        data = json.loads(event.data or "{}")
        recorded = data.get("endorsement") or {k: data[k] for k in _LEGACY_KEYS if k in data}
        changed = _differences(recorded, endorsement_facts(row))
        if changed:
            problems.append(Mismatch(f"endorsement {row.id} no longer says what this event recorded "
                                     f"({', '.join(changed)} changed)", event.id, event.seq))
            continue
        withdrawal = withdrawn.get(name)
        if withdrawal is None:
            if row.withdrawn_at is not None or row.withdrawn_by_id is not None or row.withdrawal_reason:
                problems.append(Mismatch(f"endorsement {row.id} is marked withdrawn, but no withdrawal was "
                                         "recorded", event.id, event.seq))
            continue
        wdata = json.loads(withdrawal.data or "{}")
        recorded = wdata.get("withdrawal") or {"withdrawal_reason": wdata.get("reason") or ""}
        changed = _differences(recorded, withdrawal_facts(row))
        if row.withdrawn_at is None and "withdrawn_at" not in changed:
            changed.append("withdrawn_at")
        if changed:
            problems.append(Mismatch(f"the withdrawal of endorsement {row.id} no longer says what this event "
                                     f"recorded ({', '.join(sorted(changed))} changed)", withdrawal.id, withdrawal.seq))
    for name, event in created.items():
        problems.append(Mismatch(f"{name.replace(':', ' ')}, recorded by this event, is gone", event.id, event.seq))
    return sorted(problems, key=lambda p: (p.seq is None, p.seq or 0))

