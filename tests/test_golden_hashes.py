"""Golden content hashes: endorsements and sealed PDFs carry them, so moving code must never change them.

Pinned before the documents core stopped naming roadmaps (issue 17): a statement, and a roadmap whose
actions are part of its text. Recomputing them with the code of any later day gives the same digits.
"""
from __future__ import annotations

from app.documents.services import create_document, create_version
from app.extensions import db
from app.roadmaps.services import create_action

STATEMENT = "3655ac9faa664bcca611d8bbbd44f54f596280c98463fe75c093be548c1dcb4e"
ROADMAP = "ed723ade0e213396362ae2fc887adcde057af20730d9fb2d2b54e5aa57284302"

SECTIONS = [{"heading": "Purpose", "body": "We agree on *fair wages*.\n\nAudits yearly, in 27 languages: ŁÓDŹ, Αθήνα."},
            {"heading": "Scope", "body": "| Lot | Share |\n| --- | --- |\n| 1 | 40% |", "level": 2}]


def test_a_statements_content_hash_is_what_it_always_was(make_group):
    group, people = make_group(roles=("editor",))
    document = create_document(people["editor"], group, title="Fair ICT", kind="statement", sections=SECTIONS)
    version = create_version(people["editor"], document, label="v1")
    db.session.commit()
    assert version.content_hash == STATEMENT


def test_a_roadmaps_content_hash_with_its_actions_is_what_it_always_was(make_group, make_organisation):
    group, people = make_group(roles=("editor", "member"))
    ghent = make_organisation("City of Ghent", "BE")
    people["member"].organisation_id = ghent.id
    document = create_document(people["editor"], group, title="Roadmap", kind="roadmap", sections=SECTIONS)
    db.session.flush()
    create_action(people["editor"], document, title="Adopt the clauses", description="Use the *model clauses*.",
                  owner_ids=[ghent.id], start="2027-Q1", due="2027-Q3", section_id=document.sections[1].id)
    create_action(people["editor"], document, title="Report", due="2028-03-15", status="in_progress")
    version = create_version(people["editor"], document, label="v1")
    db.session.commit()
    assert version.content_hash == ROADMAP
