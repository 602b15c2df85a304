"""API: workflow transitions, endorsements, sign-off board, audit trail."""
from __future__ import annotations

from flask import current_app, jsonify
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from app.api import endpoint, paginate, parse, signed_in_user
from app.api.fields import ID_SCHEMA, Day, Id, choice, text, text_schema, together
from app.audit.checkpoints import checkpoint_json
from app.audit.models import AuditCheckpoint, AuditEvent
from app.audit.services import verify_chain
from app.documents import workflow
from app.documents.models import DOCUMENT_STATUSES
from app.documents.permissions import document_for
from app.documents.services import version_for
from app.endorsements import services
from app.extensions import account_or_address, db, limiter
from app.groups.permissions import group_for, require_role
from app.util import iso, public_url

Long = text(2000, required=False, multiline=True)


class TransitionRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    to: choice(DOCUMENT_STATUSES)
    label: text(200, required=False) | None = None


class PublishRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    published: bool = True


_reservation = together({"reservation_section_id": ID_SCHEMA, "reservation": lambda: text_schema(2000, multiline=True)},
                        blank_is_absent=True)


def _password_is_required(schema: dict) -> None:
    # Absent, it is refused with 403 password_required (not 400), so the model lets it be absent.
    schema["required"] = [*schema.get("required", []), "password"]
    _reservation(schema)  # a reservation names its section, and a section named has a reservation


class EndorsementRequest(BaseModel):
    model_config = ConfigDict(strict=True, json_schema_extra=_password_is_required)
    organisation_id: Id
    signatory_name: text(200)
    signatory_title: text(200)
    note: Long | None = None
    reservation_section_id: Id | None = None
    reservation: Long | None = None
    content_hash: str | None = None
    password: str | None = Field(None, description=(
        "The endorser's own account password, also with a bearer token: endorsing commits the organisation. "
        "Missing: 403 password_required; wrong: 403 password_wrong; nothing is recorded either way."))


class WithdrawRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    reason: Long | None = None


class EndorsementSettingsRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    deadline: Day | None = Field(description=(
        "The day endorsement is meant to close (2027-01-15), today or later; null for no deadline. A target "
        "shown to people and counted down to by reminders: endorsements after it are not refused."))


def settings_json(version) -> dict:
    deadline = services.deadline_of(version)
    return {"version_id": version.id, "open": services.is_open_for_endorsement(version),
            "deadline": deadline.isoformat() if deadline else None}


def endorsement_json(endorsement) -> dict:
    return {"id": endorsement.id, "version_id": endorsement.version_id,
            "organisation_id": endorsement.organisation_id, "organisation": endorsement.organisation.name,
            "country": endorsement.organisation.country, "user_id": endorsement.user_id,
            "signatory_name": endorsement.signatory_name, "signatory_title": endorsement.signatory_title,
            "note": endorsement.note, "reservation_section_id": endorsement.reservation_section_id,
            "reservation": endorsement.reservation, "content_hash": endorsement.content_hash,
            "created_at": iso(endorsement.created_at), "withdrawn": endorsement.withdrawn_at is not None,
            "withdrawn_at": iso(endorsement.withdrawn_at), "withdrawal_reason": endorsement.withdrawal_reason}


def event_json(event) -> dict:
    return {"id": event.id, "seq": event.seq, "at": iso(event.at), "actor_id": event.actor_id,
            "action": event.action, "object": event.object, "hash": event.hash, "prev_hash": event.prev_hash}


@endpoint("/documents/<int:did>/transitions", "POST", "Move a document through its workflow (coordinator)",
          body=TransitionRequest, tag="workflow", errors=(400, 401, 403, 404, 409))
def transition(did):
    user = signed_in_user()
    document = document_for(user, did)
    data = parse(TransitionRequest)
    workflow.transition(user, document, data.to, data.label)
    db.session.commit()
    final = document.final_version
    return jsonify({"status": document.status,
                    "final_version": {"id": final.id, "number": final.number, "content_hash": final.content_hash,
                                      "created_at": iso(final.created_at)} if final else None})


@endpoint("/documents/<int:did>/publish", "POST", "Publish or unpublish a final statement (coordinator)",
          body=PublishRequest, tag="workflow", errors=(400, 401, 403, 404, 409))
def publish(did):
    user = signed_in_user()
    document = document_for(user, did)
    data = parse(PublishRequest)
    workflow.publish(user, document, data.published)
    db.session.commit()
    return jsonify({"published": document.published_at is not None, "published_at": iso(document.published_at),
                    "public_url": public_url("workflow.statement", key=document.public_key)
                    if document.published_at else None})


def _refused_password(response) -> bool:
    body = response.get_json(silent=True) if response.status_code == 403 else None
    return bool(body) and body.get("error", {}).get("code") in ("password_required", "password_wrong")


@endpoint("/versions/<int:vid>/endorsements", "POST",
          "Endorse a final version for an organisation (a representative with the member role or above; "
          "needs the password)", body=EndorsementRequest, status=201, tag="endorsements",
          errors=(400, 401, 403, 404, 409, 429))
# Wrong passwords count against the sign-in limit of the token's account (from any address, as failed
# sign-ins do), so a stolen token cannot be used to guess the password.
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], deduct_when=_refused_password,
               key_func=account_or_address, scope="endorse-password")
def endorse(vid):
    user = signed_in_user()
    version = version_for(user, vid)
    data = parse(EndorsementRequest)
    endorsement = services.endorse(
        user, version, organisation_id=data.organisation_id, signatory_name=data.signatory_name,
        signatory_title=data.signatory_title, note=data.note, reservation_section_id=data.reservation_section_id,
        reservation=data.reservation, content_hash=data.content_hash, password=data.password,
        password_required=True)
    db.session.commit()
    return jsonify(endorsement_json(endorsement)), 201


@endpoint("/versions/<int:vid>/endorsements", "GET", "Endorsements of a version, withdrawn ones marked",
          tag="endorsements", errors=(401, 404))
def list_endorsements(vid):
    version = version_for(signed_in_user(), vid)
    deadline = services.deadline_of(version)
    return jsonify({"items": [endorsement_json(e) for e in services.endorsements_of(version)], "next_cursor": None,
                    "open": services.is_open_for_endorsement(version),
                    "deadline": deadline.isoformat() if deadline else None})


@endpoint("/endorsements/<int:eid>/withdraw", "POST", "Withdraw an endorsement (the organisation's representative)",
          body=WithdrawRequest, tag="endorsements", errors=(400, 401, 403, 404, 409))
def withdraw(eid):
    user = signed_in_user()
    endorsement = services.endorsement_for(user, eid)
    data = parse(WithdrawRequest)
    services.withdraw(user, endorsement, data.reason)
    db.session.commit()
    return jsonify(endorsement_json(endorsement))


@endpoint("/versions/<int:vid>/signoff", "GET", "Sign-off board: which organisations endorsed (coordinator)",
          tag="endorsements", errors=(401, 403, 404))
def signoff(vid):
    user = signed_in_user()
    version = version_for(user, vid)
    require_role(user, version.document.group, "coordinator")
    return jsonify({"items": [{"organisation_id": row.organisation.id, "organisation": row.organisation.name,
                               "state": row.state,
                               "endorsement": endorsement_json(row.endorsement) if row.endorsement else None}
                              for row in services.signoff_board(version)],
                    "deadline": settings_json(version)["deadline"]})


@endpoint("/versions/<int:vid>/reminders", "POST", "Remind the representatives who have not decided (coordinator)",
          tag="endorsements", errors=(401, 403, 404, 409))
def remind(vid):
    user = signed_in_user()
    version = version_for(user, vid)
    sent = services.send_reminders(user, version, public_url("documents.show_version", vid=version.id))
    db.session.commit()
    return jsonify({"sent": sent})


@endpoint("/versions/<int:vid>/endorsement-settings", "GET",
          "A version's endorsement: whether it is open, and its deadline", tag="endorsements", errors=(401, 404))
def endorsement_settings(vid):
    return jsonify(settings_json(version_for(signed_in_user(), vid)))


@endpoint("/versions/<int:vid>/endorsement-settings", "PUT",
          "Set, move or remove the endorsement deadline of a version open for endorsement (coordinator)",
          body=EndorsementSettingsRequest, tag="endorsements", errors=(400, 401, 403, 404, 409))
def set_endorsement_settings(vid):
    user = signed_in_user()
    version = version_for(user, vid)
    data = parse(EndorsementSettingsRequest)
    services.set_deadline(user, version, data.deadline)
    db.session.commit()
    return jsonify(settings_json(version))


@endpoint("/groups/<int:gid>/audit", "GET", "The group's audit trail (coordinator)", tag="audit",
          errors=(401, 403, 404))
def audit(gid):
    user = signed_in_user()
    group = group_for(user, gid)
    require_role(user, group, "coordinator")
    return jsonify(paginate(select(AuditEvent).where(AuditEvent.group_id == group.id), AuditEvent.id, event_json))


@endpoint("/groups/<int:gid>/audit/verify", "GET", "Check that the audit chain is intact (coordinator)",
          tag="audit", errors=(401, 403, 404))
def audit_verify(gid):
    user = signed_in_user()
    group = group_for(user, gid)
    require_role(user, group, "coordinator")
    result = verify_chain(group.id)
    return jsonify({"ok": result.ok, "events": result.events, "broken_event_id": result.broken_event_id,
                    "broken_seq": result.broken_seq, "reason": result.reason,
                    "checkpoint": checkpoint_json(result.checkpoint) if result.checkpoint else None})


@endpoint("/groups/<int:gid>/audit/checkpoints", "GET",
          "The installation's sealed checkpoints of the group's audit chain, with signatures (coordinator)",
          tag="audit", errors=(401, 403, 404))
def audit_checkpoints(gid):
    user = signed_in_user()
    group = group_for(user, gid)
    require_role(user, group, "coordinator")
    return jsonify(paginate(select(AuditCheckpoint).where(AuditCheckpoint.group_id == group.id), AuditCheckpoint.id,
                            checkpoint_json))
