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

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash

from app.audit.services import record
from app.auth.models import User
from app.documents.importing import section_numbers
from app.documents.models import SectionRevision, Version, VersionSection
from app.endorsements.audit_facts import endorsement_facts, withdrawal_facts
from app.endorsements.models import (
    Delegation,
    Endorsement,
    EndorsementDeadline,
    EndorsementReminder,
    EndorsementSchedule,
    OrganisationAsked,
)
from app.endorsements.permissions import (
    ENDORSING_ROLE,
    active_delegation,
    can_endorse,
    can_withdraw,
    represents,
    takes_part_in,
)
from app.endorsements.signals import endorsement_opened, endorsements_changed, signature_delegated
from app.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.extensions import db, lock_row
from app.groups.models import ROLES, Membership
from app.groups.permissions import role_in
from app.groups.representative_requests import last_requests
from app.i18n import _, in_language, long_date, ngettext
from app.mail.services import send_mail
from app.organisations.models import Organisation, Representative
from app.tasks import periodic
from app.util import public_url, utcnow
from app.validation import FieldErrors, clean_id, clean_text

# The years a deadline may name (those the API's day fields take).
DEADLINE_YEARS = (2000, 2100)


def is_open_for_endorsement(version: Version) -> bool:
    document = version.document
    return version.is_final and document.final_version_id == version.id and document.status == "final" \
        and version.closed_at is None and document.translation_of_id is None  # the original only


def organisations_user_represents(user) -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).join(Representative)
                                   .where(Representative.user_id == user.id).order_by(Organisation.name)))


def organisations_user_signs_for(user, version: Version) -> list[Organisation]:
    """Those the user represents, and those a representative delegated signature of this version to them."""
    delegated = select(Delegation.organisation_id).where(
        Delegation.version_id == version.id, Delegation.delegate_id == user.id, Delegation.revoked_at.is_(None))
    represented = select(Representative.organisation_id).where(Representative.user_id == user.id)
    return list(db.session.scalars(select(Organisation).where(
        Organisation.id.in_(represented) | Organisation.id.in_(delegated)).order_by(Organisation.name)))


def endorsements_of(version: Version, include_withdrawn: bool = True) -> list[Endorsement]:
    """With their organisations and reservations' sections, which every page, board and PDF shows."""
    query = (select(Endorsement).where(Endorsement.version_id == version.id)
             .options(selectinload(Endorsement.organisation), selectinload(Endorsement.reservation_section),
                      selectinload(Endorsement.delegated_by)))
    if not include_withdrawn:
        query = query.where(Endorsement.withdrawn_at.is_(None))
    return list(db.session.scalars(query.order_by(Endorsement.created_at, Endorsement.id)))


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_day(errors: FieldErrors, field: str, value, unreadable: str) -> date | None:
    """A day given as a date or as 2027-01-15; else None, with an error on `field`: that the day is not in the
    calendar (2027-02-30), or `unreadable`, which words the form expected."""
    day = value if isinstance(value, date) and not isinstance(value, datetime) else None
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            errors.add(field, _("%(day)s is not a day of the calendar.", day=value.strip()))
            return None
    if day is None:
        errors.add(field, unreadable)
    return day


def _clean_decision_day(errors: FieldErrors, value, today: date) -> date | None:
    """The day of the decision the signatory carries out: optional, a real day, not after today."""
    if _blank(value):
        return None
    day = _read_day(errors, "decided_on", value, _("Give a day such as 2027-01-15, or nothing."))
    if day is None:
        return None
    if day.year < DEADLINE_YEARS[0]:
        errors.add("decided_on", _("Give a year from %(first)s on.", first=DEADLINE_YEARS[0]))
    elif day > today:
        errors.add("decided_on", _("%(date)s is still to come: a decision is recorded once taken.",
                                   date=long_date(day)))
    else:
        return day
    return None


def consensus(version: Version) -> list[dict]:
    """The consensus map of a version: each of its sections, in order, with the reservations the active
    (not withdrawn) endorsements of that version hold on it.

    [{section_id, number, heading, count, reservations: [{organisation, reservation, endorsement_id}]}],
    heading and number as the version has them. One query (sections outer-joined to their reservations), so
    a long text with many signatories costs the same round trip as a short one."""
    reserving = ((Endorsement.version_id == VersionSection.version_id)
                 & (Endorsement.reservation_section_id == VersionSection.section_id)
                 & Endorsement.withdrawn_at.is_(None) & (Endorsement.reservation != ""))
    rows = db.session.execute(
        select(VersionSection.section_id, VersionSection.level, SectionRevision.heading,
               Endorsement.id, Endorsement.reservation, Organisation.name)
        .join(SectionRevision, (SectionRevision.section_id == VersionSection.section_id)
              & (SectionRevision.number == VersionSection.revision_number))
        .outerjoin(Endorsement, reserving)
        .outerjoin(Organisation, Organisation.id == Endorsement.organisation_id)
        .where(VersionSection.version_id == version.id)
        .order_by(VersionSection.position, Endorsement.created_at, Endorsement.id)).all()
    sections: dict[int, dict] = {}
    levels: list[int] = []
    for section_id, level, heading, endorsement_id, reservation, organisation in rows:
        entry = sections.get(section_id)
        if entry is None:
            entry = sections[section_id] = {"section_id": section_id, "heading": heading, "count": 0,
                                            "reservations": []}
            levels.append(level)
        if endorsement_id is not None:
            entry["reservations"].append({"organisation": organisation, "reservation": reservation,
                                          "endorsement_id": endorsement_id})
            entry["count"] += 1
    out = list(sections.values())
    for number, entry in zip(section_numbers(levels), out):
        entry["number"] = number
    return out


def reserved_sections(version: Version | None) -> list[dict]:
    """The sections of `version` that hold at least one reservation (consensus, without the others)."""
    return [entry for entry in consensus(version) if entry["count"]] if version is not None else []


def endorse(user, version: Version, *, organisation_id, signatory_name, signatory_title, note=None,
            reservation_section_id=None, reservation=None, content_hash=None, password=None,
            password_required: bool = False, decided_by=None, decided_on=None) -> Endorsement:
    """Endorses for the organisation: as its representative, or as the colleague a representative delegated
    signature to for this version (the endorsement then records who delegated and the mandate)."""
    errors = FieldErrors()
    decided_by = clean_text(errors, "decided_by", decided_by, max_length=200, required=False)
    decided_on = _clean_decision_day(errors, decided_on, utcnow().date())
    organisation_id = clean_id(errors, "organisation_id", organisation_id)
    signatory_name = clean_text(errors, "signatory_name", signatory_name, max_length=200)
    signatory_title = clean_text(errors, "signatory_title", signatory_title, max_length=200)
    note = clean_text(errors, "note", note, max_length=2000, required=False, multiline=True)
    reservation = clean_text(errors, "reservation", reservation, max_length=2000, required=False, multiline=True)
    reservation_section_id = clean_id(errors, "reservation_section_id", reservation_section_id, required=False)
    if reservation_section_id is not None and not reservation:
        errors.add("reservation", _("Say what the reservation on that section is."))
    if reservation and reservation_section_id is None:
        errors.add("reservation_section_id", _("Name the section the reservation is about."))
    errors.raise_if_any()
    if db.session.get(Organisation, organisation_id) is None:
        raise Invalid(_("No such organisation."), fields={"organisation_id": _("No such organisation.")})
    if not can_endorse(user, organisation_id, version):
        if not takes_part_in(user, version.document.group_id):
            raise PermissionDenied(_("Observers read only: endorsing needs the member role or above in the group."),
                                   code="observer_cannot_endorse")
        raise PermissionDenied(_("Only the organisation's representatives may endorse on its behalf."),
                               code="not_representative")
    if password_required and not password:
        raise PermissionDenied(_("Confirm with your password: endorsing commits your organisation."),
                               code="password_required",
                               details={"fields": {"password": _("Enter your password to endorse.")}})
    if password is not None and (not isinstance(password, str)
                                 or not check_password_hash(user.password_hash, password)):
        raise PermissionDenied(_("The password is not right."), code="password_wrong",
                               details={"fields": {"password": _("This is not your password.")}})
    if version.document.translation_of_id is not None:
        raise Conflict(_("Organisations endorse the authoritative text: endorse the original, not a translation."),
                       code="translation_not_endorsable", details={"original_id": version.document.translation_of_id})
    if not is_open_for_endorsement(version):
        raise Conflict(_("This version is not open for endorsement."), code="not_open_for_endorsement")
    if content_hash is not None and content_hash != version.content_hash:
        raise Conflict(_("The text you confirmed is not this version's text."), code="content_hash_mismatch",
                       details={"content_hash": version.content_hash})
    if reservation_section_id is not None and db.session.scalar(select(VersionSection.id).where(
            VersionSection.version_id == version.id, VersionSection.section_id == reservation_section_id)) is None:
        raise Invalid(_("That section is not part of this version."),
                      fields={"reservation_section_id": _("Not a section of this version.")})
    if db.session.scalar(select(Endorsement.id).where(
            Endorsement.version_id == version.id, Endorsement.organisation_id == organisation_id,
            Endorsement.withdrawn_at.is_(None))) is not None:
        raise Conflict(_("This organisation has already endorsed this version."), code="already_endorsed")
    delegation = None if represents(user, organisation_id, version) \
        else active_delegation(user, organisation_id, version)
    endorsement = Endorsement(version_id=version.id, organisation_id=organisation_id, user_id=user.id,
                              signatory_name=signatory_name, signatory_title=signatory_title, note=note,
                              reservation_section_id=reservation_section_id, reservation=reservation,
                              content_hash=version.content_hash, created_at=utcnow(),
                              delegated_by_id=delegation.delegated_by_id if delegation else None,
                              mandate=delegation.mandate if delegation else "",
                              decided_by=decided_by, decided_on=decided_on)
    db.session.add(endorsement)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("This organisation has already endorsed this version."), code="already_endorsed") from None
    record(version.document.group_id, user, "endorsement.create", f"endorsement:{endorsement.id}",
           version_id=version.id, organisation_id=organisation_id, content_hash=version.content_hash,
           reservation_section_id=reservation_section_id, endorsement=endorsement_facts(endorsement),
           delegation_id=delegation.id if delegation else None)
    endorsements_changed.send(version)
    return endorsement


def endorsement_for(user, endorsement_id) -> Endorsement:
    from app.documents.permissions import can_read

    endorsement = db.session.get(Endorsement, endorsement_id) if isinstance(endorsement_id, int) else None
    if endorsement is None or not can_read(user, endorsement.version.document):
        raise NotFound(_("No such endorsement."))
    return endorsement


def withdraw(user, endorsement: Endorsement, reason=None) -> Endorsement:
    if not can_withdraw(user, endorsement):
        if not takes_part_in(user, endorsement.version.document.group_id):
            raise PermissionDenied(_("Observers read only: withdrawing needs the member role or above in the group."),
                                   code="observer_cannot_endorse")
        raise PermissionDenied(_("Only the organisation's representatives may withdraw its endorsement."),
                               code="not_representative")
    errors = FieldErrors()
    reason = clean_text(errors, "reason", reason, max_length=2000, required=False, multiline=True)
    errors.raise_if_any()
    if endorsement.withdrawn_at is not None:
        raise Conflict(_("This endorsement was already withdrawn."), code="already_withdrawn")
    if not is_open_for_endorsement(endorsement.version):
        raise Conflict(_("Endorsement of this version has ended: its endorsements stay as they were."),
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
    can_sign: bool = True  # one of its representatives takes part in the group (member role or above)
    asked_at: datetime | None = None  # when the organisation was last asked to name a representative


def taking_part(group_id: int, also: set[int] = frozenset()) -> list[tuple[Organisation, list[User], bool]]:
    """The organisations of the group's members (and `also`, such as others that endorsed), by name, each with
    its representatives and whether one of them may sign (a member, editor or coordinator of the group). The
    sign-off board, its confirmation pages and the notice of a final text all count from here; three queries
    however many organisations."""
    works_for = select(User.organisation_id).join(Membership, Membership.user_id == User.id).where(
        Membership.group_id == group_id, User.organisation_id.is_not(None))
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.id.in_(works_for) | Organisation.id.in_(also))
        .options(selectinload(Organisation.representatives).selectinload(Representative.user))
        .order_by(Organisation.name))
    signers = set(db.session.scalars(select(Membership.user_id).where(
        Membership.group_id == group_id, Membership.role.in_(ROLES[ROLES.index(ENDORSING_ROLE):]))))
    out = []
    for organisation in organisations:
        people = [r.user for r in organisation.representatives]
        out.append((organisation, people, any(p.id in signers for p in people)))
    return out


def signoff_board(version: Version) -> list[BoardRow]:
    """Every organisation of the group's members, and any other that endorsed, with its state."""
    group_id = version.document.group_id
    latest: dict[int, Endorsement] = {}
    for endorsement in endorsements_of(version):
        current = latest.get(endorsement.organisation_id)
        if current is None or current.withdrawn_at is not None:
            latest[endorsement.organisation_id] = endorsement
    asked = last_requests(group_id)
    rows = []
    for organisation, people, can_sign in taking_part(group_id, set(latest)):
        endorsement = latest.get(organisation.id)
        state = "pending" if endorsement is None else ("withdrawn" if endorsement.withdrawn_at else "endorsed")
        rows.append(BoardRow(organisation, state, endorsement, people, can_sign, asked.get(organisation.id)))
    return rows


def _names(names: list[str]) -> str:
    """"A, B and C" as the language in use writes a list."""
    from babel.lists import format_list
    from flask_babel import get_locale

    return format_list(names, locale=get_locale() or "en")


def _deadline_line(deadline: date | None, today: date) -> str:
    if deadline is None:
        return ""
    left = (deadline - today).days
    day = long_date(deadline)
    if left < 0:
        line = _("Endorsement was meant to close on %(date)s.", date=day)
    elif left == 0:
        line = _("Endorsement closes on %(date)s (today).", date=day)
    elif left == 1:
        line = _("Endorsement closes on %(date)s (tomorrow).", date=day)
    else:
        line = ngettext("Endorsement closes on %(date)s (in %(num)d day).",
                        "Endorsement closes on %(date)s (in %(num)d days).", left, date=day)
    return line + "\n\n"


def _remind_pending(version: Version, document_url: str, coordinator, deadline: date | None,
                    today: date) -> int:
    """Queues one mail to each representative of an organisation that has not decided (one per person,
    naming each of their organisations that has not), in the person's language, signed by the coordinator
    who sent it (None: the periodic reminder). Returns how many mails."""
    waiting: dict[int, tuple[User, list[str]]] = {}
    for row in signoff_board(version):
        if row.state != "pending":
            continue
        for person in row.representatives:
            waiting.setdefault(person.id, (person, []))[1].append(row.organisation.name)
    for person, organisations in waiting.values():
        with in_language(person.language):
            if coordinator is not None:
                signature = _("%(name)s, coordinator", name=coordinator.name)
            else:
                signature = _("Accord, for the coordinators of %(group)s", group=version.document.group.name)
            undecided = ngettext(
                "%(organisations)s has not yet decided whether to endorse the final version of “%(title)s” "
                "(content hash %(hash)s).",
                "%(organisations)s have not yet decided whether to endorse the final version of “%(title)s” "
                "(content hash %(hash)s).",
                len(organisations), organisations=_names(organisations), title=version.title,
                hash=version.content_hash)
            body = _("Hello %(name)s,", name=person.name) + "\n\n" + undecided + "\n\n" \
                + _deadline_line(deadline, today) + _("Read it and endorse it here:") \
                + f"\n{document_url}\n\n{signature}\n"
            send_mail(person.email, _("Reminder: endorsement of “%(title)s”", title=version.title), body)
    return len(waiting)


def send_reminders(user, version: Version, document_url: str) -> int:
    """Mails the representatives of organisations that have not yet decided. Returns how many mails."""
    from app.documents.workflow import can_transition

    if not can_transition(user, version.document):
        raise PermissionDenied(_("Only coordinators send reminders."))
    if not is_open_for_endorsement(version):
        raise Conflict(_("This version is not open for endorsement."), code="not_open_for_endorsement")
    sent = _remind_pending(version, document_url, user, deadline_of(version), utcnow().date())
    record(version.document.group_id, user, "endorsement.remind", f"version:{version.id}", mails=sent)
    return sent


# --- the deadline, and the reminders before it ----------------------------------------------------

def deadline_of(version: Version) -> date | None:
    row = db.session.get(EndorsementDeadline, version.id)
    return row.deadline if row is not None else None


def _clean_deadline(errors: FieldErrors, value, today: date, field: str = "deadline") -> date | None:
    """None (no deadline) for nothing or blank; a day from today on, given as 2027-01-15 or a date."""
    if _blank(value):
        return None
    day = _read_day(errors, field, value, _("Give a day such as 2027-01-15, or nothing for no deadline."))
    if day is None:
        return None
    if not DEADLINE_YEARS[0] <= day.year <= DEADLINE_YEARS[1]:
        errors.add(field, _("Give a year between %(first)s and %(last)s.", first=DEADLINE_YEARS[0],
                                 last=DEADLINE_YEARS[1]))
    elif day < today:
        errors.add(field, _("%(date)s has passed: choose today or a later day.", date=long_date(day)))
    else:
        return day
    return None


def set_deadline(user, version: Version, deadline) -> date | None:
    """Sets, moves or (with nothing) removes the day the version's endorsement is meant to close.

    Coordinators do it, as they open endorsement and send reminders. A deadline is a target shown to
    people and counted down to by the reminders (send_deadline_reminders); it refuses no endorsement."""
    from app.documents.workflow import can_transition

    if not can_transition(user, version.document):
        raise PermissionDenied(_("Only coordinators set the endorsement deadline."))
    errors = FieldErrors()
    day = _clean_deadline(errors, deadline, utcnow().date())
    errors.raise_if_any()
    if not is_open_for_endorsement(version):
        raise Conflict(_("This version is not open for endorsement."), code="not_open_for_endorsement")
    lock_row(Version, version.id)  # two coordinators at once: one after the other
    _store_deadline(user, version, day)
    return day


def reminder_days(setting=None) -> tuple[int, ...]:
    """ENDORSEMENT_REMINDER_DAYS ("7,1") as days before the deadline, nearest first: (1, 7)."""
    setting = current_app.config["ENDORSEMENT_REMINDER_DAYS"] if setting is None else setting
    items = setting.split(",") if isinstance(setting, str) else list(setting)
    try:
        days = {int(item) for item in items if str(item).strip()}
    except ValueError:
        raise ValueError(f"ENDORSEMENT_REMINDER_DAYS={setting!r}: give whole numbers of days, such as 7,1") from None
    if any(day < 0 for day in days):
        raise ValueError(f"ENDORSEMENT_REMINDER_DAYS={setting!r}: days before the deadline cannot be negative")
    return tuple(sorted(days))


# A version's own reminder schedule: at most this many distinct days, each this many days before at most.
REMINDER_DAYS_MAX = 5
REMINDER_DAY_RANGE = (1, 60)


def _clean_reminder_days(errors: FieldErrors, value, field: str = "reminder_days") -> tuple[int, ...] | None:
    """Days before the deadline on which reminders go out, as a list ([7, 1]) or a form's text ("7, 1");
    None when not given. Whole days, each within REMINDER_DAY_RANGE, at most REMINDER_DAYS_MAX distinct ones
    (a day named twice counts once), so nobody gets more than one reminder a day. Nearest first."""
    if value is None:
        return None
    if isinstance(value, str):
        items = [item.strip() for item in value.split(",") if item.strip()]
        if any(not (item.isascii() and item.isdigit() and len(item) <= 3) for item in items):
            errors.add(field, _("Give whole numbers of days, such as 7, 1."))
            return None
        value = [int(item) for item in items]
    if not isinstance(value, (list, tuple)) or any(isinstance(d, bool) or not isinstance(d, int) for d in value):
        errors.add(field, _("Give whole numbers of days, such as 7, 1."))
        return None
    days = set(value)
    if any(not REMINDER_DAY_RANGE[0] <= d <= REMINDER_DAY_RANGE[1] for d in days):
        errors.add(field, _("Each reminder goes %(first)s to %(last)s days before the deadline.",
                            first=REMINDER_DAY_RANGE[0], last=REMINDER_DAY_RANGE[1]))
        return None
    if len(days) > REMINDER_DAYS_MAX:
        errors.add(field, ngettext("At most %(num)d reminder.", "At most %(num)d reminders.", REMINDER_DAYS_MAX))
        return None
    return tuple(sorted(days))


def reminder_days_of(version: Version) -> tuple[int, ...]:
    """The version's own reminder days, nearest first; without a schedule of its own, the installation's."""
    row = db.session.get(EndorsementSchedule, version.id)
    return reminder_days(row.reminder_days) if row is not None else reminder_days()


def has_own_schedule(version: Version) -> bool:
    return db.session.get(EndorsementSchedule, version.id) is not None


def _store_schedule(user, version: Version, days: tuple[int, ...]) -> bool:
    """Stores the version's reminder days; False when they were already these."""
    row = db.session.get(EndorsementSchedule, version.id, populate_existing=True)
    text_days = ",".join(str(d) for d in sorted(days, reverse=True))
    if row is not None and row.reminder_days == text_days:
        return False
    previous = reminder_days_of(version)
    if row is None:
        db.session.add(EndorsementSchedule(version_id=version.id, reminder_days=text_days, set_at=utcnow(),
                                           set_by_id=user.id))
    else:
        row.reminder_days, row.set_at, row.set_by_id = text_days, utcnow(), user.id
    db.session.flush()
    record(version.document.group_id, user, "endorsement.schedule", f"version:{version.id}",
           reminder_days=sorted(days, reverse=True), previous=sorted(previous, reverse=True))
    return True


def _store_deadline(user, version: Version, day: date | None) -> bool:
    row = db.session.get(EndorsementDeadline, version.id, populate_existing=True)
    previous = row.deadline if row is not None else None
    if previous == day:
        return False
    if day is None:
        db.session.delete(row)
    elif row is None:
        db.session.add(EndorsementDeadline(version_id=version.id, deadline=day, set_at=utcnow(), set_by_id=user.id))
    else:
        row.deadline, row.set_at, row.set_by_id = day, utcnow(), user.id
    db.session.flush()
    record(version.document.group_id, user, "endorsement.deadline", f"version:{version.id}",
           deadline=day.isoformat() if day else None, previous=previous.isoformat() if previous else None)
    return True


_UNCHANGED = object()


def change_schedule(user, version: Version, *, deadline=_UNCHANGED, reminder_days=_UNCHANGED) -> Version:
    """Changes the deadline (None removes it) and/or the reminder days of a version open for endorsement
    (coordinators). Both are checked before either is stored: a refusal changes nothing."""
    from app.documents.workflow import can_transition

    if not can_transition(user, version.document):
        raise PermissionDenied(_("Only coordinators set the endorsement deadline."))
    errors = FieldErrors()
    day = _clean_deadline(errors, deadline, utcnow().date(), "endorsement_deadline") \
        if deadline is not _UNCHANGED else None
    days = _clean_reminder_days(errors, reminder_days) if reminder_days is not _UNCHANGED else None
    errors.raise_if_any()
    if not is_open_for_endorsement(version):
        raise Conflict(_("This version is not open for endorsement."), code="not_open_for_endorsement")
    lock_row(Version, version.id)  # two coordinators at once: one after the other
    if deadline is not _UNCHANGED:
        _store_deadline(user, version, day)
    if days is not None:
        _store_schedule(user, version, days)
    elif reminder_days is None and has_own_schedule(version):  # null: back to the installation's days
        previous = reminder_days_of(version)
        db.session.delete(db.session.get(EndorsementSchedule, version.id))
        db.session.flush()
        record(version.document.group_id, user, "endorsement.schedule", f"version:{version.id}",
               reminder_days=None, previous=sorted(previous, reverse=True))
    return version


def make_final(user, document, *, label=None, deadline=None, reminder_days=None) -> Version:
    """Makes the document's text final and opens it for endorsement, with the deadline (optional) and the
    reminder days (optional: ENDORSEMENT_REMINDER_DAYS otherwise) the coordinator chose, in one transaction;
    then every representative of every organisation taking part is told (endorsement_opened).

    The deadline and days are checked before anything changes: a deadline in the past or a schedule out of
    bounds is refused (400) and the document stays as it was."""
    from app.documents.workflow import can_transition, transition

    if not can_transition(user, document):
        raise PermissionDenied(_("Only coordinators move a document through its workflow."))
    errors = FieldErrors()
    day = _clean_deadline(errors, deadline, utcnow().date(), "endorsement_deadline")
    days = _clean_reminder_days(errors, reminder_days)
    errors.raise_if_any()
    transition(user, document, "final", label)
    # By its id: document.final_version may still hold what a caller read before (None before a first final).
    version = db.session.get(Version, document.final_version_id)
    if day is not None:
        _store_deadline(user, version, day)
    if days is not None:
        _store_schedule(user, version, days)
    asked = _organisations_asked(version)
    now = utcnow()
    db.session.add_all([OrganisationAsked(version_id=version.id, organisation_id=organisation.id, asked_at=now)
                        for organisation, _people, _since in asked])
    db.session.flush()
    endorsement_opened.send(version, actor=user, deadline=day, asked=asked)
    return version


def _organisations_asked(version: Version) -> list[tuple[Organisation, list[User], Version | None]]:
    """The organisations taking part, each with its representatives and the last earlier final version of
    the document it was asked to endorse (organisations_asked; for a document whose earlier finals predate
    that record, its previous final version)."""
    earlier = list(db.session.scalars(select(Version).where(
        Version.document_id == version.document_id, Version.is_final, Version.id != version.id)
        .order_by(Version.number.desc()).limit(50)))
    asked_in: dict[int, set[int]] = {}
    if earlier:
        for version_id, organisation_id in db.session.execute(
                select(OrganisationAsked.version_id, OrganisationAsked.organisation_id)
                .where(OrganisationAsked.version_id.in_([v.id for v in earlier]))):
            asked_in.setdefault(version_id, set()).add(organisation_id)
    rows = []
    for row in signoff_board(version):
        since = next((v for v in earlier if row.organisation.id in asked_in.get(v.id, ())), None)
        if since is None and earlier and not asked_in:
            since = earlier[0]
        rows.append((row.organisation, row.representatives, since))
    return rows


@periodic("endorsements.deadline_reminders", minute="5")  # hourly: a missed day is caught up within the hour
def send_deadline_reminders(today: date | None = None) -> int:
    """Reminds, before each deadline, the representatives of organisations that have not decided.

    On each of the version's reminder days before its deadline (its own schedule, or ENDORSEMENT_REMINDER_DAYS:
    7 and 1 by default) the reminder of that day goes out once: a run that missed a day (no worker ran) sends
    the nearest one still due before the deadline passes, never two at once. Each reminder is claimed by
    inserting its row (endorsement_reminders, unique per version, deadline and day) in the transaction that
    queues its mails and records its audit event, committed here version by version: however often this
    runs, on however many machines at once, one run sends it and the others find it taken. Returns how many
    mails."""
    today = today or utcnow().date()
    default = reminder_days()
    horizon = max((*default, REMINDER_DAY_RANGE[1]))
    due = list(db.session.execute(
        select(EndorsementDeadline.version_id, EndorsementDeadline.deadline, EndorsementSchedule.reminder_days)
        .join(Version, Version.id == EndorsementDeadline.version_id)
        .outerjoin(EndorsementSchedule, EndorsementSchedule.version_id == EndorsementDeadline.version_id)
        .where(Version.is_final, Version.closed_at.is_(None), EndorsementDeadline.deadline >= today,
               EndorsementDeadline.deadline <= today + timedelta(days=horizon))
        .order_by(EndorsementDeadline.deadline, EndorsementDeadline.version_id)))
    db.session.commit()  # end the reading transaction: each reminder below is a transaction of its own
    mails = 0
    for version_id, deadline, own in due:
        days = reminder_days(own) if own is not None else default
        left = (deadline - today).days
        if not days or left > days[-1]:
            continue
        days_before = next(day for day in days if day >= left)
        mails += _send_deadline_reminder(version_id, deadline, days_before, today)
    return mails


def _send_deadline_reminder(version_id: int, deadline: date, days_before: int, today: date) -> int:
    version = db.session.get(Version, version_id)
    if version is None or not is_open_for_endorsement(version) or deadline_of(version) != deadline:
        db.session.rollback()
        return 0
    if db.session.scalar(select(EndorsementReminder.id).where(
            EndorsementReminder.version_id == version_id, EndorsementReminder.deadline == deadline,
            EndorsementReminder.days_before == days_before)) is not None:
        db.session.rollback()
        return 0
    reminder = EndorsementReminder(version_id=version_id, deadline=deadline, days_before=days_before,
                                   sent_at=utcnow())
    db.session.add(reminder)
    try:
        db.session.flush()  # the claim: a run elsewhere that got here first holds it, and this one stops
    except IntegrityError:
        db.session.rollback()
        return 0
    reminder.mails = _remind_pending(version, public_url("documents.show_version", vid=version.id), None,
                                     deadline, today)
    record(version.document.group_id, None, "endorsement.remind", f"version:{version.id}", mails=reminder.mails,
           deadline=deadline.isoformat(), days_before=days_before)
    db.session.commit()
    return reminder.mails


# --- delegation of signature ----------------------------------------------------------------------

MANDATE_MAX = 1000


def delegations_of(version: Version, include_revoked: bool = False) -> list[Delegation]:
    query = (select(Delegation).where(Delegation.version_id == version.id)
             .options(selectinload(Delegation.organisation), selectinload(Delegation.delegate),
                      selectinload(Delegation.delegated_by)))
    if not include_revoked:
        query = query.where(Delegation.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(Delegation.created_at, Delegation.id)))


def delegation_for(user, delegation_id) -> Delegation:
    from app.documents.permissions import can_read

    delegation = db.session.get(Delegation, delegation_id) if isinstance(delegation_id, int) else None
    if delegation is None or not can_read(user, delegation.version.document):
        raise NotFound(_("No such delegation."))
    return delegation


def delegate(user, version: Version, *, organisation_id, delegate_user_id, mandate) -> Delegation:
    """A representative delegates signature of this one version, for their organisation, to a named colleague
    of the same organisation who takes part in the group (member role or above), with the mandate they carry.
    The delegate may then endorse for that organisation on that version, and nowhere else."""
    errors = FieldErrors()
    organisation_id = clean_id(errors, "organisation_id", organisation_id)
    delegate_user_id = clean_id(errors, "delegate_user_id", delegate_user_id)
    mandate = clean_text(errors, "mandate", mandate, max_length=MANDATE_MAX, multiline=True)
    errors.raise_if_any()
    if db.session.get(Organisation, organisation_id) is None:
        raise Invalid(_("No such organisation."), fields={"organisation_id": _("No such organisation.")})
    if not represents(user, organisation_id, version):
        raise PermissionDenied(_("Only the organisation's representatives may delegate its signature."),
                               code="not_representative")
    colleague = db.session.get(User, delegate_user_id)
    group_id = version.document.group_id
    if colleague is None or role_in(colleague, group_id) is None:
        raise Invalid(_("Name a member of the group."),
                      fields={"delegate_user_id": _("Not a member of this group.")})
    if colleague.id == user.id:
        raise Invalid(_("You may already sign: name a colleague."),
                      fields={"delegate_user_id": _("Name a colleague, not yourself.")})
    if colleague.organisation_id != organisation_id:
        raise Invalid(_("Signature is delegated only to a colleague of the same organisation."),
                      fields={"delegate_user_id": _("Not a colleague of this organisation.")})
    if not takes_part_in(colleague, group_id):
        raise Invalid(_("Observers read only: the colleague needs the member role or above in the group."),
                      fields={"delegate_user_id": _("An observer of the group.")})
    if not is_open_for_endorsement(version):
        raise Conflict(_("This version is not open for endorsement."), code="not_open_for_endorsement")
    if active_delegation(colleague, organisation_id, version) is not None:
        raise Conflict(_("This colleague already holds a delegation for this version."), code="already_delegated")
    delegation = Delegation(version_id=version.id, organisation_id=organisation_id, delegated_by_id=user.id,
                            delegate_id=colleague.id, mandate=mandate, created_at=utcnow())
    db.session.add(delegation)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("This colleague already holds a delegation for this version."),
                       code="already_delegated") from None
    record(group_id, user, "endorsement.delegate", f"delegation:{delegation.id}", version_id=version.id,
           organisation_id=organisation_id, delegate_id=colleague.id, mandate=mandate)
    signature_delegated.send(delegation, actor=user)
    return delegation


def can_revoke(user, delegation: Delegation) -> bool:
    """The organisation's representatives (who delegated, or another), and the delegate who declines it."""
    return getattr(user, "id", None) == delegation.delegate_id \
        or represents(user, delegation.organisation_id, delegation.version)


def revoke_delegation(user, delegation: Delegation) -> Delegation:
    """Ends a delegation; an endorsement the delegate made under it stays (withdrawing it is its own act)."""
    version = delegation.version
    if not can_revoke(user, delegation):
        raise PermissionDenied(_("Only the organisation's representatives, or the delegate, end a delegation."),
                               code="not_representative")
    if delegation.revoked_at is not None:
        raise Conflict(_("This delegation has already ended."), code="already_revoked")
    if not is_open_for_endorsement(version):
        raise Conflict(_("Endorsement of this version has ended: its delegations stay as they were."),
                       code="endorsement_closed")
    delegation.revoked_at, delegation.revoked_by_id = utcnow(), user.id
    record(version.document.group_id, user, "endorsement.revoke_delegation", f"delegation:{delegation.id}",
           version_id=version.id, organisation_id=delegation.organisation_id, delegate_id=delegation.delegate_id)
    return delegation


def colleagues_who_may_sign(user, version: Version, organisations: list[Organisation]) -> list[User]:
    """The group's members (member role or above) of those organisations, other than the user: whom they may
    delegate signature to."""
    if not organisations:
        return []
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == version.document.group_id, Membership.role != "observer",
               User.organisation_id.in_([o.id for o in organisations]), User.id != user.id)
        .options(selectinload(User.organisation)).order_by(User.name)))


@dataclass
class Schedule:
    deadline: date | None
    reminder_days: tuple[int, ...]  # farthest first
    own: bool  # the version's own days, not the installation's
    sent: list[EndorsementReminder]


def schedule_of(version: Version) -> Schedule:
    """What the sign-off board shows of the deadline, the reminder days and the reminders sent."""
    sent = list(db.session.scalars(select(EndorsementReminder).where(EndorsementReminder.version_id == version.id)
                                   .order_by(EndorsementReminder.sent_at, EndorsementReminder.id)))
    return Schedule(deadline_of(version), tuple(sorted(reminder_days_of(version), reverse=True)),
                    has_own_schedule(version), sent)
