"""In a real browser, in each language of the interface: a person picks their language on the sign-in page, signs
in, and the main pages (document, edit, compare, endorse, delegation, sign-off board, confirmations, the
organisation's page, start here, batch invitations, verify) show no English words of the
interface: not in the text, not in labels a screen reader reads (aria-label, title, placeholder, alt).

Everything the test's people wrote is in Latin ("Lorem ipsum"), and their names are names, so an English word on
these pages can only be the interface's."""
from __future__ import annotations

import re

import pytest

from app.documents.services import create_document
from app.extensions import db
from app.i18n import LANGUAGES
from app.organisations.models import OrganisationContact, Representative
from tests.browser.conftest import release_db, submit, visit
from tests.conftest import PASSWORD

# Words of English that are not words of the language checked (Norwegian "to" is two, Dutch "is" is is...).
ENGLISH = {"the", "and", "your", "with", "this", "you", "are", "have", "from", "which", "will", "not", "save",
           "edit", "comment", "comments", "sign", "endorse", "endorsed", "endorsement", "endorsements", "download",
           "compare", "who", "what", "when", "here", "there", "been", "has", "by", "of", "to", "is", "at", "on", "or",
           "in", "section", "sections", "changes", "draft", "organisation", "organisations", "verify", "file",
           "upload", "password", "back", "current", "history", "name", "title"}
NOT_ENGLISH_ONLY = {
    "fr": {"on", "or", "section", "sections", "organisation", "organisations", "file", "history", "current",
           "comment"},  # "Comment commenter ?"
    "nl": {"is", "of", "in", "draft", "back", "name"},
    "de": {"will", "in", "name", "draft", "organisation", "organisations"},  # "Organisation" is German too
    "it": {"in", "file", "password"},  # Italian says "password"
    "es": {"has"},
    "nb": {"to", "by", "is", "at", "and", "have", "file", "sign", "back"},
}
VISIBLE_WORDS = """() => {
  const parts = [document.body.innerText, document.title];
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], img[alt], input[type=submit]')) {
    for (const name of ['aria-label', 'title', 'placeholder', 'alt', 'value']) {
      if (el.hasAttribute(name) && (name !== 'value' || el.type === 'submit')) parts.push(el.getAttribute(name));
    }
  }
  return parts.join('\\n');
}"""


@pytest.fixture
def world(make_group, make_organisation, api, language):
    """The documents are in the language checked: what the app writes into a text (the final version's note)
    is in the document's language, and belongs to the text, not to the interface."""
    group, people = make_group(roles=("observer", "member", "editor"), name="Grex Lorem")
    for person, name in zip(people.values(), ("Marta Puig", "Ann Peeters", "Kari Nordmann", "Jan Kowalski")):
        person.name = name
    ghent = make_organisation("Stad Gent", "BE")
    member = people["member"]
    member.organisation_id = ghent.id
    db.session.add(Representative(organisation_id=ghent.id, user_id=member.id))
    db.session.add(OrganisationContact(organisation_id=ghent.id, user_id=member.id))
    document = create_document(people["editor"], group, title="Lorem ipsum", kind="statement", language=language,
                               sections=[{"heading": "Dolor sit", "body": "Lorem ipsum dolor sit amet."},
                                         {"heading": "Amet consectetur", "body": "Consectetur adipiscing elit."}])
    db.session.commit()
    coordinator = api(people["coordinator"])
    assert coordinator.post(f"/api/v1/documents/{document.id}/transitions", json={"to": "review"}).status_code == 200
    final = coordinator.post(f"/api/v1/documents/{document.id}/transitions", json={"to": "final", "label": "Lorem"})
    assert final.status_code == 200, final.get_json()
    draft = create_document(people["editor"], group, title="Ipsum lorem", kind="statement", language=language,
                            sections=[{"heading": "Dolor sit", "body": "Lorem ipsum dolor sit amet."}])
    db.session.commit()
    editor = api(people["editor"])
    assert editor.post(f"/api/v1/documents/{draft.id}/versions", json={"label": "Prima"}).status_code == 201
    saved = editor.put(f"/api/v1/sections/{draft.sections[0].id}",
                       json={"body": "Lorem ipsum dolor sit amet, consectetur.", "base_revision": 1})
    assert saved.status_code == 200, saved.get_json()
    release_db()
    return {"people": people, "document": document, "version": final.get_json()["final_version"], "draft": draft,
            "section": draft.sections[0], "group_id": group.id, "organisation_id": ghent.id}


def english_words(page, language) -> list[str]:
    text = page.evaluate(VISIBLE_WORDS)
    suspects = ENGLISH - NOT_ENGLISH_ONLY.get(language, set())
    # Words of any script's letters: "désigné" is one French word, not "d" + "sign" + "é".
    return sorted({word for word in re.findall(r"[^\W\d_]+", text) if word.lower() in suspects})


def sign_in_in(page, language, person):
    visit(page, "/login")
    page.locator("#language-switch").select_option(language)
    submit(page, page.locator(".language-switch button"))
    assert page.locator("html").get_attribute("lang") == language
    page.locator("input[name=email]").fill(person.email)
    page.locator("input[name=password]").fill(PASSWORD)
    submit(page, page.locator("main form button[type=submit]").first)


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_the_main_pages_speak_the_persons_language(world, new_page, language):
    document, version, section, draft = world["document"], world["version"], world["section"], world["draft"]
    gid, oid = world["group_id"], world["organisation_id"]
    pages = {
        "editor": [f"/documents/{document.id}", f"/documents/{draft.id}", f"/sections/{section.id}/edit",
                   f"/documents/{draft.id}/compare", f"/sections/{section.id}/delete"],
        # a representative, and its organisation's contact: signing, delegating, the organisation's page
        "member": [f"/versions/{version['id']}/endorse", f"/versions/{version['id']}/delegations",
                   f"/organisations/{oid}", f"/groups/{gid}/start", f"/versions/{version['id']}"],
        "coordinator": [f"/versions/{version['id']}/signoff", f"/documents/{document.id}/transition?to=closed",
                        f"/documents/{document.id}/publish?published=1", f"/groups/{gid}/invitations/batch",
                        f"/groups/{gid}"],
    }
    found = {}
    for role, paths in pages.items():
        page = new_page()
        sign_in_in(page, language, world["people"][role])
        for path in paths:
            visit(page, path)
            assert page.locator("html").get_attribute("lang") == language
            if english_words(page, language):
                found[path] = english_words(page, language)
                text = page.evaluate(VISIBLE_WORDS)
                found[path + " (where)"] = [text[max(0, m.start() - 60):m.end() + 30] for word in found[path]
                                            for m in re.finditer(rf"\b{word}\b", text)][:5]
    visitor = new_page()
    visit(visitor, f"/verify?lang={language}")
    if english_words(visitor, language):
        found["/verify"] = english_words(visitor, language)
    assert not found, f"English words of the interface on {language} pages: {found}"
