"""Working groups: creation, invitations and membership changes."""
from __future__ import annotations

import re
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.audit.models import AuditEvent
from app.audit.services import record
from app.auth.models import User
from app.auth.services import create_user
from app.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.extensions import db, lock_row
from app.groups.models import ROLE_NAMES, ROLES, Group, Invitation, Membership
from app.groups.permissions import membership_of, require_role
from app.i18n import _, in_language, long_date, ngettext
from app.mail.services import send_mail
from app.organisations.models import Organisation, Representative
from app.util import new_token, token_hash, utcnow
from app.validation import FieldErrors, clean_choice, clean_email, clean_text


def create_group(user: User, name, description=None) -> Group:
    errors = FieldErrors()
    name = clean_text(errors, "name", name, max_length=200)
    description = clean_text(errors, "description", description, max_length=5000, required=False, multiline=True)
    errors.raise_if_any()
    group = Group(name=name, description=description, created_by_id=user.id)
    db.session.add(group)
    db.session.flush()
    db.session.add(Membership(group_id=group.id, user_id=user.id, role="coordinator"))
    db.session.flush()
    record(group.id, user, "group.create", f"group:{group.id}", name=name)
    return group


def update_group(user: User, group: Group, *, name, description=None) -> Group:
    require_role(user, group, "coordinator")
    errors = FieldErrors()
    name = clean_text(errors, "name", name, max_length=200)
    description = clean_text(errors, "description", description, max_length=5000, required=False, multiline=True)
    errors.raise_if_any()
    group.name, group.description = name, description
    return group


def groups_of(user: User) -> list[tuple[Group, str]]:
    rows = db.session.execute(
        select(Group, Membership.role).join(Membership, Membership.group_id == Group.id)
        .where(Membership.user_id == user.id).order_by(Group.name))
    return [(group, role) for group, role in rows]


def members_of(group: Group) -> list[Membership]:
    """With each member's account and organisation, which the members table shows (read in bulk)."""
    return list(db.session.scalars(
        select(Membership).join(User, User.id == Membership.user_id)
        .where(Membership.group_id == group.id).order_by(User.name)
        .options(selectinload(Membership.user).selectinload(User.organisation))))


def represented_by(memberships: list[Membership]) -> dict[int, list[Organisation]]:
    """For each member (by user id), the organisations they may endorse for: one query for the whole table."""
    user_ids = [m.user_id for m in memberships]
    found: dict[int, list[Organisation]] = {uid: [] for uid in user_ids}
    if not user_ids:
        return found
    rows = db.session.execute(
        select(Representative.user_id, Organisation)
        .join(Organisation, Organisation.id == Representative.organisation_id)
        .where(Representative.user_id.in_(user_ids)).order_by(Organisation.name))
    for user_id, organisation in rows:
        found[user_id].append(organisation)
    return found


def is_newcomer(membership: Membership | None) -> bool:
    """A member who joined within NEWCOMER_DAYS, or who has not yet done anything in the group (no event of
    theirs in its audit trail but joining): their group page points them to where to start."""
    if membership is None:
        return False
    if membership.created_at > utcnow() - timedelta(days=current_app.config["NEWCOMER_DAYS"]):
        return True
    return db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.group_id == membership.group_id, AuditEvent.actor_id == membership.user_id,
        AuditEvent.action.notin_(("membership.join", "group.create"))).limit(1)) is None


def coordinators_of(group: Group) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group.id, Membership.role == "coordinator").order_by(User.name)))


# --- invitations ------------------------------------------------------------

# A batch of invitations: at most this many addresses, and a personal note of at most this many characters.
BATCH_LIMIT = 100
NOTE_LIMIT = 2000


@dataclass(frozen=True)
class WorkItem:
    """One thing the group is working on now, as the invitation mail lists it (the pages compose these from
    the documents, a layer above)."""

    title: str
    status: object  # the status as people read it; lazy, so the mail says it in its own language
    deadline: date | None = None  # the day endorsement is meant to close, when there is one


def _invitation_body(user: User, group: Group, role: str, days: int, link: str, *, note: str,
                     current_work, name: str) -> str:
    parts = [_("Hello %(name)s,", name=name) if name else _("Hello,"),
             _("%(name)s invites you to join the working group “%(group)s” on Accord as %(role)s.",
               name=user.name, group=group.name, role=str(ROLE_NAMES.get(role, role)))]
    if note:
        quoted = "\n".join(f"> {line}" for line in note.splitlines())
        parts.append(_("%(name)s writes:", name=user.name) + "\n\n" + quoted)
    if group.description:
        parts.append(_("What the group works on:") + "\n" + group.description)
    if current_work:
        lines = []
        for item in current_work:
            if item.deadline is not None:
                lines.append("- " + _("%(title)s (%(status)s, to be endorsed by %(date)s)", title=item.title,
                                      status=str(item.status), date=long_date(item.deadline)))
            else:
                lines.append("- " + _("%(title)s (%(status)s)", title=item.title, status=str(item.status)))
        parts.append(_("What the group is working on now:") + "\n" + "\n".join(lines))
    parts += [ngettext("Open this link within %(num)d day to accept:", "Open this link within %(num)d days to accept:",
                       days),
              link,
              _("The link works once. If you did not expect it, ignore this message.")]
    return "\n\n".join(parts) + "\n"


def invite(user: User, group: Group, email, role, accept_url_for, *, note="", current_work=(),
           name="") -> tuple[Invitation, str]:
    """Creates a single-use invitation and mails its link, with the coordinator's note (if any), the group's
    description and what it is working on now (`current_work`, WorkItems). Returns it with the raw token."""
    require_role(user, group, "coordinator")
    errors = FieldErrors()
    email = clean_email(errors, "email", email)
    role = clean_choice(errors, "role", role, ROLES)
    note = clean_text(errors, "note", note, max_length=NOTE_LIMIT, required=False, multiline=True)
    name = clean_text(errors, "name", name, max_length=120, required=False)
    errors.raise_if_any()
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is not None and membership_of(existing, group.id) is not None:
        raise Conflict(_("%(email)s is already a member of this group.", email=email), code="already_member",
                       details={"fields": {"email": _("Already a member of this group.")}})
    raw = new_token()
    days = current_app.config["INVITATION_DAYS"]
    invitation = Invitation(group_id=group.id, email=email, role=role, token_hash=token_hash(raw),
                            invited_by_id=user.id, expires_at=utcnow() + timedelta(days=days))
    db.session.add(invitation)
    db.session.flush()
    # In the language of the person invited when they have an account, else in the inviting coordinator's.
    with in_language(existing.language) if existing is not None and existing.language else nullcontext():
        body = _invitation_body(user, group, role, days, accept_url_for(raw), note=note, current_work=current_work,
                                name=existing.name if existing is not None else name)
        send_mail(email, _("Invitation to the working group %(group)s", group=group.name), body)
    record(group.id, user, "invitation.create", f"invitation:{invitation.id}", email=email, role=role,
           **({"with_note": True} if note else {}))
    return invitation, raw


@dataclass(frozen=True)
class BatchEntry:
    """One address of a batch, as the page read it from a line or the API from an item."""

    email: object
    role: object
    name: str = ""
    line: int | None = None  # the pasted line it came from (pages); None for the API's items


def _batch_key(index: int, entry: BatchEntry, field: str) -> str:
    """Where a fault is reported: the pasted line ("line:3") on a page, the item's field in the API."""
    return f"line:{entry.line}" if entry.line is not None else f"invitations.{index}.{field}"


def invite_many(user: User, group: Group, entries: list[BatchEntry], note, accept_url_for, *,
                current_work=()) -> list[tuple[Invitation, str]]:
    """Invites every address of the batch, or none: every entry is checked first (its address, its role,
    not twice in the batch, not already a member) and any fault refuses the whole batch with each faulty
    entry named, before anything is created or mailed."""
    require_role(user, group, "coordinator")
    errors = FieldErrors()
    note = clean_text(errors, "note", note, max_length=NOTE_LIMIT, required=False, multiline=True)
    if not entries:
        errors.add("invitations", _("Give at least one address."))
    elif len(entries) > BATCH_LIMIT:
        errors.add("invitations", ngettext("At most %(num)d address at once.", "At most %(num)d addresses at once.",
                                           BATCH_LIMIT))
    errors.raise_if_any()
    problems: dict[str, str] = {}

    def problem(key: str, message: str) -> None:  # a pasted line may hold several faults: all are said
        problems[key] = f"{problems[key]} {message}" if key in problems else message

    cleaned: list[tuple[str, str, str]] = []
    first_seen: dict[str, BatchEntry] = {}
    for index, entry in enumerate(entries):
        checks = FieldErrors()
        email = clean_email(checks, "email", entry.email)
        role = entry.role if isinstance(entry.role, str) and entry.role in ROLES else ""
        name = clean_text(checks, "name", entry.name, max_length=120, required=False)
        if not email:
            shown = entry.email.strip()[:254] if isinstance(entry.email, str) else ""
            problem(_batch_key(index, entry, "email"),
                    _("“%(text)s” is not an e-mail address.", text=shown) if shown else
                    _("An e-mail address is required."))
        if not role:
            problem(_batch_key(index, entry, "role"),
                    _("“%(text)s” is not a role: use observer, member, editor or coordinator.",
                      text=entry.role[:40] if isinstance(entry.role, str) else ""))
        if "name" in checks.fields:
            problem(_batch_key(index, entry, "name"), checks.fields["name"])
        if email and email in first_seen:
            earlier = first_seen[email]
            problem(_batch_key(index, entry, "email"),
                    _("%(email)s is already on line %(line)s.", email=email, line=earlier.line)
                    if earlier.line is not None else _("%(email)s is already in this batch.", email=email))
        elif email:
            first_seen[email] = entry
        cleaned.append((email, role, name))
    addresses = [email for email, _role, _name in cleaned if email]
    members = set(db.session.scalars(
        select(User.email).join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group.id, User.email.in_(addresses)))) if addresses else set()
    for index, (entry, (email, _role, _name)) in enumerate(zip(entries, cleaned)):
        if email in members:
            problem(_batch_key(index, entry, "email"), _("%(email)s is already a member of this group.", email=email))
    if problems:
        raise Invalid(ngettext("%(num)d address cannot be invited: nothing was sent.",
                               "%(num)d addresses cannot be invited: nothing was sent.", len(problems)),
                      fields=problems, code="invalid_invitations")
    return [invite(user, group, email, role, accept_url_for, note=note, current_work=current_work, name=name)
            for email, role, name in cleaned]


def pending_invitations(group: Group) -> list[Invitation]:
    return list(db.session.scalars(
        select(Invitation).where(Invitation.group_id == group.id, Invitation.accepted_at.is_(None),
                                 Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow())
        .order_by(Invitation.created_at.desc())))


def invitation_for(raw_token) -> Invitation:
    """The usable invitation behind a link: unknown or forged 404, used or expired 409."""
    invitation = None
    if isinstance(raw_token, str) and 10 < len(raw_token) < 200:
        invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(raw_token)))
    if invitation is None or invitation.revoked_at is not None:
        raise NotFound(_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation has already been used."), code="invitation_used")
    if invitation.expires_at < utcnow():
        raise Conflict(_("This invitation has expired. Ask the coordinator for a new one."), code="invitation_expired")
    return invitation


def _join(invitation: Invitation, user: User) -> Membership:
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    membership = Membership(group_id=invitation.group_id, user_id=user.id, role=invitation.role)
    db.session.add(membership)
    db.session.flush()
    record(invitation.group_id, user, "membership.join", f"user:{user.id}", role=invitation.role,
           invitation_id=invitation.id)
    return membership


def register_with_invitation(raw_token, *, name, password, organisation_id=None) -> tuple[User, Membership]:
    invitation = invitation_for(raw_token)
    user = create_user(invitation.email, name, password, organisation_id=organisation_id)
    return user, _join(invitation, user)


def invited_address_matches(user: User, invitation: Invitation) -> bool:
    return user.email.strip().lower() == invitation.email.strip().lower()


def accept_invitation(user: User, raw_token) -> Membership:
    """Only the invited address joins: a link forwarded, leaked or read over a shoulder admits nobody else
    (a person who uses another address asks the coordinator to invite that one)."""
    invitation = invitation_for(raw_token)
    if not invited_address_matches(user, invitation):
        raise PermissionDenied(_("This invitation was sent to %(invited)s, and you are signed in as %(email)s. "
                                 "Sign in with the invited address, or ask the group's coordinator to invite the "
                                 "address you use.", invited=invitation.email, email=user.email),
                               code="invitation_for_another_address")
    if membership_of(user, invitation.group_id) is not None:
        raise Conflict(_("You are already a member of this group."), code="already_member")
    return _join(invitation, user)


def revoke_invitation(user: User, group: Group, invitation_id) -> Invitation:
    require_role(user, group, "coordinator")
    invitation = db.session.get(Invitation, invitation_id) if isinstance(invitation_id, int) else None
    if invitation is None or invitation.group_id != group.id:
        raise NotFound(_("No such invitation."))
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
    return invitation


# --- membership changes ---------------------------------------------------------

def _member(group: Group, user_id) -> Membership:
    membership = None
    if isinstance(user_id, int):
        membership = db.session.scalar(
            select(Membership).where(Membership.group_id == group.id, Membership.user_id == user_id)
            .execution_options(populate_existing=True))
    if membership is None:
        raise NotFound(_("No such member in this group."))
    return membership


def _lock_memberships(group: Group) -> None:
    """Membership changes of one group happen one at a time: on PostgreSQL under the group's row lock
    (SQLite's write transaction is already one at a time), taken before anything is read, so two
    coordinators demoting each other at once cannot leave the group with none."""
    lock_row(Group, group.id)


def _coordinator_count(group: Group) -> int:
    return db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.group_id == group.id, Membership.role == "coordinator"))


def change_role(user: User, group: Group, user_id, role) -> Membership:
    _lock_memberships(group)
    require_role(user, group, "coordinator")
    errors = FieldErrors()
    role = clean_choice(errors, "role", role, ROLES)
    errors.raise_if_any()
    membership = _member(group, user_id)
    if membership.role == "coordinator" and role != "coordinator" and _coordinator_count(group) <= 1:
        raise Conflict(_("A group needs at least one coordinator: name another one first."), code="last_coordinator")
    previous = membership.role
    membership.role = role
    record(group.id, user, "membership.role", f"user:{membership.user_id}", **{"from": previous, "to": role})
    return membership


def remove_member(user: User, group: Group, user_id) -> None:
    """Coordinators remove anyone; anyone may leave. The last coordinator stays."""
    _lock_memberships(group)
    membership = _member(group, user_id)
    if membership.user_id != user.id:
        require_role(user, group, "coordinator")
    if membership.role == "coordinator" and _coordinator_count(group) <= 1:
        raise Conflict(_("A group needs at least one coordinator: name another one first."), code="last_coordinator")
    db.session.delete(membership)
    db.session.flush()
    record(group.id, user, "membership.remove", f"user:{membership.user_id}", role=membership.role)


# --- reading a pasted list of addresses ------------------------------------------------------------

_NAMED_ADDRESS = re.compile(r"\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>]*)>\s*")


def _role_code(word: str) -> str:
    """A role written by code ("editor") or by its name in the reader's language; else the word as written
    (invite_many then says it is not a role)."""
    folded = word.strip().casefold()
    for role in ROLES:
        if folded in (role, str(ROLE_NAMES[role]).casefold()):
            return role
    return word.strip()


def read_address_list(text: str, default_role: str) -> list[BatchEntry]:
    """Reads what a coordinator pasted: one or more addresses a line, separated by commas or semicolons,
    each `anna@example.eu` or `Anna Puig <anna@example.eu>`, and optionally followed by a role for that
    address (`anna@example.eu, editor`); an address without one gets `default_role`. Nothing is refused
    here: an entry that is not an address or a role is kept as written, for invite_many to name its line."""
    entries: list[BatchEntry] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        open_entry: int | None = None  # the entry of this line that a role word would belong to
        for piece in (p.strip() for p in re.split(r"[,;]", line)):
            if not piece:
                continue
            if "@" not in piece and open_entry is not None:
                entries[open_entry] = BatchEntry(entries[open_entry].email, _role_code(piece),
                                                 entries[open_entry].name, number)
                open_entry = None
                continue
            named = _NAMED_ADDRESS.fullmatch(piece)
            name, email = (named["name"].strip().strip('"').strip(), named["email"].strip()) if named else ("", piece)
            entries.append(BatchEntry(email, default_role, name, number))
            open_entry = len(entries) - 1
    return entries
