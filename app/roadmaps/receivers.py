"""A roadmap's actions are part of its text: they join the content hash and are frozen with each version
(documents.signals.text_parts and version_created)."""
from __future__ import annotations

from app.documents.signals import TextPart, text_parts, version_created
from app.roadmaps.services import actions_for_hash, freeze_into_version

PART = "actions"


def _actions_part(document, **_) -> TextPart | None:
    snapshots, canonical = actions_for_hash(document)
    return TextPart(PART, canonical, snapshots) if canonical else None


def _freeze_actions(version, *, parts: dict, **_) -> None:
    part = parts.get(PART)
    if part is not None:
        freeze_into_version(version, part.frozen)


def connect_receivers() -> None:
    text_parts.connect(_actions_part)
    version_created.connect(_freeze_actions)
