"""What a weighty click will do, in figures, for the confirmation pages that come before it.

Each function reads the current state and returns plain figures (no wording, no change): the pages turn them
into sentences, and the tests check the figures alone. They live with endorsements, not with the documents'
workflow, because most of what a coordinator needs to know before making a text final, publishing it,
reopening or closing it is about endorsements and the organisations that sign; documents may not read those.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from app.comments.models import Amendment, Comment
from app.documents.models import Document, Section, Version
from app.documents.services import live_sections
from app.endorsements.services import signoff_board, taking_part
from app.extensions import db

_WORD = re.compile(r"\w+(?:['’-]\w+)*")


def count_words(text: str) -> int:
    """Words as a reader counts them: runs of letters or digits, "l'Europe" and "long-term" as one."""
    return len(_WORD.findall(text or ""))


@dataclass(frozen=True)
class MakeFinal:
    number: int  # the number the new final version will have
    sections: int
    organisations_asked: int  # organisations taking part with someone able to sign for them
    organisations_without_signatory: int


@dataclass(frozen=True)
class Standing:
    """A final version's endorsements: current ones, withdrawn ones, and organisations that have not decided."""
    number: int | None
    endorsed: int
    withdrawn: int
    organisations: int  # taking part in the group, or having endorsed
    not_endorsed: int  # of those, the ones without a current endorsement (never endorsed, or withdrew)


@dataclass(frozen=True)
class RemoveSection:
    heading: str
    words: int
    open_threads: int
    open_suggestions: int


def make_final(document: Document) -> MakeFinal:
    organisations = taking_part(document.group_id)
    able = sum(1 for _organisation, _people, can_sign in organisations if can_sign)
    number = (db.session.scalar(select(func.max(Version.number)).where(Version.document_id == document.id)) or 0) + 1
    return MakeFinal(number=number, sections=len(live_sections(document)), organisations_asked=able,
                     organisations_without_signatory=len(organisations) - able)


def standing(document: Document, version: Version | None = None) -> Standing:
    """Where endorsement of the version (by default the document's final version) stands, as its sign-off board
    has it; all zero without one."""
    version = version or document.final_version
    if version is None:
        return Standing(None, 0, 0, 0, 0)
    states = [row.state for row in signoff_board(version)]
    endorsed = states.count("endorsed")
    return Standing(version.number, endorsed, states.count("withdrawn"), len(states), len(states) - endorsed)


def remove_section(section: Section) -> RemoveSection:
    threads = db.session.scalar(select(func.count()).select_from(Comment).where(
        Comment.section_id == section.id, Comment.parent_id.is_(None), Comment.resolved_at.is_(None),
        Comment.deleted_at.is_(None)))
    suggestions = db.session.scalar(select(func.count()).select_from(Amendment).where(
        Amendment.section_id == section.id, Amendment.status == "proposed"))
    return RemoveSection(section.heading, count_words(section.body), threads or 0, suggestions or 0)
