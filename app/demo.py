"""`flask seed-demo`: a believable working group for a newcomer to click through.

Idempotent: it does nothing when the demo coordinator already exists. Later
features (documents, endorsements) add their part of the demo here.
"""
from __future__ import annotations

from sqlalchemy import func, select

from app.auth.models import User
from app.auth.services import create_user, user_by_email
from app.extensions import db
from app.groups.models import Membership
from app.groups.services import create_group
from app.organisations.models import Organisation, OrganisationContact, Representative

DEMO_PASSWORD = "demo-password-2026"

ORGANISATIONS = [
    ("City of Ghent", "BE", "city"),
    ("Barcelona City Council", "ES", "city"),
    ("Helsinki Region Procurement Office", "FI", "central_purchasing_body"),
    ("Consip S.p.A.", "IT", "central_purchasing_body"),
    ("Ministry of the Interior and Kingdom Relations", "NL", "ministry"),
    ("City of Oslo", "NO", "city"),
    ("Bundesbeschaffung GmbH", "AT", "central_purchasing_body"),
    ("Dublin City Council", "IE", "city"),
    ("Municipality of Stockholm", "SE", "city"),
    ("Lisbon Municipality", "PT", "city"),
]

# (e-mail, name, organisation, role in the group, represents the organisation?)
PEOPLE = [
    ("coordinator@demo.accord.eu", "Anna De Smet", "City of Ghent", "coordinator", True),
    ("marta.puig@demo.accord.eu", "Marta Puig i Ferrer", "Barcelona City Council", "editor", True),
    ("jussi.virtanen@demo.accord.eu", "Jussi Virtanen", "Helsinki Region Procurement Office", "editor", True),
    ("giulia.romano@demo.accord.eu", "Giulia Romano", "Consip S.p.A.", "member", True),
    ("pieter.bakker@demo.accord.eu", "Pieter Bakker", "Ministry of the Interior and Kingdom Relations", "member", True),
    ("ingrid.haugen@demo.accord.eu", "Ingrid Haugen", "City of Oslo", "member", True),
    ("lukas.gruber@demo.accord.eu", "Lukas Gruber", "Bundesbeschaffung GmbH", "member", True),
    ("aoife.byrne@demo.accord.eu", "Aoife Byrne", "Dublin City Council", "member", False),
    ("erik.lindqvist@demo.accord.eu", "Erik Lindqvist", "Municipality of Stockholm", "observer", True),
    ("ines.ferreira@demo.accord.eu", "Inês Ferreira", "Lisbon Municipality", "observer", False),
]

# The interface language of some demo people, to show the languages off (the others follow their browser).
LANGUAGE_OF = {
    "marta.puig@demo.accord.eu": ("es", "Europe/Madrid"),
    "giulia.romano@demo.accord.eu": ("it", "Europe/Rome"),
    "pieter.bakker@demo.accord.eu": ("nl", "Europe/Amsterdam"),
    "ingrid.haugen@demo.accord.eu": ("nb", "Europe/Oslo"),
    "lukas.gruber@demo.accord.eu": ("de", "Europe/Vienna"),
}

GROUP_NAME = "Socially responsible ICT procurement"
GROUP_DESCRIPTION = (
    "Public buyers from ten European cities, central purchasing bodies and ministries agreeing on "
    "shared criteria for fair working conditions in the ICT supply chain: a joint action statement "
    "for ministers, and a roadmap of the actions each organisation commits to."
)


def seed_demo(*, only_if_empty: bool = False) -> bool:
    """Creates the demo when it is not there yet; returns whether it created anything."""
    if only_if_empty and db.session.scalar(select(func.count()).select_from(User)):
        return False
    if user_by_email(PEOPLE[0][0]) is not None:
        return False
    organisations = {}
    for name, country, kind in ORGANISATIONS:
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if organisation is None:
            organisation = Organisation(name=name, country=country, kind=kind)
            db.session.add(organisation)
            db.session.flush()
        organisations[name] = organisation
    if user_by_email("admin@demo.accord.eu") is None:
        create_user("admin@demo.accord.eu", "Site Administrator", DEMO_PASSWORD, is_admin=True)
    users = []
    for email, name, organisation_name, role, represents in PEOPLE:
        organisation = organisations[organisation_name]
        user = create_user(email, name, DEMO_PASSWORD, organisation_id=organisation.id)
        user.language, user.time_zone = LANGUAGE_OF.get(email, (None, None))
        users.append((user, role))
        # Each demo person is their organisation's contact: Aoife Byrne (Dublin), who does not represent
        # hers yet, can name herself or a colleague on its organisation page, as the coordinator may ask her to.
        db.session.add(OrganisationContact(organisation_id=organisation.id, user_id=user.id))
        if represents:
            db.session.add(Representative(organisation_id=organisation.id, user_id=user.id))
    coordinator = users[0][0]
    group = create_group(coordinator, GROUP_NAME, GROUP_DESCRIPTION)
    for user, role in users[1:]:
        db.session.add(Membership(group_id=group.id, user_id=user.id, role=role))
    db.session.flush()
    _seed_documents(group, [user for user, _role in users])
    return True


def _seed_documents(group, people) -> None:
    """A statement in review with some history and a named version, and a roadmap in draft."""
    from app.demo_texts import (
        ROADMAP_SECTIONS,
        ROADMAP_SUMMARY,
        ROADMAP_TITLE,
        STATEMENT_SECTIONS,
        STATEMENT_SUMMARY,
        STATEMENT_TITLE,
    )
    from app.documents.services import create_document, create_version, save_section

    coordinator, marta, jussi, giulia = people[0], people[1], people[2], people[3]
    statement = create_document(
        marta, group, title=STATEMENT_TITLE, kind="statement", summary=STATEMENT_SUMMARY,
        sections=[{"heading": h, "level": level, "body": body} for h, level, body in STATEMENT_SECTIONS])
    sections = statement.sections
    create_version(marta, statement, label="First draft for the Ghent meeting",
                   note="Circulated to all members before the meeting.")
    save_section(giulia, sections[3], base_revision=1, message="Twelve months is too short for mapping",
                 body=sections[3].body.replace("within twelve months", "within eighteen months"))
    save_section(jussi, sections[4], base_revision=1, message="Clearer monitoring target",
                 body=sections[4].body.replace("publish a summary of its findings every year",
                                               "publish a summary of its findings and of the remediation agreed, "
                                               "every year"))
    create_version(coordinator, statement, label="Draft for the Brussels workshop",
                   note="Includes the changes agreed in Ghent.")
    statement.status = "review"
    roadmap = create_document(jussi, group, title=ROADMAP_TITLE, kind="roadmap", summary=ROADMAP_SUMMARY,
                              sections=[{"heading": h, "level": level, "body": body}
                                        for h, level, body in ROADMAP_SECTIONS])
    _seed_roadmap_actions(roadmap)
    _make_final_with_endorsements(coordinator, roadmap, people)
    _seed_follow_ups(roadmap)


def _make_final_with_endorsements(coordinator, roadmap, people) -> None:
    from app.documents.workflow import publish, transition
    from app.endorsements.services import endorse, withdraw

    transition(coordinator, roadmap, "review")
    transition(coordinator, roadmap, "final", label="Roadmap as agreed in Brussels")
    version = roadmap.final_version
    signatures = [
        (people[0], "Anna De Smet", "Alderman for Economy", "", None, ""),
        (people[1], "Marta Puig i Ferrer", "Director of Procurement", "Barcelona will report on progress yearly.",
         None, ""),
        (people[2], "Jussi Virtanen", "Head of Category Management", "", None, ""),
        (people[4], "Pieter Bakker", "Director-General for Public Administration", "",
         roadmap.sections[3].id, "The 2029 scale-up depends on the next multi-annual budget."),
    ]
    for person, name, title, note, reservation_section, reservation in signatures:
        endorse(person, version, organisation_id=person.organisation_id, signatory_name=name,
                signatory_title=title, note=note, reservation_section_id=reservation_section,
                reservation=reservation, content_hash=version.content_hash)
    lukas = people[6]
    withdrawn = endorse(lukas, version, organisation_id=lukas.organisation_id, signatory_name="Lukas Gruber",
                        signatory_title="Managing Director", content_hash=version.content_hash)
    withdraw(lukas, withdrawn, "Awaiting approval by our supervisory board.")
    publish(coordinator, roadmap)
    db.session.flush()


def _seed_roadmap_actions(roadmap) -> None:
    """The roadmap's actions, drafted before it goes final, so the final version holds them."""
    from app.demo_texts import ROADMAP_ACTIONS
    from app.roadmaps.services import create_action

    organisations = {o.name: o.id for o in db.session.scalars(select(Organisation))}
    sections = roadmap.sections
    for title, section, owners, lead, start, due, status, description in ROADMAP_ACTIONS:
        lead_user = user_by_email(lead)
        create_action(lead_user, roadmap, title=title, description=description,
                      owner_ids=[organisations[name] for name in owners], lead_user_id=lead_user.id,
                      start=start, due=due, status=status, section_id=sections[section].id)
    db.session.flush()


def _seed_follow_ups(roadmap) -> None:
    """Progress recorded since the endorsement; the endorsed version does not change."""
    from datetime import date, timedelta

    from app.demo_texts import ROADMAP_FOLLOW_UPS
    from app.roadmaps.services import add_update, live_actions

    actions = live_actions(roadmap)
    for index, author, days_ago, status, note in ROADMAP_FOLLOW_UPS:
        add_update(user_by_email(author), actions[index], status=status, note=note,
                   entry_date=(date.today() - timedelta(days=days_ago)).isoformat())
    db.session.flush()
