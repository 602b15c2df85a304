"""What notifications do when the discussion announces something (comments.signals)."""
from __future__ import annotations

from app.comments.signals import amendment_decided, amendment_proposed, comment_added, comment_edited
from app.notifications import services


def _comment_added(comment, *, actor, **_) -> None:
    services.notify_comment(actor, comment)


def _comment_edited(comment, *, actor, old_body: str, **_) -> None:
    services.notify_new_mentions(actor, comment, old_body)


def _amendment_proposed(amendment, *, actor, **_) -> None:
    services.notify_proposal(actor, amendment)


def _amendment_decided(amendment, *, actor, **_) -> None:
    services.notify_decision(actor, amendment)


def connect_receivers() -> None:
    comment_added.connect(_comment_added)
    comment_edited.connect(_comment_edited)
    amendment_proposed.connect(_amendment_proposed)
    amendment_decided.connect(_amendment_decided)
