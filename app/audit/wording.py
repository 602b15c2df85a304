"""The audit trail in plain words: "Marta Puig made version 4 of “Roadmap 2027” final".

Pure: `references(events)` says which people, organisations, documents, versions, sections and actions the
events name, the page loads them all at once (one query per kind, however many events), and
`describe(event, names)` writes the sentence in the reader's language. Every sentence is one gettext message
with named placeholders, so a translation may order the words its own way; an action this module does not
know yet (a new kind of event) still reads as a sentence, with its code. The text is plain: the template
escapes it, names included.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from app.i18n import _, language_name, long_date, ngettext
from app.i18n import lazy_gettext as _l

# Each kind of object an event names, and where its ids are found: the event's object ("section:12"), its
# actor, and these keys of its data.
_DATA_KEYS = {
    "users": ("credited_to", "lead_user_id"),
    "organisations": ("organisation_id",),
    "documents": ("document_id", "original_id"),
    "versions": ("version_id", "final_version_id"),
    "sections": ("section_id",),
    "actions": (),
}
_OBJECT_KINDS = {"user": "users", "organisation": "organisations", "document": "documents", "version": "versions",
                 "section": "sections", "action": "actions"}

_ROLES = {
    # TRANSLATORS: a member's role inside a sentence of the audit trail ("… joined the group as member").
    "observer": _l("observer"), "member": _l("member"), "editor": _l("editor"), "coordinator": _l("coordinator"),
}
_EXPORT_KINDS = {"sealed": _l("a sealed PDF"), "draft": _l("a draft PDF"), "redline": _l("a redline PDF")}



@dataclass
class Names:
    """What the page loaded for the events' ids: users and organisations by name, documents by title,
    versions as (number, document id), sections by heading, actions by title."""
    users: dict[int, str] = field(default_factory=dict)
    organisations: dict[int, str] = field(default_factory=dict)
    documents: dict[int, str] = field(default_factory=dict)
    versions: dict[int, tuple[int, int]] = field(default_factory=dict)
    sections: dict[int, str] = field(default_factory=dict)
    actions: dict[int, str] = field(default_factory=dict)


def data_of(event) -> dict:
    try:
        data = json.loads(event.data or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _object(event) -> tuple[str, int | None]:
    kind, _sep, raw = (event.object or "").partition(":")
    return kind, int(raw) if raw.isdigit() else None


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def references(events) -> dict[str, set[int]]:
    """The ids of each kind that the events' sentences name."""
    wanted: dict[str, set[int]] = {kind: set() for kind in _DATA_KEYS}
    for event in events:
        if event.actor_id is not None:
            wanted["users"].add(event.actor_id)
        kind, oid = _object(event)
        if kind in _OBJECT_KINDS and oid is not None:
            wanted[_OBJECT_KINDS[kind]].add(oid)
        data = data_of(event)
        for name, keys in _DATA_KEYS.items():
            wanted[name].update(i for i in (_int(data.get(key)) for key in keys) if i is not None)
        nested = data.get("endorsement")
        if isinstance(nested, dict) and _int(nested.get("user_id")) is not None:
            wanted["users"].add(nested["user_id"])
    return wanted


class _Words:
    """The names one event's sentence uses, each with a readable stand-in when the thing is gone."""

    def __init__(self, event, names: Names):
        self.event, self.names, self.data = event, names, data_of(event)
        self.kind, self.oid = _object(event)

    def of(self, kind: str) -> int | None:
        """The id of a `kind` ("document", "version", ...): the event's object, else its data."""
        if self.kind == kind and self.oid is not None:
            return self.oid
        return next((i for i in (_int(self.data.get(key)) for key in _DATA_KEYS[_OBJECT_KINDS[kind]])
                     if i is not None), None)

    def who(self) -> str:
        if self.event.actor_id is None:
            # TRANSLATORS: the one acting in the audit trail when nobody did (a scheduled reminder, a clean-up).
            return _("Accord")
        return self.person(self.event.actor_id)

    def person(self, uid: int | None) -> str:
        if uid is None:
            return _("someone")
        return self.names.users.get(uid) or _("person #%(id)s", id=uid)

    def organisation(self) -> str:
        oid = self.of("organisation")
        if oid is None:
            return _("an organisation")
        return self.names.organisations.get(oid) or _("organisation #%(id)s", id=oid)

    def version(self, vid: int | None = None) -> tuple[str, str]:
        """(its number, its document's title) for a version."""
        vid = vid if vid is not None else self.of("version")
        known = self.names.versions.get(vid) if vid is not None else None
        if known is None:
            return (f"#{vid}" if vid is not None else "?"), self.document()
        number, did = known
        return str(number), self.document(did)

    def document(self, did: int | None = None) -> str:
        did = did if did is not None else self.of("document")
        title = self.names.documents.get(did) if did is not None else None
        if title is None:
            title = self.data.get("title") if isinstance(self.data.get("title"), str) else None
        return title or (_("document #%(id)s", id=did) if did is not None else _("a document"))

    def section(self) -> str:
        sid = self.of("section")
        heading = self.names.sections.get(sid) if sid is not None else None
        if heading is None and isinstance(self.data.get("heading"), str):
            heading = self.data["heading"]
        return heading or (_("section #%(id)s", id=sid) if sid is not None else _("a section"))

    def action(self) -> str:
        aid = self.of("action")
        title = self.names.actions.get(aid) if aid is not None else None
        if title is None and isinstance(self.data.get("title"), str):
            title = self.data["title"]
        return title or (_("action #%(id)s", id=aid) if aid is not None else _("an action"))

    def role(self, key: str = "role") -> str:
        value = self.data.get(key)
        return str(_ROLES.get(value, value or "?"))


def _transition(w: _Words) -> str:
    to, frm = w.data.get("to"), w.data.get("from")
    if to == "final":
        number, document = w.version(_int(w.data.get("final_version_id")))
        return _("%(who)s made version %(number)s of “%(document)s” final", who=w.who(), number=number,
                 document=document)
    if to == "review":
        return _("%(who)s sent “%(document)s” for review", who=w.who(), document=w.document())
    if to == "closed":
        return _("%(who)s closed the endorsement of “%(document)s”", who=w.who(), document=w.document())
    if to == "draft" and frm == "review":
        return _("%(who)s took “%(document)s” back to drafting", who=w.who(), document=w.document())
    if to == "draft":
        return _("%(who)s reopened “%(document)s” for a new drafting round", who=w.who(), document=w.document())
    return _("%(who)s moved “%(document)s” from %(from)s to %(to)s", who=w.who(), document=w.document(),
             **{"from": str(frm), "to": str(to)})


def _endorsement(w: _Words) -> str:
    number, document = w.version()
    if w.data.get("reservation_section_id") or (isinstance(w.data.get("endorsement"), dict)
                                                 and w.data["endorsement"].get("reservation")):
        return _("%(who)s endorsed version %(number)s of “%(document)s” for %(organisation)s, with a reservation",
                 who=w.who(), number=number, document=document, organisation=w.organisation())
    return _("%(who)s endorsed version %(number)s of “%(document)s” for %(organisation)s", who=w.who(),
             number=number, document=document, organisation=w.organisation())


def _withdrawal(w: _Words) -> str:
    number, document = w.version()
    return _("%(who)s withdrew the endorsement of %(organisation)s for version %(number)s of “%(document)s”",
             who=w.who(), organisation=w.organisation(), number=number, document=document)


def _reminder(w: _Words) -> str:
    number, document = w.version()
    mails = _int(w.data.get("mails")) or 0
    return ngettext("%(who)s sent a reminder about version %(number)s of “%(document)s” (%(num)s e-mail)",
                    "%(who)s sent a reminder about version %(number)s of “%(document)s” (%(num)s e-mails)",
                    mails, who=w.who(), number=number, document=document, num=mails)


def _deadline(w: _Words) -> str:
    number, document = w.version()
    day, previous = w.data.get("deadline"), w.data.get("previous")
    try:
        day_words = long_date(day) if isinstance(day, str) and day else ""
    except ValueError:
        day_words = str(day)
    if not day_words:
        return _("%(who)s removed the endorsement deadline of version %(number)s of “%(document)s”", who=w.who(),
                 number=number, document=document)
    if previous:
        return _("%(who)s moved the endorsement deadline of version %(number)s of “%(document)s” to %(day)s",
                 who=w.who(), number=number, document=document, day=day_words)
    return _("%(who)s set the endorsement deadline of version %(number)s of “%(document)s” to %(day)s",
             who=w.who(), number=number, document=document, day=day_words)


def _version(w: _Words) -> str:
    number, document = w.version()
    label = w.data.get("label")
    if isinstance(label, str) and label:
        return _("%(who)s saved version %(number)s (“%(label)s”) of “%(document)s”", who=w.who(), number=number,
                 label=label, document=document)
    return _("%(who)s saved version %(number)s of “%(document)s”", who=w.who(), number=number, document=document)


def _export(w: _Words) -> str:
    kind = w.data.get("kind")
    return _("%(who)s exported “%(document)s” as %(kind)s", who=w.who(), document=w.document(),
             kind=str(_EXPORT_KINDS.get(kind, kind or "?")))


def _pruned(w: _Words) -> str:
    ids = w.data.get("export_ids")
    count = len(ids) if isinstance(ids, list) else 0
    return ngettext("%(who)s removed %(num)s old draft export", "%(who)s removed %(num)s old draft exports", count,
                    who=w.who(), num=count)


def _translate(w: _Words) -> str:
    language = w.data.get("language")
    return _("%(who)s started a translation of “%(document)s” into %(language)s", who=w.who(),
             document=w.document(_int(w.data.get("original_id"))),
             language=language_name(language) if isinstance(language, str) and language else "?")


def _section_edit(w: _Words) -> str:
    revision = _int(w.data.get("revision"))
    if revision is None:
        return _("%(who)s edited the section “%(section)s”", who=w.who(), section=w.section())
    return _("%(who)s edited the section “%(section)s” (revision %(revision)s)", who=w.who(), section=w.section(),
             revision=revision)


_SENTENCES: dict[str, Callable[[_Words], str]] = {
    "group.create": lambda w: _("%(who)s created the group “%(name)s”", who=w.who(), name=str(w.data.get("name"))),
    "invitation.create": lambda w: _("%(who)s invited %(email)s to join as %(role)s", who=w.who(),
                                     email=str(w.data.get("email")), role=w.role()),
    "membership.join": lambda w: _("%(who)s joined the group as %(role)s", who=w.who(), role=w.role()),
    "membership.role": lambda w: _("%(who)s made %(person)s %(role)s (was %(previous)s)", who=w.who(),
                                   person=w.person(w.oid), role=w.role("to"), previous=w.role("from")),
    "membership.remove": lambda w: _("%(who)s removed %(person)s from the group", who=w.who(),
                                     person=w.person(w.oid)),
    "document.create": lambda w: _("%(who)s created “%(document)s”", who=w.who(), document=w.document()),
    "document.update": lambda w: _("%(who)s changed the title or summary of “%(document)s”", who=w.who(),
                                   document=w.document()),
    "document.transition": _transition,
    "document.publish": lambda w: _("%(who)s published “%(document)s”", who=w.who(), document=w.document()),
    "document.unpublish": lambda w: _("%(who)s took “%(document)s” off the public pages", who=w.who(),
                                      document=w.document()),
    "document.translate": _translate,
    "document.import_docx": lambda w: _("%(who)s imported “%(document)s” from a Word file", who=w.who(),
                                        document=w.document()),
    "document.update_docx": lambda w: _("%(who)s brought changes to “%(document)s” back from a Word file",
                                        who=w.who(), document=w.document()),
    "translation.add_missing": lambda w: _("%(who)s added the missing sections to the translation “%(document)s”",
                                           who=w.who(), document=w.document()),
    "section.add": lambda w: _("%(who)s added the section “%(section)s” to “%(document)s”", who=w.who(),
                               section=w.section(), document=w.document()),
    "section.reorder": lambda w: _("%(who)s reordered the sections of “%(document)s”", who=w.who(),
                                   document=w.document()),
    "section.delete": lambda w: _("%(who)s removed the section “%(section)s” from “%(document)s”", who=w.who(),
                                  section=w.section(), document=w.document()),
    "section.edit": _section_edit,
    "section.restore": lambda w: _("%(who)s restored an earlier text of the section “%(section)s”", who=w.who(),
                                   section=w.section()),
    "section.up_to_date": lambda w: _("%(who)s marked the translated section “%(section)s” as up to date",
                                      who=w.who(), section=w.section()),
    "version.create": _version,
    "comment.add": lambda w: _("%(who)s commented on the section “%(section)s”", who=w.who(), section=w.section()),
    "comment.reply": lambda w: _("%(who)s replied to a comment on the section “%(section)s”", who=w.who(),
                                 section=w.section()),
    "comment.edit": lambda w: _("%(who)s edited a comment on the section “%(section)s”", who=w.who(),
                                section=w.section()),
    "comment.delete": lambda w: _("%(who)s deleted a comment on the section “%(section)s”", who=w.who(),
                                  section=w.section()),
    "comment.resolve": lambda w: _("%(who)s resolved a discussion on the section “%(section)s”", who=w.who(),
                                   section=w.section()),
    "comment.reopen": lambda w: _("%(who)s reopened a discussion on the section “%(section)s”", who=w.who(),
                                  section=w.section()),
    "amendment.propose": lambda w: _("%(who)s suggested a change to the section “%(section)s”", who=w.who(),
                                     section=w.section()),
    "amendment.support": lambda w: _("%(who)s supported a suggested change to the section “%(section)s”",
                                     who=w.who(), section=w.section()),
    "amendment.unsupport": lambda w: _("%(who)s withdrew support for a suggested change to the section "
                                       "“%(section)s”", who=w.who(), section=w.section()),
    "amendment.accept": lambda w: _("%(who)s accepted a suggested change to the section “%(section)s”",
                                    who=w.who(), section=w.section()),
    "amendment.reject": lambda w: _("%(who)s rejected a suggested change to the section “%(section)s”",
                                    who=w.who(), section=w.section()),
    "endorsement.create": _endorsement,
    "endorsement.withdraw": _withdrawal,
    "endorsement.remind": _reminder,
    "endorsement.deadline": _deadline,
    "export.render": _export,
    "export.prune": _pruned,
    "action.create": lambda w: _("%(who)s added the action “%(action)s” to “%(document)s”", who=w.who(),
                                 action=w.action(), document=w.document()),
    "action.update": lambda w: _("%(who)s changed the action “%(action)s”", who=w.who(), action=w.action()),
    "action.delete": lambda w: _("%(who)s removed the action “%(action)s” from “%(document)s”", who=w.who(),
                                 action=w.action(), document=w.document()),
    "action.reorder": lambda w: _("%(who)s reordered the actions of “%(document)s”", who=w.who(),
                                  document=w.document()),
    "action.follow_up": lambda w: _("%(who)s recorded progress on the action “%(action)s”", who=w.who(),
                                    action=w.action()),
}


def describe(event, names: Names) -> str:
    """The event as one sentence in the reader's language; a generic one, naming its code, for an action
    without a sentence of its own."""
    words = _Words(event, names)
    say = _SENTENCES.get(event.action)
    if say is not None:
        try:
            return say(words)
        except (KeyError, TypeError, ValueError):  # facts of an unexpected shape (an older event): say it plainly
            pass
    # TRANSLATORS: an audit event without a sentence of its own; "action" is its code, such as "document.create".
    return _("%(who)s: %(action)s (%(object)s)", who=words.who(), action=event.action, object=event.object)
