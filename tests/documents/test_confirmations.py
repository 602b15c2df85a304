"""Weighty steps ask first, on a page that says what will happen in figures; the confirmation does it once.

Make final, close endorsement, reopen, publish, unpublish, remove a section and withdraw an endorsement: the
button leads to a page (GET) stating the consequence; its form (POST, the same service as the API) carries the
state the person read, so a second submit or a stale page changes nothing and says so.
"""
from __future__ import annotations

import html as html_lib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.comments.services import add_comment, propose_amendment, resolve
from app.documents.models import Document, Section, Version
from app.documents.services import create_document
from app.documents.workflow import transition
from app.endorsements import consequences
from app.endorsements.models import Endorsement, EndorsementDeadline
from app.endorsements.services import endorse
from app.extensions import db
from app.groups.models import Membership
from app.organisations.models import Representative
from app.util import utcnow
from tests.conftest import PASSWORD


@pytest.fixture
def world(make_group, make_organisation, make_user):
    """A statement in review; three organisations take part: Ghent and Oslo with a representative who may sign,
    Lisbon whose only representative is an observer (nobody able to sign)."""
    group, people = make_group(roles=("observer", "member", "editor"))
    ghent, oslo, lisbon = (make_organisation("City of Ghent"), make_organisation("City of Oslo", "NO"),
                           make_organisation("City of Lisbon", "PT"))
    for person, organisation in ((people["member"], ghent), (people["editor"], oslo), (people["observer"], lisbon)):
        person.organisation_id = organisation.id
        db.session.add(Representative(organisation_id=organisation.id, user_id=person.id))
    document = create_document(people["editor"], group, title="Fair ICT", kind="statement",
                               sections=[{"heading": "Purpose", "body": "We agree on fair, long-term buying."},
                                         {"heading": "Commitments", "body": "We act."}])
    transition(people["coordinator"], document, "review")
    db.session.commit()
    return {"group": group, "people": people, "document": document, "ghent": ghent, "oslo": oslo}


def _endorse(world, person="member", organisation="ghent"):
    endorsement = endorse(world["people"][person], world["document"].final_version,
                          organisation_id=world[organisation].id, signatory_name="Anna", signatory_title="Mayor",
                          password=PASSWORD)
    db.session.commit()
    return endorsement


def _make_final(world):
    transition(world["people"]["coordinator"], world["document"], "final", "Final text")
    db.session.commit()


def _text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def _fresh(document) -> Document:
    db.session.expire_all()
    return db.session.get(Document, document.id)


def _events(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def _confirmed(response) -> dict:
    """The hidden fields the confirmation page's form carries."""
    text = response.get_data(as_text=True)
    fields = {}
    for name in ("confirmed_status", "confirmed_version"):
        start = text.index(f'name="{name}"')
        tag = text[text.rindex("<input", 0, start):text.index(">", start)]
        fields[name] = tag.split('value="')[1].split('"')[0] if 'value="' in tag else ""
    return fields


# --- the figures, alone ---------------------------------------------------------------------------

def test_the_figures_count_sections_organisations_endorsements_and_discussion(world):
    document, people = world["document"], world["people"]
    assert consequences.make_final(document) == consequences.MakeFinal(
        number=1, sections=2, organisations_asked=2, organisations_without_signatory=1)
    assert consequences.standing(document) == consequences.Standing(None, 0, 0, 0, 0)
    _make_final(world)
    _endorse(world)
    assert consequences.standing(document) == consequences.Standing(1, endorsed=1, withdrawn=0, organisations=3,
                                                                    not_endorsed=2)
    transition(people["coordinator"], document, "draft")
    section = document.sections[0]
    add_comment(people["member"], section, body="Which cities?")
    resolve(people["editor"], add_comment(people["member"], section, body="Typo."))
    propose_amendment(people["member"], section, body="We agree.", base_revision=section.current_revision)
    db.session.commit()
    assert consequences.remove_section(section) == consequences.RemoveSection(
        "Purpose", words=6, open_threads=1, open_suggestions=1)
    assert consequences.make_final(document).number == 2


@pytest.mark.parametrize("text, words", [("", 0), ("We act.", 2), ("l'Europe long-term  co-operation 2030", 4)])
def test_words_are_counted_as_a_reader_counts_them(text, words):
    assert consequences.count_words(text) == words


# --- make final ------------------------------------------------------------------------------------

def test_make_final_page_says_what_will_be_frozen_and_who_is_asked(world, client, login):
    document = world["document"]
    login(client, world["people"]["coordinator"])
    page = client.get(f"/documents/{document.id}")
    assert f'href="/documents/{document.id}/transition?to=final"' in page.get_data(as_text=True)
    response = client.get(f"/documents/{document.id}/transition?to=final")
    assert response.status_code == 200
    text = _text(response)
    assert "Version 1 will be frozen with its 2 sections: no one can edit the text until a new drafting round." \
        in text
    assert "The representatives of 2 organisations will be asked to endorse it." in text
    assert "1 organisation taking part has nobody able to sign for it." in text
    assert 'type="date"' in text
    assert _fresh(document).status == "review"  # reading the page changes nothing


def test_make_final_happens_once_however_often_it_is_submitted(world, client, login):
    document = world["document"]
    token = login(client, world["people"]["coordinator"])
    confirmed = _confirmed(client.get(f"/documents/{document.id}/transition?to=final"))
    form = {"csrf_token": token, "to": "final", "label": "Board text", **confirmed}
    first = client.post(f"/documents/{document.id}/transition", data=form, follow_redirects=True)
    assert "The document is now final." in _text(first)
    second = client.post(f"/documents/{document.id}/transition", data=form, follow_redirects=True)
    assert second.status_code == 200
    assert "Nothing was done: the document changed since you read the confirmation (it is now final" \
        in _text(second)
    assert _fresh(document).status == "final"
    assert db.session.scalar(select(func.count()).select_from(Version).where(
        Version.document_id == document.id, Version.is_final.is_(True))) == 1
    assert _fresh(document).final_version.label == "Board text"
    assert _events("document.transition") == 2  # to review (fixture), to final: once


def test_make_final_with_a_deadline_sets_it(world, client, login):
    document = world["document"]
    token = login(client, world["people"]["coordinator"])
    day = (utcnow() + timedelta(days=20)).date()
    response = client.post(f"/documents/{document.id}/transition",
                           data={"csrf_token": token, "to": "final", "confirmed_status": "review",
                                 "confirmed_version": "", "deadline": day.isoformat()})
    assert response.status_code == 302
    version = _fresh(document).final_version
    assert db.session.get(EndorsementDeadline, version.id).deadline == day


def test_a_deadline_in_the_past_is_refused_on_the_page_and_nothing_changes(world, client, login):
    document = world["document"]
    token = login(client, world["people"]["coordinator"])
    day = (utcnow() - timedelta(days=1)).date()
    response = client.post(f"/documents/{document.id}/transition",
                           data={"csrf_token": token, "to": "final", "confirmed_status": "review",
                                 "confirmed_version": "", "deadline": day.isoformat()})
    assert response.status_code == 400
    text = _text(response)
    assert "There is a problem" in text and "Endorsement deadline" in text
    assert "Version 1 will be frozen" in text  # the consequences are still shown
    fresh = _fresh(document)
    assert fresh.status == "review" and fresh.final_version_id is None
    assert db.session.scalar(select(func.count()).select_from(Version).where(Version.document_id == document.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(EndorsementDeadline)) == 0


# --- close, reopen ---------------------------------------------------------------------------------

def test_close_page_counts_who_can_no_longer_endorse(world, client, login):
    _make_final(world)
    _endorse(world)
    document = world["document"]
    login(client, world["people"]["coordinator"])
    assert f"/documents/{document.id}/transition?to=closed" in client.get(f"/documents/{document.id}").get_data(
        as_text=True)
    text = _text(client.get(f"/documents/{document.id}/transition?to=closed"))
    assert "Endorsement of version 1 ends." in text
    assert "2 organisations that have not endorsed can no longer endorse it." in text
    assert "Its 1 endorsement stays as it is and can no longer be withdrawn." in text


def test_reopen_page_says_endorsements_stay_and_a_new_round_starts(world, client, login):
    _make_final(world)
    _endorse(world)
    document = world["document"]
    token = login(client, world["people"]["coordinator"])
    response = client.get(f"/documents/{document.id}/transition?to=draft")
    text = _text(response)
    assert "1 endorsement of version 1 stays as it is." in text
    assert "Endorsement of it ends: 2 organisations that have not endorsed can no longer endorse it." in text
    assert "A new drafting round starts" in text
    done = client.post(f"/documents/{document.id}/transition",
                       data={"csrf_token": token, "to": "draft", **_confirmed(response)})
    assert done.status_code == 302 and _fresh(document).status == "draft"
    assert db.session.scalar(select(func.count()).select_from(Endorsement)
                             .where(Endorsement.withdrawn_at.is_(None))) == 1


def test_a_stale_close_does_nothing_when_another_coordinator_reopened_meanwhile(world, client, login, make_user):
    _make_final(world)
    document, people = world["document"], world["people"]
    token = login(client, people["coordinator"])
    confirmed = _confirmed(client.get(f"/documents/{document.id}/transition?to=closed"))
    other = make_user(name="Second coordinator")
    db.session.add(Membership(group_id=world["group"].id, user_id=other.id, role="coordinator"))
    transition(other, document, "draft")
    transition(other, document, "review")
    transition(other, document, "final")  # final again, but version 2: not what the person read
    db.session.commit()
    response = client.post(f"/documents/{document.id}/transition",
                           data={"csrf_token": token, "to": "closed", **confirmed}, follow_redirects=True)
    assert "Nothing was done" in _text(response) and "final version: 2" in _text(response)
    fresh = _fresh(document)
    assert fresh.status == "final" and fresh.final_version.closed_at is None


def test_a_step_the_document_cannot_take_is_explained_not_shown(world, client, login):
    document = world["document"]
    login(client, world["people"]["coordinator"])
    response = client.get(f"/documents/{document.id}/transition?to=closed", follow_redirects=True)
    assert response.status_code == 200 and "cannot take that step" in _text(response)
    for bad in ("nonsense", "", "final%00"):
        assert client.get(f"/documents/{document.id}/transition?to={bad}").status_code == 302


# --- publish ---------------------------------------------------------------------------------------

def test_publish_page_counts_endorsements_and_publishing_happens_once(world, client, login):
    _make_final(world)
    _endorse(world)
    document = world["document"]
    token = login(client, world["people"]["coordinator"])
    assert f"/documents/{document.id}/publish?published=1" in client.get(f"/documents/{document.id}").get_data(
        as_text=True)
    response = client.get(f"/documents/{document.id}/publish?published=1")
    text = _text(response)
    assert "Anyone with the link will read version 1 and its 1 of 3 endorsements." in text
    form = {"csrf_token": token, "published": "1", **_confirmed(response)}
    assert client.post(f"/documents/{document.id}/publish", data=form).status_code == 302
    again = client.post(f"/documents/{document.id}/publish", data=form, follow_redirects=True)
    assert "Nothing was done: the statement was already public." in _text(again)
    assert _events("document.publish") == 1 and _fresh(document).published_at is not None

    unpublish = client.get(f"/documents/{document.id}/publish?published=0")
    assert "The public page of version 1 will no longer be found by anyone with the link." in _text(unpublish)
    form = {"csrf_token": token, "published": "0", **_confirmed(unpublish)}
    client.post(f"/documents/{document.id}/publish", data=form)
    client.post(f"/documents/{document.id}/publish", data=form)
    assert _events("document.unpublish") == 1 and _fresh(document).published_at is None


def test_publishing_a_confirmation_of_an_older_final_version_does_nothing(world, client, login):
    _make_final(world)
    document, coordinator = world["document"], world["people"]["coordinator"]
    token = login(client, coordinator)
    confirmed = _confirmed(client.get(f"/documents/{document.id}/publish?published=1"))
    for to in ("draft", "review", "final"):
        transition(coordinator, document, to)
    db.session.commit()
    response = client.post(f"/documents/{document.id}/publish", data={"csrf_token": token, "published": "1",
                                                                      **confirmed}, follow_redirects=True)
    assert "Nothing was done" in _text(response) and _fresh(document).published_at is None


# --- remove a section ------------------------------------------------------------------------------

def test_remove_section_page_names_the_section_its_words_and_its_discussion(world, client, login):
    document, people = world["document"], world["people"]
    transition(people["coordinator"], document, "draft")
    section = document.sections[0]
    add_comment(people["member"], section, body="Which cities?")
    add_comment(people["member"], section, body="And towns?")
    propose_amendment(people["member"], section, body="We agree.", base_revision=section.current_revision)
    db.session.commit()
    token = login(client, people["editor"])
    assert f'href="/sections/{section.id}/delete"' in client.get(f"/documents/{document.id}").get_data(as_text=True)
    response = client.get(f"/sections/{section.id}/delete")
    text = _text(response)
    assert "Remove §1 “Purpose”?" in text
    assert "The section and its 6 words leave the text" in text
    assert "Its 2 open comment threads stay readable on the section's discussion page, but no one can reply to " \
           "them or add comments." in text
    assert "Its 1 open suggested change can no longer be accepted (it can still be rejected)." in text
    assert db.session.get(Section, section.id).deleted_at is None

    client.post(f"/sections/{section.id}/delete", data={"csrf_token": token})
    again = client.post(f"/sections/{section.id}/delete", data={"csrf_token": token}, follow_redirects=True)
    assert "Nothing was done: “Purpose” was already removed." in _text(again)
    assert _events("section.delete") == 1
    stale_page = client.get(f"/sections/{section.id}/delete", follow_redirects=True)
    assert "“Purpose” was already removed." in _text(stale_page)


# --- withdraw an endorsement -----------------------------------------------------------------------

def test_withdraw_page_counts_and_a_second_withdrawal_does_nothing(world, client, login):
    _make_final(world)
    endorsement = _endorse(world)
    token = login(client, world["people"]["member"])
    text = _text(client.get(f"/endorsements/{endorsement.id}/withdraw"))
    assert "City of Ghent no longer counts among the endorsements of version 1: 1 become 0." in text
    assert "a representative of City of Ghent can endorse the version again" in text
    form = {"csrf_token": token, "reason": "Council vote pending"}
    assert client.post(f"/endorsements/{endorsement.id}/withdraw", data=form).status_code == 302
    again = client.post(f"/endorsements/{endorsement.id}/withdraw", data=form, follow_redirects=True)
    assert "Nothing was done: the endorsement of City of Ghent was already withdrawn." in _text(again)
    assert _events("endorsement.withdraw") == 1
    db.session.expire_all()
    assert db.session.get(Endorsement, endorsement.id).withdrawal_reason == "Council vote pending"


# --- who may -------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, expected", [("observer", 403), ("member", 403), ("editor", 403)])
def test_only_coordinators_see_the_workflow_confirmations(world, client, login, role, expected):
    document = world["document"]
    login(client, world["people"][role])
    assert client.get(f"/documents/{document.id}/transition?to=final").status_code == expected
    _make_final(world)
    assert client.get(f"/documents/{document.id}/publish?published=1").status_code == expected
    assert _fresh(document).published_at is None


def test_members_cannot_open_the_removal_page_and_frozen_text_cannot_lose_a_section(world, client, login):
    document, people = world["document"], world["people"]
    section = document.sections[0]
    login(client, people["member"])
    assert client.get(f"/sections/{section.id}/delete").status_code == 403
    _make_final(world)
    editor = client.application.test_client()
    login(editor, people["editor"])
    frozen = editor.get(f"/sections/{section.id}/delete")
    assert frozen.status_code in (302, 409)
    assert db.session.get(Section, section.id).deleted_at is None
