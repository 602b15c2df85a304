"""What the discussion does when the documents core announces a change (documents.signals)."""
from __future__ import annotations

from app.comments.services import carry_anchors
from app.documents.signals import section_saved


def _carry_anchors(section, *, old_text: str, new_text: str, old_number: int, new_number: int, **_) -> None:
    carry_anchors(section, old_text, new_text, old_number, new_number)


def connect_receivers() -> None:
    section_saved.connect(_carry_anchors)
