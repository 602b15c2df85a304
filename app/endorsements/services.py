"""Endorsing a final version on behalf of an organisation, and withdrawing it.

An endorsement is a fact about an exact text: it points at a frozen
version and records the content hash the endorser confirmed. A withdrawal
keeps the record and adds when and why; once endorsement of the version has
ended (closed, or a new drafting round begun) its endorsements stay as they
were. Who may do either is permissions.can_endorse / can_withdraw. Endorsing
asks for the person's password whichever way it comes (page, session or
bearer token): a token alone does not commit an organisation. Each event
records the row's facts (audit_facts) so the audit chain covers them.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash

from app.audit.services import record
from app.auth.models import User
from app.documents.models import Version, VersionSection
from app.endorsements.audit_facts import endorsement_facts, withdrawal_facts
from app.endorsements.models import Endorsement
from app.endorsements.permissions import can_endorse, can_withdraw, takes_part_in
from app.endorsements.signals import endorsements_changed
from app.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.extensions import db
from app.groups.models import Membership
from app.mail.services import send_mail
from app.organisations.models import Organisation, Representative
from app.util import utcnow
from app.validation import FieldErrors, clean_id, clean_text


def is_open_for_endorsement(version: Version) -> bool:
    document = version.document
    return version.is_final and document.final_version_id == version.id and document.status == "final" \
        and version.closed_at is None


def organisations_user_represents(user) -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).join(Representative)
                                   .where(Representative.user_id == user.id).order_by(Organisation.name)))


def endorsements_of(version: Version, include_withdrawn: bool = True) -> list[Endorsement]:
    """With their organisations and reservations' sections, which every page, board and PDF shows."""
    query = (select(Endorsement).where(Endorsement.version_id == version.id)
             .options(selectinload(Endorsement.organisation), selectinload(Endorsement.reservation_section)))
    if not include_withdrawn:
        query = query.where(Endorsement.withdrawn_at.is_(None))
    return list(db.session.scalars(query.order_by(Endorsement.created_at, Endorsement.id)))


def endorse(user, version: Version, *, organisation_id, signatory_name, signatory_title, note=None,
            reservation_section_id=None, reservation=None, content_hash=None, password=None,
            password_required: bool = False) -> Endorsement:
    errors = FieldErrors()
    organisation_id = clean_id(errors, "organisation_id", organisation_id)
    signatory_name = clean_text(errors, "signatory_name", signatory_name, max_length=200)
    signatory_title = clean_text(errors, "signatory_title", signatory_title, max_length=200)
    note = clean_text(errors, "note", note, max_length=2000, required=False, multiline=True)
    reservation = clean_text(errors, "reservation", reservation, max_length=2000, required=False, multiline=True)
    reservation_section_id = clean_id(errors, "reservation_section_id", reservation_section_id, required=False)
    if reservation_section_id is not None and not reservation:
        errors.add("reservation", "Say what the reservation on that section is.")
    if reservation and reservation_section_id is None:
        errors.add("reservation_section_id", "Name the section the reservation is about.")
    errors.raise_if_any()
    if db.session.get(Organisation, organisation_id) is None:
        raise Invalid("No such organisation.", fields={"organisation_id": "No such organisation."})
    if not can_endorse(user, organisation_id, version):
        if not takes_part_in(user, version.document.group_id):
            raise PermissionDenied("Observers read only: endorsing needs the member role or above in the group.",
                                   code="observer_cannot_endorse")
        raise PermissionDenied("Only the organisation's representatives may endorse on its behalf.",
                               code="not_representative")
    if password_required and not password:
        raise PermissionDenied("Confirm with your password: endorsing commits your organisation.",
                               code="password_required",
                               details={"fields": {"password": "Enter your password to endorse."}})
    if password is not None and (not isinstance(password, str)
                                 or not check_password_hash(user.password_hash, password)):
        raise PermissionDenied("The password is not right.", code="password_wrong",
                               details={"fields": {"password": "This is not your password."}})
    if not is_open_for_endorsement(version):
        raise Conflict("This version is not open for endorsement.", code="not_open_for_endorsement")
    if content_hash is not None and content_hash != version.content_hash:
        raise Conflict("The text you confirmed is not this version's text.", code="content_hash_mismatch",
                       details={"content_hash": version.content_hash})
    if reservation_section_id is not None and db.session.scalar(select(VersionSection.id).where(
            VersionSection.version_id == version.id, VersionSection.section_id == reservation_section_id)) is None:
        raise Invalid("That section is not part of this version.",
                      fields={"reservation_section_id": "Not a section of this version."})
    if db.session.scalar(select(Endorsement.id).where(
            Endorsement.version_id == version.id, Endorsement.organisation_id == organisation_id,
            Endorsement.withdrawn_at.is_(None))) is not None:
        raise Conflict("This organisation has already endorsed this version.", code="already_endorsed")
    endorsement = Endorsement(version_id=version.id, organisation_id=organisation_id, user_id=user.id,
                              signatory_name=signatory_name, signatory_title=signatory_title, note=note,
                              reservation_section_id=reservation_section_id, reservation=reservation,
                              content_hash=version.content_hash, created_at=utcnow())
    db.session.add(endorsement)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("This organisation has already endorsed this version.", code="already_endorsed") from None
    record(version.document.group_id, user, "endorsement.create", f"endorsement:{endorsement.id}",
           version_id=version.id, organisation_id=organisation_id, content_hash=version.content_hash,
           reservation_section_id=reservation_section_id, endorsement=endorsement_facts(endorsement))
    endorsements_changed.send(version)
    return endorsement


def endorsement_for(user, endorsement_id) -> Endorsement:
    from app.documents.permissions import can_read

    endorsement = db.session.get(Endorsement, endorsement_id) if isinstance(endorsement_id, int) else None
    if endorsement is None or not can_read(user, endorsement.version.document):
        raise NotFound("No such endorsement.")
    return endorsement


def withdraw(user, endorsement: Endorsement, reason=None) -> Endorsement:
    if not can_withdraw(user, endorsement):
        if not takes_part_in(user, endorsement.version.document.group_id):
            raise PermissionDenied("Observers read only: withdrawing needs the member role or above in the group.",
                                   code="observer_cannot_endorse")
        raise PermissionDenied("Only the organisation's representatives may withdraw its endorsement.",
                               code="not_representative")
    errors = FieldErrors()
    reason = clean_text(errors, "reason", reason, max_length=2000, required=False, multiline=True)
    errors.raise_if_any()
    if endorsement.withdrawn_at is not None:
        raise Conflict("This endorsement was already withdrawn.", code="already_withdrawn")
    if not is_open_for_endorsement(endorsement.version):
        raise Conflict("Endorsement of this version has ended: its endorsements stay as they were.",
                       code="endorsement_closed")
    endorsement.withdrawn_at = utcnow()
    endorsement.withdrawn_by_id = user.id
    endorsement.withdrawal_reason = reason
    record(endorsement.version.document.group_id, user, "endorsement.withdraw", f"endorsement:{endorsement.id}",
           version_id=endorsement.version_id, organisation_id=endorsement.organisation_id, reason=reason,
           withdrawal=withdrawal_facts(endorsement))
    endorsements_changed.send(endorsement.version)
    return endorsement


@dataclass
class BoardRow:
    organisation: Organisation
    state: str  # "endorsed", "withdrawn" or "pending"
    endorsement: Endorsement | None
    representatives: list[User]


def signoff_board(version: Version) -> list[BoardRow]:
    """Every organisation of the group's members, and any other that endorsed, with its state."""
    group_id = version.document.group_id
    member_orgs = set(db.session.scalars(select(User.organisation_id).join(Membership, Membership.user_id == User.id)
                                         .where(Membership.group_id == group_id, User.organisation_id.is_not(None))))
    latest: dict[int, Endorsement] = {}
    for endorsement in endorsements_of(version):
        current = latest.get(endorsement.organisation_id)
        if current is None or current.withdrawn_at is not None:
            latest[endorsement.organisation_id] = endorsement
    org_ids = member_orgs | set(latest)
    organisations = list(db.session.scalars(select(Organisation).where(Organisation.id.in_(org_ids))
                                            .order_by(Organisation.name))) if org_ids else []
    rows = []
    for organisation in organisations:
        endorsement = latest.get(organisation.id)
        state = "pending" if endorsement is None else ("withdrawn" if endorsement.withdrawn_at else "endorsed")
        rows.append(BoardRow(organisation, state, endorsement, [r.user for r in organisation.representatives]))
    return rows


def send_reminders(user, version: Version, document_url: str) -> int:
    """Mails the representatives of organisations that have not yet decided. Returns how many mails."""
    from app.documents.workflow import can_transition

    if not can_transition(user, version.document):
        raise PermissionDenied("Only coordinators send reminders.")
    if not is_open_for_endorsement(version):
        raise Conflict("This version is not open for endorsement.", code="not_open_for_endorsement")
    sent = 0
    for row in signoff_board(version):
        if row.state != "pending":
            continue
        for person in row.representatives:
            send_mail(person.email, f"Reminder: endorsement of “{version.title}”",
                      f"Hello {person.name},\n\n{row.organisation.name} has not yet decided whether to endorse "
                      f"the final version of “{version.title}” (content hash {version.content_hash}).\n\n"
                      f"Read it and endorse it here:\n{document_url}\n\n{user.name}, coordinator\n")
            sent += 1
    record(version.document.group_id, user, "endorsement.remind", f"version:{version.id}", mails=sent)
    return sent
