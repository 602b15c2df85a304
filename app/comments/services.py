"""Discussion: comments, threads and their anchors, suggested changes.

Every function that changes something takes the acting user, checks the
rules (permissions.py), changes the data, writes the audit event and announces
what happened (signals.py: notifications listen); the caller commits once.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, func, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.audit.models import AuditEvent
from app.audit.services import record
from app.auth.models import User
from app.comments import anchoring
from app.comments.models import Amendment, AmendmentSupport, Comment
from app.comments.permissions import (
    can_comment,
    can_decide,
    can_delete_comment,
    can_edit_comment,
    can_propose,
    can_resolve,
    can_support,
)
from app.comments.signals import amendment_decided, amendment_proposed, comment_added, comment_edited
from app.documents import services as documents
from app.documents.models import Document, Section
from app.documents.permissions import require_unfrozen
from app.documents.rendering import check_renderable, render_cached
from app.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.extensions import db, run_unlocked
from app.i18n import _, format_number, in_language
from app.util import utcnow
from app.validation import (
    MAX_ID,
    FieldErrors,
    clean_id,
    clean_long_text,
    clean_text,
    is_unicode_text,
    normalise_newlines,
)

MAX_COMMENT_CHARS = 20_000


@dataclass(frozen=True)
class Credit:
    """Who wrote a comment or a suggested change brought in from elsewhere (a Word file) and when: a member
    (`author`), or a name that is no member's (`name`, shown "from Word"). The acting user imports it."""

    author: User | None = None
    name: str | None = None
    at: datetime | None = None


def _credit_fields(user, credit: Credit | None) -> dict:
    if credit is None:
        return {"author_id": user.id}
    fields = {"author_id": credit.author.id if credit.author is not None else None,
              "external_author": None if credit.author is not None else (credit.name or "")[:200] or None}
    if credit.at is not None:
        fields["created_at"] = credit.at
    return fields
MAX_QUOTE_CHARS = 5_000
MAX_RATIONALE_CHARS = 5_000


# --- validation -------------------------------------------------------------------

def check_comment_body(body) -> str:
    """A comment's Markdown: text, not empty, at most MAX_COMMENT_CHARS characters (413 beyond)."""
    body = clean_long_text(body, field="body", limit=MAX_COMMENT_CHARS, bytes_limit=False, strip=True,
                           too_large=_("A comment may hold at most %(count)s characters.",
                                       count=format_number(MAX_COMMENT_CHARS)),
                           code="comment_too_large")
    errors = FieldErrors()
    body = clean_text(errors, "body", body, max_length=MAX_COMMENT_CHARS, multiline=True)
    errors.raise_if_any(_("Write your comment first.") if not body else _("Some fields are not valid."))
    run_unlocked(check_renderable, body)  # 400 markdown_too_complex, before anything is stored
    return body


def _require_live_section(section: Section) -> None:
    if section.deleted_at is not None:
        raise Conflict(_("This section was removed: its discussion is kept for reading only."),
                       code="section_removed")


def clean_position(errors: FieldErrors, field: str, value) -> int | None:
    """A count or a position in a text (0 or more) from a form's text or a JSON number; None when not given.
    Like ids (validation.clean_id), only ASCII digits count ("²".isdigit() is true), and only numbers a
    section could hold."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= len(str(MAX_ID)):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        errors.add(field, _("A whole number, 0 or more."))
        return None
    return value


def reply_target(section: Section, parent_id) -> Comment | None:
    """The comment a reply answers, from a form's or a JSON body's `parent_id`; None starts a new thread.
    An id that is not one is a field error (400), as is a comment of another section."""
    errors = FieldErrors()
    cid = clean_id(errors, "parent_id", parent_id, required=False)
    errors.raise_if_any()
    if cid is None:
        return None
    parent = db.session.get(Comment, cid)
    if parent is None or parent.section_id != section.id:
        raise Invalid(_("No such comment on this section."),
                      fields={"parent_id": _("Not a comment of this section.")})
    return parent


def _anchor_on(section: Section, quote, occurrence, near) -> anchoring.Anchor:
    if quote is None:
        return anchoring.Anchor(quote="")
    if not isinstance(quote, str) or not is_unicode_text(quote):
        raise Invalid(_("Some fields are not valid."), fields={"quote": _("Must be text.")})
    quote = normalise_newlines(quote).strip()
    if not quote:
        return anchoring.Anchor(quote="")
    if len(quote) > MAX_QUOTE_CHARS:
        raise Invalid(_("Some fields are not valid."),
                      fields={"quote": _("Quote at most %(count)s characters.", count=format_number(MAX_QUOTE_CHARS))})
    errors = FieldErrors()
    occurrence, near = clean_position(errors, "occurrence", occurrence), clean_position(errors, "start", near)
    errors.raise_if_any()
    span = anchoring.find_quote(section.body, quote, occurrence=occurrence, near=near)
    if span is None:
        raise Invalid(_("Those words are not in the section's current text."),
                      fields={"quote": _("These words are not in the current text of the section.")})
    return anchoring.make_anchor(section.body, *span)


# --- comments -----------------------------------------------------------------------

def add_comment(user, section: Section, *, body, quote=None, occurrence=None, start=None,
                credit: Credit | None = None) -> Comment:
    """A new thread on the section: on the quoted words when given, else on the section as a whole.
    `credit`: written by someone else, brought in by `user` (a Word import)."""
    document = section.document
    if not can_comment(user, document):
        raise PermissionDenied(_("Observers read the discussion; members and above comment."))
    _require_live_section(section)
    body = check_comment_body(body)
    anchor = _anchor_on(section, quote, occurrence, start)
    comment = Comment(section_id=section.id, document_id=document.id, **_credit_fields(user, credit), body=body,
                      anchor_quote=anchor.quote, anchor_prefix=anchor.prefix, anchor_suffix=anchor.suffix,
                      anchor_start=anchor.start, anchor_end=anchor.end, revision=section.current_revision)
    db.session.add(comment)
    db.session.flush()
    record(document.group_id, user, "comment.add", f"comment:{comment.id}", section_id=section.id,
           document_id=document.id, revision=section.current_revision, quoted=bool(anchor.quote))
    comment_added.send(comment, actor=user, imported=credit is not None)
    return comment


def reply(user, parent: Comment, *, body, credit: Credit | None = None) -> Comment:
    """A reply in the thread of `parent` (a reply to a reply joins the same thread)."""
    document = parent.document
    if not can_comment(user, document):
        raise PermissionDenied(_("Observers read the discussion; members and above reply."))
    if parent.is_deleted:
        raise Conflict(_("That comment was deleted: there is nothing to reply to."), code="comment_deleted")
    section = parent.section
    _require_live_section(section)
    body = check_comment_body(body)
    thread = parent.parent or parent
    comment = Comment(section_id=section.id, document_id=document.id, parent_id=thread.id,
                      **_credit_fields(user, credit), body=body, revision=section.current_revision)
    db.session.add(comment)
    db.session.flush()
    record(document.group_id, user, "comment.reply", f"comment:{comment.id}", thread_id=thread.id,
           section_id=section.id, document_id=document.id)
    comment_added.send(comment, actor=user, imported=credit is not None)
    return comment


def edit_comment(user, comment: Comment, *, body) -> Comment:
    if not can_edit_comment(user, comment):
        raise PermissionDenied(_("Only its author edits a comment."))
    if comment.is_deleted:
        raise Conflict(_("That comment was deleted."), code="comment_deleted")
    body = check_comment_body(body)
    if body == comment.body:
        return comment
    old_body = comment.body
    comment.body = body
    comment.edited_at = utcnow()
    record(comment.document.group_id, user, "comment.edit", f"comment:{comment.id}",
           section_id=comment.section_id, document_id=comment.document_id)
    comment_edited.send(comment, actor=user, old_body=old_body)
    return comment


def delete_comment(user, comment: Comment) -> Comment:
    """Deleting keeps the comment's place in its thread, without its text."""
    if not can_delete_comment(user, comment):
        raise PermissionDenied(_("Only its author or an editor deletes a comment."))
    if comment.is_deleted:
        return comment
    comment.body = ""
    comment.deleted_at = utcnow()
    comment.deleted_by_id = user.id
    record(comment.document.group_id, user, "comment.delete", f"comment:{comment.id}",
           section_id=comment.section_id, document_id=comment.document_id, by_author=comment.author_id == user.id)
    return comment


def resolve(user, comment: Comment) -> Comment:
    """Resolves the thread `comment` belongs to; resolving a resolved thread changes nothing."""
    thread = comment.parent or comment
    if not can_resolve(user, thread):
        raise PermissionDenied(_("Only editors and the thread's author resolve a thread."))
    if thread.resolved_at is None:
        thread.resolved_at = utcnow()
        thread.resolved_by_id = user.id
        record(thread.document.group_id, user, "comment.resolve", f"comment:{thread.id}",
               section_id=thread.section_id, document_id=thread.document_id)
    return thread


def reopen(user, comment: Comment) -> Comment:
    thread = comment.parent or comment
    if not can_resolve(user, thread):
        raise PermissionDenied(_("Only editors and the thread's author reopen a thread."))
    if thread.resolved_at is not None:
        thread.resolved_at = None
        thread.resolved_by_id = None
        record(thread.document.group_id, user, "comment.reopen", f"comment:{thread.id}",
               section_id=thread.section_id, document_id=thread.document_id)
    return thread


# --- reading comments -----------------------------------------------------------------

@dataclass
class Thread:
    comment: Comment
    replies: list[Comment]
    location: anchoring.Location

    @property
    def resolved(self) -> bool:
        return self.comment.resolved_at is not None

    @property
    def whole_section(self) -> bool:
        return not self.comment.anchor_quote

    @property
    def orphaned(self) -> bool:
        return self.location.orphaned

    def quoted_now(self, text: str) -> str:
        """The words highlighted now (they differ from the quote after a fuzzy match)."""
        if self.location.start is None:
            return ""
        return text[self.location.start:self.location.end]


class RevisionTexts:
    """Old section texts, rebuilt once per request however many anchors need them."""

    def __init__(self):
        self._texts: dict[tuple[int, int], str] = {}

    def get(self, section_id: int, number: int) -> str | None:
        key = (section_id, number)
        if key not in self._texts:
            try:
                self._texts[key] = documents.revision_text(section_id, number)
            except NotFound:  # a missing revision only costs the exact mapping
                self._texts[key] = None
        return self._texts[key]


def anchor_of(comment: Comment) -> anchoring.Anchor:
    return anchoring.Anchor(quote=comment.anchor_quote or "", prefix=comment.anchor_prefix or "",
                            suffix=comment.anchor_suffix or "", start=comment.anchor_start, end=comment.anchor_end)


def locate(comment: Comment, section: Section, texts: RevisionTexts | None = None) -> anchoring.Location:
    """Where a thread's words are in the section's current text."""
    anchor = anchor_of(comment)
    if anchor.whole_section:
        return anchoring.WHOLE
    if comment.located_state is not None and comment.located_revision == section.current_revision:
        return _stored_location(comment)
    if comment.revision == section.current_revision and section.body[anchor.start:anchor.end] == anchor.quote:
        return anchoring.Location(anchor.start, anchor.end)
    texts = texts or RevisionTexts()
    # A revision never changes: its section's identity (id and creation time, which a reused id would
    # not share) and its number name its text, so a remembered result needs no rebuild of it.
    return anchoring.relocate(anchor, section.body, old_key=("revision", section.id, section.created_at,
                                                             comment.revision),
                              load_old=lambda: texts.get(section.id, comment.revision))


_STATES = {"exact": True, "changed": False}


def _stored_location(comment: Comment) -> anchoring.Location:
    if comment.located_state == "orphaned":
        return anchoring.ORPHANED
    return anchoring.Location(comment.located_start, comment.located_end,
                              exact=_STATES.get(comment.located_state, False))


def carry_anchors(section: Section, old_text: str, new_text: str, old_number: int, new_number: int) -> None:
    """At each save, move the open threads' anchors from revision `old_number` to `new_number` of the
    section, so that reading the page never relocates an anchor across the whole history. Called by
    documents.services.save_section in the saving transaction, which holds the section's lock, so it is
    bounded: one diff of the two texts for all threads (anchoring.carry_all), and a time budget for the
    words the edit touched, however many threads are open.

    A thread never carried (older data, a reopened thread) is first relocated from its own revision,
    the threads of one revision sharing one diff, within the same budget; one that does not fit stays
    uncarried (the page relocates it, and the next save tries again)."""
    threads = list(db.session.scalars(select(Comment).where(
        Comment.section_id == section.id, Comment.parent_id.is_(None), Comment.resolved_at.is_(None),
        Comment.anchor_quote != "")))
    deadline = time.monotonic() + anchoring.CARRY_BUDGET
    carried, to_relocate = [], {}
    for comment in threads:
        anchor = anchor_of(comment)
        if comment.located_state is not None and comment.located_revision == old_number:
            carried.append((comment, _stored_location(comment)))
        elif comment.revision == old_number and old_text[anchor.start:anchor.end] == anchor.quote:
            carried.append((comment, anchoring.Location(anchor.start, anchor.end)))
        else:
            to_relocate.setdefault(comment.revision, []).append(comment)
    for number, comments in to_relocate.items():
        if time.monotonic() >= deadline:
            break
        anchors = [anchor_of(c) for c in comments]
        for comment, where in zip(comments, anchoring.relocate_all(
                anchors, old_text, RevisionTexts().get(section.id, number), deadline=deadline)):
            if where is not None:
                carried.append((comment, where))
    moved = anchoring.carry_all([(c.anchor_quote, where) for c, where in carried], old_text, new_text,
                                budget=max(0.0, deadline - time.monotonic()))
    for (comment, _where), location in zip(carried, moved):
        comment.located_revision, comment.located_start, comment.located_end = new_number, location.start, location.end
        comment.located_state = "orphaned" if location.orphaned else ("exact" if location.exact else "changed")


def comments_query():
    """Comments with what their display needs, loaded in a few queries whatever their number."""
    return select(Comment).options(selectinload(Comment.author), selectinload(Comment.resolved_by),
                                   selectinload(Comment.parent))


def threads_of(sections: list[Section], texts: RevisionTexts | None = None,
               open_only: bool = False) -> dict[int, list[Thread]]:
    """Every thread of these sections (or only the open ones), in order of creation, with its replies and its
    re-located anchor."""
    texts = texts or RevisionTexts()
    by_id = {s.id: s for s in sections}
    out: dict[int, list[Thread]] = {s.id: [] for s in sections}
    if not sections:
        return out
    if open_only:  # the open roots through their partial index, then their replies: resolved history is not read
        comments = list(db.session.scalars(select(Comment).where(
            Comment.section_id.in_(by_id), Comment.parent_id.is_(None), Comment.resolved_at.is_(None))))
        if comments:
            comments += db.session.scalars(select(Comment).where(Comment.parent_id.in_([c.id for c in comments])))
            # The authors in one query, set on each comment as if loaded with it. A reply's parent is an open
            # root, held by its thread, so the session's identity map answers for it; open roots have no
            # resolver. No query per comment either way.
            people = {u.id: u for u in db.session.scalars(select(User).where(
                User.id.in_({c.author_id for c in comments} - {None})))}
            for c in comments:
                set_committed_value(c, "author", people.get(c.author_id))
        comments.sort(key=lambda c: c.id)
    else:
        comments = list(db.session.scalars(comments_query().where(Comment.section_id.in_(by_id)).order_by(Comment.id)))
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id is not None:
            replies.setdefault(comment.parent_id, []).append(comment)
    for comment in comments:
        if comment.parent_id is None:
            section = by_id[comment.section_id]
            out[section.id].append(Thread(comment, replies.get(comment.id, []), locate(comment, section, texts)))
    return out


@dataclass
class SectionDiscussion:
    """What the document page shows of one section's discussion."""
    threads: list[Thread]  # the open ones: resolved threads are history, linked to on the discussion page
    proposed: int = 0
    has_resolved: bool = False


@dataclass
class DocumentDiscussion:
    """What the document page needs of the discussion for every section: the reader's rights, and which
    comments of open threads they wrote (those carry their author's tools)."""
    can_comment: bool = False
    can_propose: bool = False
    mine: frozenset[int] = frozenset()  # comment ids


def highlight_spans(threads: list[Thread]) -> tuple:
    """(start, end, comment id) of the words each open thread quotes, where they stand now."""
    return tuple((t.location.start, t.location.end, t.comment.id) for t in threads
                 if not t.resolved and t.location.start is not None and t.location.end > t.location.start)


def document_discussion(user, document: Document) -> DocumentDiscussion:
    """The reader's part in the discussion of the document's live sections: the document page reads the
    threads themselves only for the sections whose kept markup is not current (see section_discussions and
    Section.discussion_version). Which comments of open threads the reader wrote is one query from the live
    sections through the open roots' partial index, then their replies by parent: it costs the same however
    many threads were resolved before (a query by author read every comment they ever wrote), and names no
    section (a list of hundreds of ids cost more to send and plan than the query itself)."""
    uid = getattr(user, "id", None)
    mine = frozenset(db.session.scalars(_readers_open_comments(), {"document_id": document.id, "user_id": uid})
                     if uid is not None else ())
    return DocumentDiscussion(can_comment=can_comment(user, document), can_propose=can_propose(user, document),
                              mine=mine)


@cache
def _readers_open_comments():
    """The query of document_discussion, built once (building it cost more than running it). The roots are
    asked for by section (the live ones of the document), so that SQLite reads them through the open roots'
    partial index: joined to sections instead, it read every thread ever started through the parent index
    (the page 4.5x slower at 100x the history, in bench_load.py)."""
    root, reply = aliased(Comment), aliased(Comment)
    live_sections = select(Section.id).where(Section.document_id == bindparam("document_id"),
                                             Section.deleted_at.is_(None))
    open_roots = select(root.id).where(root.section_id.in_(live_sections), root.parent_id.is_(None),
                                       root.resolved_at.is_(None))
    return union_all(open_roots.where(root.author_id == bindparam("user_id")),
                     open_roots.with_only_columns(reply.id).select_from(root).join(reply, reply.parent_id == root.id)
                     .where(reply.author_id == bindparam("user_id")))


def section_discussions(sections: list[Section]) -> dict[int, SectionDiscussion]:
    """For each of these sections: its open threads, its open suggestions and whether any thread was resolved.
    Resolved threads are not read: the page links to them on the section's discussion page."""
    ids = [s.id for s in sections]
    threads = threads_of(sections, open_only=True)
    proposed = dict(db.session.execute(
        select(Amendment.section_id, func.count()).where(Amendment.section_id.in_(ids), Amendment.status == "proposed")
        .group_by(Amendment.section_id)).all())
    with_resolved = set(db.session.scalars(select(Comment.section_id).distinct().where(
        Comment.section_id.in_(ids), Comment.parent_id.is_(None), Comment.resolved_at.is_not(None))))
    return {s.id: SectionDiscussion(threads[s.id], proposed.get(s.id, 0), s.id in with_resolved)
            for s in sections}


def comment_html(comment: Comment) -> str:
    return render_cached(comment.body, f"comment-{comment.id}-") if comment.body else ""


# --- suggested changes (amendments) -----------------------------------------------------

def propose_amendment(user, section: Section, *, body, base_revision, rationale=None,
                      credit: Credit | None = None) -> Amendment:
    """A suggested new text for the section, written on revision `base_revision` (a number, or a form's
    text). Refused like a save while the document is final or closed (409 document_frozen)."""
    document = section.document
    require_unfrozen(document)
    if not can_propose(user, document):
        raise PermissionDenied(_("Observers read suggestions; members and above suggest changes."))
    _require_live_section(section)
    errors = FieldErrors()
    rationale = clean_text(errors, "rationale", rationale, max_length=MAX_RATIONALE_CHARS, required=False,
                           multiline=True)
    if rationale and not errors.fields:
        run_unlocked(check_renderable, rationale)
    if base_revision is None or base_revision == "":
        errors.add("base_revision", _("The revision number the suggestion was written on is required."))
    else:
        base_revision = clean_id(FieldErrors(), "base_revision", base_revision)
        if base_revision is None or base_revision > section.current_revision:
            errors.add("base_revision", _("Between 1 and %(last)s.", last=section.current_revision))
    errors.raise_if_any()
    body = documents.check_body(body)
    if body == documents.revision_text(section.id, base_revision):
        raise Invalid(_("The suggestion does not change anything."),
                      fields={"body": _("This is the text as it was: change something to suggest it.")})
    amendment = Amendment(section_id=section.id, document_id=document.id, **_credit_fields(user, credit),
                          body=body, base_revision=base_revision, rationale=rationale)
    db.session.add(amendment)
    db.session.flush()
    record(document.group_id, user, "amendment.propose", f"amendment:{amendment.id}", section_id=section.id,
           document_id=document.id, base_revision=base_revision)
    amendment_proposed.send(amendment, actor=user, imported=credit is not None)
    return amendment


def amendment_comparison(amendment: Amendment):
    """The suggestion compared with the text it was written on, as people read it (documents.compare_texts)."""
    return documents.compare_texts(documents.revision_text(amendment.section_id, amendment.base_revision),
                                   amendment.body, id_prefix=f"amendment-{amendment.id}-")


def amendment_diff(amendment: Amendment) -> list[tuple[int, str]]:
    """The suggestion against the text it was written on."""
    from app.documents.diffing import diff_texts

    return diff_texts(documents.revision_text(amendment.section_id, amendment.base_revision), amendment.body)


def _already_decided(amendment: Amendment) -> Conflict:
    message = (_("This suggestion was already accepted.") if amendment.status == "accepted"
               else _("This suggestion was already rejected."))
    return Conflict(message, code="amendment_decided")


def support_amendment(user, amendment: Amendment) -> AmendmentSupport:
    if amendment.status != "proposed":
        raise _already_decided(amendment)
    if amendment.author_id == user.id:
        raise Conflict(_("You made this suggestion: others support it."), code="own_amendment")
    if not can_support(user, amendment):
        raise PermissionDenied(_("Members and above support suggestions."))
    if db.session.scalar(select(AmendmentSupport.id).where(AmendmentSupport.amendment_id == amendment.id,
                                                           AmendmentSupport.user_id == user.id)):
        raise Conflict(_("You already support this suggestion."), code="already_supported")
    support = AmendmentSupport(amendment_id=amendment.id, user_id=user.id)
    db.session.add(support)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("You already support this suggestion."), code="already_supported") from None
    record(amendment.document.group_id, user, "amendment.support", f"amendment:{amendment.id}",
           section_id=amendment.section_id, document_id=amendment.document_id)
    return support


def withdraw_support(user, amendment: Amendment) -> None:
    support = db.session.scalar(select(AmendmentSupport).where(AmendmentSupport.amendment_id == amendment.id,
                                                               AmendmentSupport.user_id == user.id))
    if support is None:
        return
    if amendment.status != "proposed":
        raise _already_decided(amendment)
    db.session.delete(support)
    record(amendment.document.group_id, user, "amendment.unsupport", f"amendment:{amendment.id}",
           section_id=amendment.section_id, document_id=amendment.document_id)


def _require_decidable(user, amendment: Amendment) -> None:
    if not can_decide(user, amendment):
        raise PermissionDenied(_("Only editors and coordinators accept or reject suggestions."))
    if amendment.status != "proposed":
        raise _already_decided(amendment)


def accept_amendment(user, amendment: Amendment, *, body=None, base_revision=None) -> documents.SaveResult:
    """Merges the suggestion onto the current text as a revision credited to its author.

    When others changed the same words since it was written, nothing is saved
    (409 `conflict` with the current text): an editor may then resolve it by
    hand and accept with `body` written from `base_revision`.
    """
    _require_decidable(user, amendment)
    section, document = amendment.section, amendment.document
    require_unfrozen(document)
    _require_live_section(section)
    by_hand = body is not None
    if not by_hand:
        body, base_revision = amendment.body, amendment.base_revision
    author = amendment.author or user
    names = {"number": amendment.id, "author": _short(author.name), "editor": _short(user.name)}
    with in_language(document.language):  # kept in the history, read by all: in the document's language
        if by_hand and author.id != user.id:  # the saved words are both of theirs: the message credits both
            message = _("Suggested change #%(number)s by %(author)s, merged by hand by %(editor)s", **names)
        elif author.id != user.id:
            message = _("Suggested change #%(number)s by %(author)s, accepted by %(editor)s", **names)
        elif by_hand:
            message = _("Suggested change #%(number)s by %(author)s, merged by hand", **names)
        else:
            message = _("Suggested change #%(number)s by %(author)s", **names)
    try:
        result = documents.save_section(user, section, body=body, base_revision=base_revision, message=message,
                                        author=author)
    except Conflict as exc:
        if exc.code != "conflict":
            raise
        raise Conflict(_("The text changed where this suggestion changes it: it no longer merges. "
                         "Resolve it by hand, or reject it."), code="conflict",
                       details={**exc.details, "amendment_id": amendment.id, "proposed_body": amendment.body,
                                "base_revision": amendment.base_revision}) from None
    amendment.status = "accepted"
    amendment.decided_by_id = user.id
    amendment.decided_at = utcnow()
    amendment.accepted_revision = result.revision.number if result.created else None
    record(document.group_id, user, "amendment.accept", f"amendment:{amendment.id}", section_id=section.id,
           document_id=document.id, revision=result.revision.number, merged=result.merged, by_hand=by_hand)
    amendment_decided.send(amendment, actor=user)
    return result


def _short(name: str) -> str:
    return name if len(name) <= 120 else name[:119] + "…"


def credited_to(amendment: Amendment) -> list[User]:
    """Whom an accepted suggestion's revision is credited to: its author, and the editor who merged it by
    hand when that is someone else (the saved words are both of theirs). Read from the acceptance's
    audit event, which says whether it was merged by hand."""
    if amendment.status != "accepted":
        return []
    people = [amendment.author] if amendment.author else []
    data = db.session.scalar(select(AuditEvent.data).where(
        AuditEvent.group_id == amendment.document.group_id, AuditEvent.object == f"amendment:{amendment.id}",
        AuditEvent.action == "amendment.accept").order_by(AuditEvent.id.desc()).limit(1))
    merger = amendment.decided_by
    if data and json.loads(data).get("by_hand") and merger is not None and merger.id != amendment.author_id:
        people.append(merger)
    return people


def reject_amendment(user, amendment: Amendment, *, reason=None) -> Amendment:
    _require_decidable(user, amendment)
    errors = FieldErrors()
    reason = clean_text(errors, "reason", reason, max_length=MAX_RATIONALE_CHARS, required=False, multiline=True)
    errors.raise_if_any()
    amendment.status = "rejected"
    amendment.reason = reason
    amendment.decided_by_id = user.id
    amendment.decided_at = utcnow()
    record(amendment.document.group_id, user, "amendment.reject", f"amendment:{amendment.id}",
           section_id=amendment.section_id, document_id=amendment.document_id)
    amendment_decided.send(amendment, actor=user)
    return amendment


def amendments_query():
    return select(Amendment).options(selectinload(Amendment.author), selectinload(Amendment.decided_by),
                                     selectinload(Amendment.supports).selectinload(AmendmentSupport.user))


def amendments_of(section: Section, status: str | None = None) -> list[Amendment]:
    query = amendments_query().where(Amendment.section_id == section.id)
    if status:
        query = query.where(Amendment.status == status)
    return list(db.session.scalars(query.order_by(Amendment.id.desc())))
