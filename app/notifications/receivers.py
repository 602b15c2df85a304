"""What notifications do when the discussion announces something (comments.signals) and when the documents
core does (documents.signals: a save merged with others' changes), and when a text is put to the
organisations for endorsement (endorsements.signals)."""
from __future__ import annotations

from app.comments.signals import amendment_decided, amendment_proposed, comment_added, comment_edited
from app.documents.signals import section_merged
from app.endorsements.signals import endorsement_opened, signature_delegated
from app.notifications import services


def _comment_added(comment, *, actor, imported=False, **_) -> None:
    if not imported:  # an import is heard of once, as a whole (services.notify_import)
        services.notify_comment(actor, comment)


def _comment_edited(comment, *, actor, old_body: str, **_) -> None:
    services.notify_new_mentions(actor, comment, old_body)


def _amendment_proposed(amendment, *, actor, imported=False, **_) -> None:
    if not imported:
        services.notify_proposal(actor, amendment)


def _amendment_decided(amendment, *, actor, **_) -> None:
    services.notify_decision(actor, amendment)


def _section_merged(section, *, actor, revision, merged_with, **_) -> None:
    services.notify_merge(actor, section, revision, merged_with)


def _endorsement_opened(version, *, actor, deadline, asked, **_) -> None:
    services.notify_endorsement_opened(actor, version, deadline=deadline, asked=asked)


def _signature_delegated(delegation, *, actor, **_) -> None:
    services.notify_delegation(actor, delegation)


def connect_receivers() -> None:
    comment_added.connect(_comment_added)
    comment_edited.connect(_comment_edited)
    amendment_proposed.connect(_amendment_proposed)
    amendment_decided.connect(_amendment_decided)
    section_merged.connect(_section_merged)
    endorsement_opened.connect(_endorsement_opened)
    signature_delegated.connect(_signature_delegated)
