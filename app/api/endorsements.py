"""API: endorsements and withdrawals, the sign-off board, the deadline and reminders."""
from __future__ import annotations

from flask import current_app, jsonify
from pydantic import BaseModel, ConfigDict, Field

from app.api import NO_CONTENT, endpoint, page_of, parse, signed_in_user
from app.api.fields import ID_SCHEMA, Day, Id, choice, text, text_schema, together
from app.api.serialise import Answer, IsoDay, Timestamp
from app.documents.services import version_for
from app.endorsements import services
from app.extensions import account_or_address, db, limiter
from app.groups.permissions import require_role
from app.util import iso, public_url

Long = text(2000, required=False, multiline=True)


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
    decided_by: text(200, required=False) | None = Field(None, description=(
        "Who took the decision the signatory carries out, e.g. \"Board of directors\""))
    decided_on: Day | None = Field(None, description="The day of that decision; not in the future")
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


class SettingsJson(Answer):
    version_id: int
    open: bool = Field(description="The version is final and open for endorsement")
    deadline: IsoDay | None
    reminder_days: list[int] = Field(description="Days before the deadline on which reminders go out, farthest "
                                                 "first (the version's own, or the installation's)")


class PersonRef(Answer):
    id: int
    name: str


class DelegationRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    organisation_id: Id = Field(description="The organisation whose signature is delegated; you represent it")
    delegate_user_id: Id = Field(description="A colleague of that organisation, a member of the group")
    mandate: text(1000, multiline=True) = Field(description="The mandate, e.g. \"decision of the board of 12 May\"")


class DelegationJson(Answer):
    id: int
    version_id: int
    organisation_id: int
    organisation: str
    delegate: PersonRef
    delegated_by: PersonRef | None
    mandate: str
    created_at: Timestamp
    revoked: bool
    revoked_at: Timestamp | None


class EndorsementJson(Answer):
    id: int
    version_id: int
    organisation_id: int
    organisation: str
    country: str
    user_id: int | None
    signatory_name: str
    signatory_title: str
    note: str
    reservation_section_id: int | None
    reservation: str
    content_hash: str
    created_at: Timestamp
    withdrawn: bool
    withdrawn_at: Timestamp | None
    withdrawal_reason: str
    delegated_by: PersonRef | None = Field(description="When a delegate endorsed: the representative who delegated")
    mandate: str = Field(description="When a delegate endorsed: the mandate they carried; empty otherwise")
    decided_by: str = Field(description="Who took the decision, e.g. \"Board of directors\"; may be empty")
    decided_on: IsoDay | None


EndorsementsPage = page_of(EndorsementJson, open=(bool, ...), deadline=(IsoDay | None, ...))


class BoardRowJson(Answer):
    organisation_id: int
    organisation: str
    state: choice(("endorsed", "withdrawn", "pending"))
    endorsement: EndorsementJson | None
    can_sign: bool = Field(description="Whether one of its representatives is a member (or above) of the group")
    asked_at: Timestamp | None = Field(description="When it was last asked to name a representative")


class SignoffJson(Answer):
    items: list[BoardRowJson]
    deadline: IsoDay | None


class RemindedJson(Answer):
    sent: int = Field(description="How many reminders were sent")


def settings_json(version) -> dict:
    deadline = services.deadline_of(version)
    return {"version_id": version.id, "open": services.is_open_for_endorsement(version),
            "deadline": deadline.isoformat() if deadline else None,
            "reminder_days": sorted(services.reminder_days_of(version), reverse=True)}


def _person(user) -> dict | None:
    return {"id": user.id, "name": user.name} if user is not None else None


def delegation_json(delegation) -> dict:
    return {"id": delegation.id, "version_id": delegation.version_id, "organisation_id": delegation.organisation_id,
            "organisation": delegation.organisation.name, "delegate": _person(delegation.delegate),
            "delegated_by": _person(delegation.delegated_by), "mandate": delegation.mandate,
            "created_at": iso(delegation.created_at), "revoked": delegation.revoked_at is not None,
            "revoked_at": iso(delegation.revoked_at)}


def endorsement_json(endorsement) -> dict:
    return {"id": endorsement.id, "version_id": endorsement.version_id,
            "organisation_id": endorsement.organisation_id, "organisation": endorsement.organisation.name,
            "country": endorsement.organisation.country, "user_id": endorsement.user_id,
            "signatory_name": endorsement.signatory_name, "signatory_title": endorsement.signatory_title,
            "note": endorsement.note, "reservation_section_id": endorsement.reservation_section_id,
            "reservation": endorsement.reservation, "content_hash": endorsement.content_hash,
            "created_at": iso(endorsement.created_at), "withdrawn": endorsement.withdrawn_at is not None,
            "withdrawn_at": iso(endorsement.withdrawn_at), "withdrawal_reason": endorsement.withdrawal_reason,
            "delegated_by": _person(endorsement.delegated_by), "mandate": endorsement.mandate,
            "decided_by": endorsement.decided_by,
            "decided_on": endorsement.decided_on.isoformat() if endorsement.decided_on else None}


def _refused_password(response) -> bool:
    body = response.get_json(silent=True) if response.status_code == 403 else None
    return bool(body) and body.get("error", {}).get("code") in ("password_required", "password_wrong")


@endpoint("/versions/<int:vid>/endorsements", "POST",
          "Endorse a final version for an organisation (a representative with the member role or above; "
          "needs the password)", body=EndorsementRequest, response=EndorsementJson, status=201, tag="endorsements",
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
        password_required=True, decided_by=data.decided_by, decided_on=data.decided_on)
    db.session.commit()
    return jsonify(endorsement_json(endorsement)), 201


@endpoint("/versions/<int:vid>/endorsements", "GET", "Endorsements of a version, withdrawn ones marked",
          response=EndorsementsPage, tag="endorsements", errors=(401, 404))
def list_endorsements(vid):
    version = version_for(signed_in_user(), vid)
    deadline = services.deadline_of(version)
    return jsonify({"items": [endorsement_json(e) for e in services.endorsements_of(version)], "next_cursor": None,
                    "open": services.is_open_for_endorsement(version),
                    "deadline": deadline.isoformat() if deadline else None})


@endpoint("/endorsements/<int:eid>/withdraw", "POST", "Withdraw an endorsement (the organisation's representative)",
          body=WithdrawRequest, response=EndorsementJson, tag="endorsements", errors=(400, 401, 403, 404, 409))
def withdraw(eid):
    user = signed_in_user()
    endorsement = services.endorsement_for(user, eid)
    data = parse(WithdrawRequest)
    services.withdraw(user, endorsement, data.reason)
    db.session.commit()
    return jsonify(endorsement_json(endorsement))


@endpoint("/versions/<int:vid>/signoff", "GET", "Sign-off board: which organisations endorsed (coordinator)",
          response=SignoffJson, tag="endorsements", errors=(401, 403, 404))
def signoff(vid):
    user = signed_in_user()
    version = version_for(user, vid)
    require_role(user, version.document.group, "coordinator")
    return jsonify({"items": [{"organisation_id": row.organisation.id, "organisation": row.organisation.name,
                               "state": row.state,
                               "endorsement": endorsement_json(row.endorsement) if row.endorsement else None,
                               "can_sign": row.can_sign, "asked_at": iso(row.asked_at)}
                              for row in services.signoff_board(version)],
                    "deadline": settings_json(version)["deadline"]})


@endpoint("/versions/<int:vid>/reminders", "POST", "Remind the representatives who have not decided (coordinator)",
          response=RemindedJson, tag="endorsements", errors=(401, 403, 404, 409))
def remind(vid):
    user = signed_in_user()
    version = version_for(user, vid)
    sent = services.send_reminders(user, version, public_url("documents.show_version", vid=version.id))
    db.session.commit()
    return jsonify({"sent": sent})


@endpoint("/versions/<int:vid>/endorsement-settings", "GET",
          "A version's endorsement: whether it is open, and its deadline", response=SettingsJson,
          tag="endorsements", errors=(401, 404))
def endorsement_settings(vid):
    return jsonify(settings_json(version_for(signed_in_user(), vid)))


@endpoint("/versions/<int:vid>/endorsement-settings", "PUT",
          "Set, move or remove the endorsement deadline of a version open for endorsement (coordinator)",
          body=EndorsementSettingsRequest, response=SettingsJson, tag="endorsements", errors=(400, 401, 403, 404, 409))
def set_endorsement_settings(vid):
    user = signed_in_user()
    version = version_for(user, vid)
    data = parse(EndorsementSettingsRequest)
    services.set_deadline(user, version, data.deadline)
    db.session.commit()
    return jsonify(settings_json(version))


# --- delegation of signature for one version -----------------------------------------------------------

@endpoint("/versions/<int:vid>/delegations", "POST",
          "Delegate the organisation's signature of this version to a colleague of the same organisation who is "
          "a member of the group (a representative of the organisation)", body=DelegationRequest,
          response=DelegationJson, status=201, tag="endorsements", errors=(400, 401, 403, 404, 409))
def delegate(vid):
    user = signed_in_user()
    version = version_for(user, vid)
    data = parse(DelegationRequest)
    delegation = services.delegate(user, version, organisation_id=data.organisation_id,
                                   delegate_user_id=data.delegate_user_id, mandate=data.mandate)
    db.session.commit()
    return jsonify(delegation_json(delegation)), 201


@endpoint("/versions/<int:vid>/delegations", "GET", "The standing delegations of signature for a version",
          response=page_of(DelegationJson), tag="endorsements", errors=(401, 404))
def list_delegations(vid):
    version = version_for(signed_in_user(), vid)
    return jsonify({"items": [delegation_json(d) for d in services.delegations_of(version)], "next_cursor": None})


@endpoint("/delegations/<int:did>", "DELETE",
          "End a delegation (a representative of the organisation, or the delegate); an endorsement made under "
          "it stays", response=NO_CONTENT, status=204, tag="endorsements", errors=(401, 403, 404, 409))
def revoke_delegation(did):
    user = signed_in_user()
    delegation = services.delegation_for(user, did)
    services.revoke_delegation(user, delegation)
    db.session.commit()
    return "", 204


# --- the consensus map: reservations per section --------------------------------------------------

class ReservationJson(Answer):
    endorsement_id: int
    organisation: str
    reservation: str


class SectionConsensusJson(Answer):
    section_id: int
    number: str = Field(description="The section's number in the version (2.1)")
    heading: str = Field(description="The section's heading as the version has it")
    count: int = Field(description="How many active endorsements hold a reservation on this section")
    reservations: list[ReservationJson]


class ConsensusJson(Answer):
    version_id: int
    sections: list[SectionConsensusJson] = Field(description="Every section of the version, in order")
    reserved_sections: int = Field(description="How many sections hold at least one reservation")


@endpoint("/versions/<int:vid>/consensus", "GET",
          "The consensus map of a version: for each section, the reservations of its active endorsements",
          response=ConsensusJson, tag="endorsements", errors=(401, 404))
def version_consensus(vid):
    version = version_for(signed_in_user(), vid)
    sections = services.consensus(version)
    return jsonify({"version_id": version.id, "sections": sections,
                    "reserved_sections": sum(1 for entry in sections if entry["count"])})
