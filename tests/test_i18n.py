"""Languages: which one a request gets, the switcher, the profile and API settings, times in the reader's zone,
and the catalogues themselves (complete, not fuzzy, same placeholders and markup as the English, in step with
the source)."""
from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.extensions import db
from app.i18n import LANGUAGES, choose_language, in_language, short_datetime, valid_time_zone
from tests.conftest import csrf_token_from

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
TRANSLATED = [code for code in LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)[^>]*>")


def _catalogue(code):
    with open(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=code)


# --- choosing the language ---------------------------------------------------------------------

@pytest.mark.parametrize("value, chosen", [
    ("fr", "fr"), ("fr-BE", "fr"), ("FR_be", "fr"), ("no", "nb"), ("nb-NO", "nb"), ("nn", "nb"), ("de-AT", "de"),
    ("xx", None), ("", None), (None, None), ("e" * 100, None), ("../../etc", None), (5, None),
])
def test_language_codes_are_read_leniently_and_unknown_ones_are_refused(value, chosen):
    assert choose_language(value) == chosen


def test_time_zone_names_are_checked():
    assert valid_time_zone("Europe/Oslo") == "Europe/Oslo"
    assert valid_time_zone("Mars/Olympus") is None and valid_time_zone("") is None and valid_time_zone(3) is None


def _lang_of(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_a_visitor_gets_the_browsers_language_else_the_default(client):
    assert _lang_of(client.get("/login", headers={"Accept-Language": "nl-BE,nl;q=0.9,en;q=0.5"})) == "nl"
    assert _lang_of(client.get("/login", headers={"Accept-Language": "ja,xx;q=0.8,it;q=0.5"})) == "it"
    assert _lang_of(client.get("/login", headers={"Accept-Language": "ja, x-klingon"})) == "en"
    assert _lang_of(client.get("/login", headers={"Accept-Language": ";;;q=abc,,"})) == "en"
    assert _lang_of(client.get("/login")) == "en"


@pytest.mark.parametrize("app_config", [{"DEFAULT_LANGUAGE": "de"}])
def test_the_default_language_is_configurable(client):
    assert _lang_of(client.get("/login")) == "de"
    assert _lang_of(client.get("/login", headers={"Accept-Language": "ja"})) == "de"


def test_a_visitor_switches_with_the_form_on_any_page_and_it_is_remembered(client):
    page = client.get("/login", headers={"Accept-Language": "de"})
    token = csrf_token_from(page.get_data(as_text=True))
    assert 'name="language"' in page.get_data(as_text=True)
    switched = client.post("/language", data={"csrf_token": token, "language": "es", "next": "/login?next=/x"})
    assert switched.status_code == 302 and switched.headers["Location"].endswith("/login?next=/x")
    assert _lang_of(client.get("/login", headers={"Accept-Language": "de"})) == "es"  # the choice wins
    unknown = client.post("/language", data={"csrf_token": token, "language": "xx", "next": "https://evil.example/"})
    assert unknown.status_code == 302 and unknown.headers["Location"] in ("/", "http://localhost/")
    assert _lang_of(client.get("/login")) == "es"  # nothing changed


def test_the_switch_needs_its_csrf_token(client):
    refused = client.post("/language", data={"language": "fr", "next": "/"})
    assert refused.status_code == 400
    assert _lang_of(client.get("/login")) == "en"


def test_lang_in_the_query_string_is_followed_and_an_unknown_one_ignored(client):
    assert _lang_of(client.get("/login?lang=nb")) == "nb"
    assert _lang_of(client.get("/login")) == "nb"  # remembered in a cookie
    assert _lang_of(client.get("/login?lang=zz")) == "nb"
    assert client.get("/login?lang=%00%ff").status_code == 200


def test_a_signed_in_persons_profile_language_wins_over_the_browser(client, login, make_user):
    person = make_user(name="Marta Puig")
    person.language = "it"
    db.session.commit()
    login(client, person)
    assert _lang_of(client.get("/profile", headers={"Accept-Language": "fr"})) == "it"
    person.language = "xx"  # an unknown code stored (say, a language this installation no longer offers)
    db.session.commit()
    assert _lang_of(client.get("/profile", headers={"Accept-Language": "fr"})) == "fr"


def test_the_switcher_saves_a_signed_in_persons_choice_in_the_profile(client, login, make_user):
    person = make_user(name="Marta Puig")
    token = login(client, person)
    assert client.post("/language", data={"csrf_token": token, "language": "de", "next": "/profile"}).status_code == 302
    db.session.refresh(person)
    assert person.language == "de"


def test_the_profile_page_sets_language_and_time_zone(client, login, make_user):
    person = make_user(name="Marta Puig")
    token = login(client, person)
    saved = client.post("/profile", data={"csrf_token": token, "name": "Marta Puig", "organisation_id": "",
                                          "language": "fr", "time_zone": "Europe/Oslo"})
    assert saved.status_code == 302
    db.session.refresh(person)
    assert (person.language, person.time_zone) == ("fr", "Europe/Oslo")
    page = client.get("/profile").get_data(as_text=True)
    assert '<option selected value="Europe/Oslo">' in page or 'value="Europe/Oslo" selected' in page
    bad = client.post("/profile", data={"csrf_token": token, "name": "Marta Puig", "organisation_id": "",
                                        "language": "klingon", "time_zone": "Mars/Olympus"})
    assert bad.status_code == 400
    db.session.refresh(person)
    assert (person.language, person.time_zone) == ("fr", "Europe/Oslo")


def test_the_api_sets_language_and_time_zone_and_refuses_unknown_ones(api, make_user):
    person = make_user(name="Marta Puig")
    client = api(person)
    changed = client.patch("/api/v1/me", json={"language": "nl", "time_zone": "Europe/Amsterdam"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["language"] == "nl" and changed.get_json()["time_zone"] == "Europe/Amsterdam"
    assert changed.get_json()["name"] == "Marta Puig"  # what was not sent stays
    me = client.get("/api/v1/me").get_json()
    assert (me["language"], me["time_zone"]) == ("nl", "Europe/Amsterdam")
    wrong = client.patch("/api/v1/me", json={"language": "tlh", "time_zone": "Mars/Olympus"})
    assert wrong.status_code == 400
    assert set(wrong.get_json()["error"]["details"]["fields"]) == {"language", "time_zone"}
    db.session.refresh(person)
    assert (person.language, person.time_zone) == ("nl", "Europe/Amsterdam")
    cleared = client.patch("/api/v1/me", json={"language": "", "time_zone": ""}).get_json()
    assert (cleared["language"], cleared["time_zone"]) == (None, None)


def test_api_errors_keep_their_english_code_and_speak_the_callers_language(api, make_user):
    english, french = make_user(name="Ann Peeters"), make_user(name="Marta Puig")
    french.language = "fr"
    db.session.commit()
    said = api(english).get("/api/v1/documents/987654")
    answer = api(french).get("/api/v1/documents/987654")
    error = answer.get_json()["error"]
    assert answer.status_code == 404 and error["code"] == "not_found" == said.get_json()["error"]["code"]
    assert error["message"] == _translation("fr", said.get_json()["error"]["message"]) != said.get_json()["error"][
        "message"]
    wrong = {"email": "nobody@example.eu", "password": "not this one"}
    anonymous_english = api().post("/api/v1/tokens", json=wrong).get_json()["error"]
    anonymous_german = api().post("/api/v1/tokens", json=wrong, headers={"Accept-Language": "de-AT"}).get_json()
    assert anonymous_german["error"]["code"] == anonymous_english["code"] == "bad_credentials"
    assert anonymous_german["error"]["message"] == _translation("de", anonymous_english["message"])


def _translation(code, msgid):
    message = _catalogue(code).get(msgid)
    assert message is not None and message.string, msgid
    return message.string


# --- times ------------------------------------------------------------------------------------

def test_times_are_shown_in_the_readers_time_zone_and_stored_in_utc(app):
    moment = datetime(2027, 7, 1, 12, 0)  # stored naive UTC
    with app.test_request_context("/"):
        assert short_datetime(moment) == "1 Jul 2027, 14:00 CEST"  # Europe/Brussels by default
        with in_language("nb", "Europe/Oslo"):
            assert short_datetime(moment).startswith("1. juli 2027") and "14:00" in short_datetime(moment)
        with in_language("en", "America/New_York"):
            assert short_datetime(moment).startswith("1 Jul 2027, 08:00 ")


# --- the catalogues ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The messages the source asks for now (what `make translations-extract` would write)."""
    target = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "-k", "lazy_ngettext:1,2", "--no-location", "-o", str(target), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with open(target, "rb") as handle:
        return {message.id if isinstance(message.id, str) else message.id[0]: message
                for message in read_po(handle) if message.id}


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_catalogue_has_every_message_of_the_source(extracted, code):
    catalogue = _catalogue(code)
    present = {message.id if isinstance(message.id, str) else message.id[0] for message in catalogue if message.id}
    missing = sorted(set(extracted) - present)
    assert not missing, f"{len(missing)} messages are not in {code}'s catalogue (make translations-extract): " \
                        f"{missing[:10]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(code):
    catalogue = _catalogue(code)
    untranslated, fuzzy = [], []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or len(strings) != (catalogue.num_plurals if message.pluralizable else 1):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert not untranslated, f"{len(untranslated)} untranslated in {code}: {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {code}: {fuzzy[:10]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_the_placeholders_and_markup_of_the_english(code):
    wrong = []
    for message in _catalogue(code):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        named = {name for name in PLACEHOLDER.findall(" ".join(ids)) if name}
        tags = sorted(TAG.findall(ids[-1]))
        for string in strings:
            if not string:
                continue
            if {name for name in PLACEHOLDER.findall(string) if name} != named and not (
                    message.pluralizable and {name for name in PLACEHOLDER.findall(string) if name} <= named):
                wrong.append((message.id, string, "placeholders"))
            if sorted(TAG.findall(string)) != tags:
                wrong.append((message.id, string, "markup"))
    assert not wrong, f"{len(wrong)} in {code}: {wrong[:5]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_plural_forms_follow_the_language(code):
    from babel.messages.plurals import get_plural

    catalogue = _catalogue(code)
    assert (catalogue.num_plurals, catalogue.plural_expr) == tuple(get_plural(code))
    assert any(message.pluralizable for message in catalogue), "no plural message at all"
