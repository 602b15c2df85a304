"""Notifications: who hears of what happens in a discussion, in the app and by e-mail (right away or in a
daily digest), what each person chose, and which documents they watch.

The discussion does not call here: it announces what happened (comments.signals) and receivers.py
answers with the functions below, in the same transaction, so a notification and its e-mail commit or
roll back with the comment that caused them.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from babel.lists import format_list
from flask import current_app
from flask_babel import get_locale
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.comments.models import Amendment, Comment
from app.documents import services as documents
from app.documents.models import Document, Section
from app.endorsements.models import EndorsementDeadline
from app.errors import Invalid
from app.extensions import db
from app.groups.models import Membership
from app.i18n import _, in_language, long_date, ngettext, short_datetime
from app.mail.services import send_mail
from app.notifications.models import EMAIL_CHOICES, DocumentWatch, Notification, NotificationSetting
from app.tasks import periodic
from app.util import utcnow
from app.validation import MAX_ID, FieldErrors, clean_choice

# --- who hears of it -----------------------------------------------------------------------------


def _members(group_id: int) -> list[User]:
    return list(db.session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                   .where(Membership.group_id == group_id)))


def mentioned_members(group_id: int, text: str | None) -> list[User]:
    """Members named with @ in the text: by their full name or their e-mail address's local part."""
    if not text or "@" not in text:
        return []
    folded = text.casefold()
    found = []
    for user in _members(group_id):
        for handle in {user.name.strip().casefold(), user.email.split("@", 1)[0].casefold()}:
            if handle and re.search(r"(?<![\w.@])@" + re.escape(handle) + r"(?![\w])", folded):
                found.append(user)
                break
    return found


def earlier_commenters(section: Section) -> list[User]:
    return list(db.session.scalars(select(User).where(User.id.in_(
        select(Comment.author_id).where(Comment.section_id == section.id, Comment.deleted_at.is_(None))))))


def watchers_of(document: Document) -> list[int]:
    return list(db.session.scalars(select(DocumentWatch.user_id).where(DocumentWatch.document_id == document.id)))


def _places(section: Section) -> dict[str, str]:
    """The placeholders that name a section in a notification, in the language in use: `section` ("§3
    Monitoring", or the quoted heading of a section without a number) and `document` (its title)."""
    number = documents.section_number(section)
    named = _("§%(number)s %(heading)s", number=number, heading=section.heading) if number else \
        _("“%(heading)s”", heading=section.heading)
    return {"section": named, "document": section.document.title}


# A notification's link is stored, and made wherever a comment is written (a page, the API, the demo data,
# a script): a path on this site, the same as the pages' routes.
def _comment_link(comment: Comment) -> str:
    return f"/documents/{comment.document_id}#comment-{comment.id}"


def _amendment_link(amendment: Amendment) -> str:
    return f"/amendments/{amendment.id}"


def _section_audience(section: Section, mentioning: str | None) -> dict[int, str]:
    """The section's earlier commenters, the document's watchers and the members the text mentions, each
    with why they hear of it (a mention wins over the rest)."""
    recipients = {u.id: "comment" for u in earlier_commenters(section)}
    recipients.update({uid: "watch" for uid in watchers_of(section.document) if uid not in recipients})
    recipients.update({u.id: "mention" for u in mentioned_members(section.document.group_id, mentioning)})
    return recipients


# --- what the discussion announces ------------------------------------------------------------------

def notify_comment(actor, comment: Comment) -> None:
    """A new comment or reply: mentioned members, the section's earlier commenters and the document's
    watchers hear of it."""
    section = comment.section
    reply = comment.parent_id is not None

    def text(kind: str) -> str:
        names = {"actor": actor.name, **_places(section)}
        if kind == "mention":
            return _("%(actor)s mentioned you in a comment on %(section)s of “%(document)s”", **names)
        if kind == "comment":
            return _("%(actor)s replied on %(section)s of “%(document)s”, where you commented", **names) if reply \
                else _("%(actor)s commented on %(section)s of “%(document)s”, where you commented", **names)
        return _("%(actor)s replied on %(section)s of “%(document)s”", **names) if reply \
            else _("%(actor)s commented on %(section)s of “%(document)s”", **names)

    _deliver(actor, section.document, _section_audience(section, comment.body), text, _comment_link(comment))


def notify_new_mentions(actor, comment: Comment, old_body: str) -> None:
    """An edited comment: only the members it mentions now and did not before hear of it."""
    group_id = comment.document.group_id
    before = {u.id for u in mentioned_members(group_id, old_body)}
    newly = [u for u in mentioned_members(group_id, comment.body) if u.id not in before]
    if newly:
        _deliver(actor, comment.document, {u.id: "mention" for u in newly},
                 lambda kind: _("%(actor)s mentioned you in a comment on %(section)s of “%(document)s”",
                                actor=actor.name, **_places(comment.section)), _comment_link(comment))


def notify_proposal(actor, amendment: Amendment) -> None:
    """A suggested change: heard of as a comment is, its rationale's mentions included."""
    section = amendment.section

    def text(kind: str) -> str:
        names = {"actor": actor.name, **_places(section)}
        if kind == "mention":
            return _("%(actor)s mentioned you in a suggested change to %(section)s of “%(document)s”", **names)
        if kind == "comment":
            return _("%(actor)s suggested a change to %(section)s of “%(document)s”, where you commented", **names)
        return _("%(actor)s suggested a change to %(section)s of “%(document)s”", **names)

    _deliver(actor, amendment.document, _section_audience(section, amendment.rationale), text,
             _amendment_link(amendment),
             detail=lambda: _change_as_text(documents.revision_text(section.id, amendment.base_revision),
                                            amendment.body, _("The suggested change")))


def notify_decision(actor, amendment: Amendment) -> None:
    """An accepted or rejected suggestion: its author and its supporters hear of it."""
    recipients = {s.user_id: "amendment" for s in amendment.supports}
    if amendment.author_id:
        recipients[amendment.author_id] = "amendment"

    def text(kind: str) -> str:
        names = {"actor": actor.name, "number": amendment.id, **_places(amendment.section)}
        if amendment.status == "accepted":
            return _("%(actor)s accepted the suggested change #%(number)s to %(section)s of “%(document)s”", **names)
        return _("%(actor)s rejected the suggested change #%(number)s to %(section)s of “%(document)s”", **names)

    _deliver(actor, amendment.document, recipients, text, _amendment_link(amendment))


def notify_merge(actor, section: Section, revision, merged_with: list) -> None:
    """A save merged with changes saved meanwhile: the writers of those changes hear that theirs was merged
    into ("Marta Puig’s edit was merged with yours in §3 Monitoring …"), linked to what the merge changed."""
    recipients = {rev.author_id: "merge" for rev in merged_with if rev.author_id is not None}
    if not recipients:
        return
    link = f"/sections/{section.id}/diff?from={revision.number - 1}&to={revision.number}"
    _deliver(actor, section.document, recipients,
             lambda kind: _("%(actor)s’s edit was merged with yours in %(section)s of “%(document)s”",
                            actor=actor.name, **_places(section)), link,
             detail=lambda: _change_as_text(documents.revision_text(section.id, revision.number - 1),
                                            documents.revision_text(section.id, revision.number),
                                            _("What %(actor)s’s save changed", actor=actor.name)))


def notify_import(actor, document: Document, *, comments: int, suggestions: int, texts: list[str]) -> None:
    """A document imported with its discussion (a Word file's comments and tracked changes): one notification
    per person at most, instead of one per imported comment. The group's editors and coordinators hear of it
    (they decide on the suggestions), and so do the members that the imported texts mention. Nothing when
    the file brought no discussion: it is then a new document like any other."""
    if not comments and not suggestions:
        return
    recipients = {uid: "import" for uid in db.session.scalars(select(Membership.user_id).where(
        Membership.group_id == document.group_id, Membership.role.in_(("editor", "coordinator"))))}
    recipients.update({u.id: "mention" for u in mentioned_members(document.group_id, "\n".join(texts))})

    def text(kind: str) -> str:
        # Two counts in one sentence: each counted phrase has its own plural forms.
        names = {"actor": actor.name, "document": document.title,
                 "comments": ngettext("%(num)d comment", "%(num)d comments", comments),
                 "suggestions": ngettext("%(num)d suggested change", "%(num)d suggested changes", suggestions)}
        if kind == "mention":
            return _("%(actor)s imported “%(document)s” from Word with %(comments)s and %(suggestions)s, in which "
                     "you are mentioned", **names)
        return _("%(actor)s imported “%(document)s” from Word with %(comments)s and %(suggestions)s", **names)

    _deliver(actor, document, recipients, text, f"/documents/{document.id}")


# --- what endorsements announce -------------------------------------------------------------------------

def _changes_since(document: Document, old, new) -> dict[str, int]:
    """How many sections changed, were added, removed or moved from `old` to `new` (versions)."""
    counts = {"modified": 0, "added": 0, "removed": 0, "moved": 0}
    for entry in documents.document_diff(document, old, new, source=True):
        if entry["change"] in counts:
            counts[entry["change"]] += 1
    return counts


def _changes_line(counts: dict[str, int], since) -> str:
    """"Since version 2 (“Draft for the board”): 3 sections changed, 1 added, 1 removed." in the language in
    use; each counted phrase has its own plural forms."""
    if since is None:
        return _("This is the first final version of the text put to your organisation.")
    parts = [phrase for count, phrase in (
        (counts["modified"], ngettext("%(num)d section changed", "%(num)d sections changed", counts["modified"])),
        (counts["added"], ngettext("%(num)d added", "%(num)d added", counts["added"])),
        (counts["removed"], ngettext("%(num)d removed", "%(num)d removed", counts["removed"])),
        (counts["moved"], ngettext("%(num)d moved", "%(num)d moved", counts["moved"]))) if count]
    if not parts:
        return _("Since version %(number)s (“%(label)s”), which your organisation was asked to endorse: no change "
                 "to the text.", number=since.number, label=since.label)
    return _("Since version %(number)s (“%(label)s”), which your organisation was asked to endorse: %(changes)s.",
             number=since.number, label=since.label,
             changes=format_list(parts, locale=get_locale() or "en"))


def notify_endorsement_opened(actor, version, *, deadline, asked) -> int:
    """A version made final: every representative of every organisation taking part hears, in their own
    language and time zone, in the app and by e-mail (whatever their notification choice: it is the notice
    that they are asked to sign, as the reminders are), what is to be endorsed, by when, the link, and what
    changed since the last final version their organisation was asked to endorse. One notice per person,
    naming each of their organisations. Returns how many e-mails."""
    document = version.document
    people: dict[int, tuple[User, list]] = {}
    for organisation, representatives, since in asked:
        for person in representatives:
            people.setdefault(person.id, (person, []))[1].append((organisation, since))
    changes: dict[int | None, dict[str, int]] = {}
    link = f"/versions/{version.id}"
    mails = 0
    for uid in sorted(people):
        person, organisations = people[uid]
        with in_language(person.language, person.time_zone):
            names = [o.name for o, _since in organisations]
            text = ngettext(
                "“%(title)s”, version %(number)s (“%(label)s”), is ready for endorsement by %(organisations)s",
                "“%(title)s”, version %(number)s (“%(label)s”), is ready for endorsement by %(organisations)s",
                len(names), title=version.title, number=version.number, label=version.label,
                organisations=format_list(names, locale=get_locale() or "en"))
            notification = Notification(user_id=uid, group_id=document.group_id, actor_id=getattr(actor, "id", None),
                                        kind="endorsement", text=text[:500], link=link)
            db.session.add(notification)
            if person.is_disabled:
                continue
            lines = [_("Hello %(name)s,", name=person.name), "", text + ".", "",
                     _("Read it and endorse it here:"), _absolute(link), ""]
            lines.append(_("Endorsement is meant to close on %(date)s.", date=long_date(deadline)) if deadline
                         else _("No deadline has been set for endorsement."))
            lines.append("")
            for organisation, since in organisations:
                key = since.id if since is not None else None
                if since is not None and key not in changes:
                    changes[key] = _changes_since(document, since, version)
                line = _changes_line(changes.get(key, {}), since)
                lines += [_("%(organisation)s: %(changes)s", organisation=organisation.name, changes=line)
                          if len(organisations) > 1 else line, ""]
            if actor is not None:
                lines.append(_("%(name)s, coordinator", name=actor.name))
            lines += ["—", _("Your notifications and how you receive them: %(link)s",
                             link=_absolute("/notifications"))]
            send_mail(person.email, _("Ready for endorsement: “%(title)s”", title=version.title),
                      "\n".join(lines))
            notification.emailed_at = utcnow()
            mails += 1
    db.session.flush()
    return mails



def notify_delegation(actor, delegation) -> bool:
    """A colleague to whom a representative delegated signature of one version hears it, in their own language
    and time zone, in the app and by e-mail (as the notice that a text is ready: it asks them to act): what, for
    which organisation, under which mandate, by when, and where to endorse. Returns whether an e-mail went."""
    version, person = delegation.version, delegation.delegate
    link = f"/versions/{version.id}/endorse"
    deadline = db.session.get(EndorsementDeadline, version.id)
    with in_language(person.language, person.time_zone):
        text = _("%(delegator)s delegated signature for %(organisation)s to you for this version. Mandate: "
                 "%(mandate)s", delegator=actor.name, organisation=delegation.organisation.name,
                 mandate=delegation.mandate)
        notification = Notification(user_id=person.id, group_id=version.document.group_id, actor_id=actor.id,
                                    kind="endorsement", text=text[:500], link=link)
        db.session.add(notification)
        if person.is_disabled:
            return False
        ready = ngettext(
            "“%(title)s”, version %(number)s (“%(label)s”), is ready for endorsement by %(organisations)s",
            "“%(title)s”, version %(number)s (“%(label)s”), is ready for endorsement by %(organisations)s",
            1, title=version.title, number=version.number, label=version.label,
            organisations=delegation.organisation.name)
        lines = [_("Hello %(name)s,", name=person.name), "", ready + ".", "", text, "",
                 _("Read it and endorse it here:"), _absolute(link), "",
                 _("Endorsement is meant to close on %(date)s.", date=long_date(deadline.deadline)) if deadline
                 else _("No deadline has been set for endorsement."), "",
                 "—", _("Your notifications and how you receive them: %(link)s", link=_absolute("/notifications"))]
        send_mail(person.email, _("Delegation of signature: “%(title)s”", title=version.title), "\n".join(lines))
        notification.emailed_at = utcnow()
    return True

# --- delivery ---------------------------------------------------------------------------------------

MAIL_CHANGE_CHARS = 4000  # of a change told in an e-mail; the link shows it whole


def _change_as_text(old: str, new: str, title: str) -> str:
    """A change as an e-mail tells it: the comparison engine's plain text ([deleted: …] and [inserted: …] inside
    the words, no Markdown), cut to MAIL_CHANGE_CHARS."""
    text = documents.compare_texts(old, new).text.strip()
    if len(text) > MAIL_CHANGE_CHARS:
        text = _("%(change)s … (the whole change at the link above)",
                 change=text[:MAIL_CHANGE_CHARS].rsplit(" ", 1)[0])
    return _("%(title)s:\n\n%(change)s", title=title, change=text) if text else ""


def _deliver(actor, document: Document, recipients: dict[int, str], text: Callable[[str], str], link: str,
             detail: Callable[[], str] | None = None) -> None:
    """One notification per recipient who is still a member, never the actor; e-mails the ones who want them now.
    Each person's notification and e-mail are composed in their language and time zone: `text(kind)` says what
    happened, for why they hear of it. `detail`, when given, makes what the e-mail says below the line and link
    (the change itself): called once per language, and only when an e-mail goes out now."""
    member_ids = {m for m in db.session.scalars(select(Membership.user_id).where(
        Membership.group_id == document.group_id))}
    ids = [uid for uid in recipients if uid in member_ids and uid != getattr(actor, "id", None)]
    if not ids:
        return
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    preferences = dict(db.session.execute(select(NotificationSetting.user_id, NotificationSetting.email)
                                          .where(NotificationSetting.user_id.in_(ids))).all())
    told: dict[str, str] = {}
    for uid in sorted(ids):
        kind, user = recipients[uid], users[uid]
        with in_language(user.language, user.time_zone) as language:
            message = text(kind)
            notification = Notification(user_id=uid, group_id=document.group_id,
                                        actor_id=getattr(actor, "id", None), kind=kind, text=message[:500], link=link)
            db.session.add(notification)
            if preferences.get(uid, "immediate") == "immediate" and not user.is_disabled:
                if detail is not None and language not in told:
                    told[language] = detail()
                body = _mail_body([notification], told.get(language, ""))
                send_mail(user.email, _("[Accord] %(message)s", message=message)[:250], body)
                notification.emailed_at = utcnow()
    db.session.flush()


def _absolute(link: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + link


def _mail_body(notifications: list[Notification], detail: str = "", dated: bool = False) -> str:
    """What a notification e-mail says, in the language in use; `dated`: each notification with its time (the
    digest, which gathers a day's)."""
    lines = []
    for n in notifications:
        lines += ([short_datetime(n.created_at)] if dated else []) + [n.text, _absolute(n.link), ""]
    if detail:
        lines += [detail, ""]
    lines += ["—", _("Your notifications and how you receive them: %(link)s", link=_absolute("/notifications"))]
    return "\n".join(lines)


@periodic("notifications.digest", minute="0", hour=lambda config: str(config["DIGEST_HOUR"]))
def send_daily_digests() -> int:
    """The daily digest, a periodic task of the queue (DIGEST_HOUR, UTC); each run once, whatever the workers."""
    sent = send_digests()
    db.session.commit()
    return sent


def send_digests() -> int:
    """One e-mail per person who chose the daily digest and has unread notifications not yet e-mailed."""
    sent = 0
    daily = list(db.session.scalars(select(User).join(NotificationSetting, NotificationSetting.user_id == User.id)
                                    .where(NotificationSetting.email == "daily").order_by(User.id)))
    for user in daily:
        waiting = list(db.session.scalars(select(Notification).where(
            Notification.user_id == user.id, Notification.read_at.is_(None), Notification.emailed_at.is_(None))
            .order_by(Notification.id)))
        if not waiting or user.is_disabled:
            continue
        with in_language(user.language, user.time_zone):
            subject = ngettext("[Accord] %(num)d new notification", "[Accord] %(num)d new notifications",
                               len(waiting))
            send_mail(user.email, subject, _mail_body(waiting, dated=True))
        now = utcnow()
        for notification in waiting:
            notification.emailed_at = now
        sent += 1
    return sent


# --- reading and settings ------------------------------------------------------------------------------

def email_preference(user) -> str:
    setting = db.session.get(NotificationSetting, user.id)
    return setting.email if setting else "immediate"


def set_email_preference(user, choice) -> NotificationSetting:
    errors = FieldErrors()
    choice = clean_choice(errors, "email", choice, EMAIL_CHOICES)
    errors.raise_if_any()
    setting = db.session.get(NotificationSetting, user.id)
    if setting is None:
        setting = NotificationSetting(user_id=user.id)
        db.session.add(setting)
    setting.email = choice
    setting.updated_at = utcnow()
    return setting


def unread_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def notifications_query(user, unread_only: bool = False):
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query


def mark_read(user, ids=None) -> int:
    """Marks the user's notifications read: the given ids, or all."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        if not isinstance(ids, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
            raise Invalid(_("Give a list of notification ids."), fields={"ids": _("A list of notification ids.")})
        # A number beyond the id column names nothing (and SQLite raises on it instead of finding nothing).
        query = query.where(Notification.id.in_([i for i in ids if 1 <= i <= MAX_ID]))
    return db.session.execute(query.values(read_at=utcnow())).rowcount


# --- watching ----------------------------------------------------------------------------------

def is_watching(user, document: Document) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(select(DocumentWatch.id).where(DocumentWatch.document_id == document.id,
                                                            DocumentWatch.user_id == user.id)) is not None


def watch(user, document: Document, on: bool = True) -> bool:
    """Start or stop hearing of every comment and suggestion on the document (readers may watch)."""
    current = db.session.scalar(select(DocumentWatch).where(DocumentWatch.document_id == document.id,
                                                            DocumentWatch.user_id == user.id))
    if on and current is None:
        db.session.add(DocumentWatch(document_id=document.id, user_id=user.id))
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
    elif not on and current is not None:
        db.session.delete(current)
    return on
