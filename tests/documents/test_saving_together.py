"""Two people saving one section: the conflict screen names who saved the other change and when and offers
one click for each way out; a merged save says so beside the section, and the writer merged into hears of it."""
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.documents import services
from app.documents.models import SectionRevision
from app.extensions import db
from app.groups.models import Membership
from app.i18n import spoken_time
from app.mail.models import OutboxMessage
from app.notifications.models import Notification
from app.notifications.services import set_email_preference
from tests.documents.conftest import section_markup

BASE = "We agree on fair wages.\n\nAudits every year."
THEIRS = "We agree on decent wages.\n\nAudits every year."
MINE = "We agree on living wages.\n\nAudits every year."


@pytest.fixture
def team(make_group, make_user):
    group, people = make_group(roles=("observer",))
    for name, key, role in (("Marta Puig", "marta", "editor"), ("Jon Berg", "jon", "member")):
        people[key] = make_user(name)
        db.session.add(Membership(group_id=group.id, user_id=people[key].id, role=role))
    document = services.create_document(people["marta"], group, title="Fair ICT statement", kind="statement",
                                        sections=[{"heading": "Monitoring", "body": BASE},
                                                  {"heading": "Scope", "body": "ICT hardware."}])
    db.session.commit()
    return people, document, document.sections[0]


def conflict_page(client, login, people, section):
    services.save_section(people["marta"], section, body=THEIRS, base_revision=1)
    db.session.commit()
    token = login(client, people["jon"])
    response = client.post(f"/sections/{section.id}/edit", data={
        "csrf_token": token, "heading": "Monitoring", "body": MINE, "base_revision": "1", "message": "wages"})
    assert response.status_code == 409
    return token, response.get_data(as_text=True)


def keep_mine_form(html):
    form = html[html.index('<div class="conflict-choices"'):]
    form = form[:form.index("</form>")]
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form))
    fields["body"] = re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', form, re.S).group(1)
    return fields


def test_the_conflict_screen_names_who_saved_the_other_change_and_when(client, login, team):
    people, _document, section = team
    _token, html = conflict_page(client, login, people, section)
    saved_at = db.session.scalar(select(SectionRevision.created_at).where(
        SectionRevision.section_id == section.id, SectionRevision.number == 2))
    assert "Marta Puig changed the same words while you were writing" in html
    in_brussels = saved_at.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Brussels"))  # the default time zone
    assert f"Marta Puig saved this section {spoken_time(saved_at, now=saved_at)} (revision 2)" in html
    assert f"today at {in_brussels:%H:%M}" in html
    assert "Their text (revision 2, Marta Puig)" in html and "Your text (not saved)" in html
    assert "decent" in html and "living" in html
    for choice in ("Keep my text", "Take their text", "Edit from my text", "Edit from their text"):
        assert choice in html
    db.session.refresh(section)
    assert section.body == THEIRS and section.current_revision == 2


def test_keeping_my_text_saves_it_over_theirs_and_theirs_stays_in_the_history(client, login, team):
    people, document, section = team
    _token, html = conflict_page(client, login, people, section)
    fields = keep_mine_form(html)
    assert fields["base_revision"] == "2" and fields["body"] == MINE
    response = client.post(f"/sections/{section.id}/edit", data=fields)
    assert response.status_code == 302
    db.session.refresh(section)
    assert section.body == MINE and section.current_revision == 3
    assert services.revision_text(section.id, 2) == THEIRS  # nothing lost
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved as revision 3." in section_markup(page, section)


def test_keeping_my_text_without_the_forms_token_changes_nothing(client, login, team):
    people, _document, section = team
    _token, html = conflict_page(client, login, people, section)
    fields = keep_mine_form(html)
    fields.pop("csrf_token")
    response = client.post(f"/sections/{section.id}/edit", data=fields)
    assert response.status_code == 400
    db.session.refresh(section)
    assert section.body == THEIRS and section.current_revision == 2


def test_taking_their_text_leads_back_to_the_section_and_saves_nothing(client, login, team):
    people, document, section = team
    _token, html = conflict_page(client, login, people, section)
    link = re.search(r'<a class="button button-secondary" id="take-theirs" href="([^"]+)"', html).group(1)
    assert link == f"/documents/{document.id}#{section.anchor}"
    edit_theirs = re.search(r'id="edit-theirs" href="([^"]+)"', html).group(1)
    fresh = client.get(edit_theirs).get_data(as_text=True)  # without script: the editor opened on their text
    assert "We agree on decent wages." in fresh and 'name="base_revision" type="hidden" value="2"' in fresh
    db.session.refresh(section)
    assert section.current_revision == 2


def test_a_merged_save_says_so_beside_the_section_naming_whose_change_it_was_merged_with(client, login, team):
    people, document, section = team
    services.save_section(people["marta"], section, body="We agree on fair wages.\n\nAudits every two years.",
                          base_revision=1)
    db.session.commit()
    token = login(client, people["jon"])
    response = client.post(f"/sections/{section.id}/edit", data={
        "csrf_token": token, "heading": "Monitoring", "body": MINE, "base_revision": "1"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    markup = section_markup(page, section)
    notice = markup[markup.index('id="save-notice"'):]
    notice = notice[:notice.index("</div>")]
    assert markup.index("Monitoring</h") < markup.index('id="save-notice"')  # right under the heading
    assert 'role="status"' in markup and 'tabindex="-1"' in markup
    assert "Saved as revision 3, merged." in notice
    assert "While you were writing, Marta Puig saved this section (today at" in notice
    assert f'href="/sections/{section.id}/diff?from=2&amp;to=3"' in notice
    assert page.count('id="save-notice"') == 1
    assert "save-notice" not in client.get(f"/documents/{document.id}").get_data(as_text=True)  # said once
    db.session.refresh(section)
    assert section.body == "We agree on living wages.\n\nAudits every two years."


def test_the_writer_merged_into_is_told_in_the_app_and_by_e_mail(client, login, team):
    people, _document, section = team
    services.save_section(people["marta"], section, body="We agree on fair wages.\n\nAudits every two years.",
                          base_revision=1)
    db.session.commit()
    token = login(client, people["jon"])
    client.post(f"/sections/{section.id}/edit", data={
        "csrf_token": token, "heading": "Monitoring", "body": MINE, "base_revision": "1"})
    rows = list(db.session.scalars(select(Notification)))
    assert [(n.user_id, n.text) for n in rows] == [
        (people["marta"].id, "Jon Berg’s edit was merged with yours in §1 Monitoring of “Fair ICT statement”")]
    assert rows[0].link == f"/sections/{section.id}/diff?from=2&to=3"
    mail = list(db.session.scalars(select(OutboxMessage)))
    assert [(m.recipient, m.subject) for m in mail] == [
        (people["marta"].email, "[Accord] Jon Berg’s edit was merged with yours in §1 Monitoring of "
                                "“Fair ICT statement”")]
    # The e-mail tells the change itself, in whole words, as the comparison pages do.
    assert "What Jon Berg’s save changed:" in mail[0].body
    assert "[deleted: fair]" in mail[0].body and "[inserted: living]" in mail[0].body


def test_a_writer_who_chose_the_daily_digest_gets_the_notification_but_no_e_mail_now(client, login, team):
    people, _document, section = team
    set_email_preference(people["marta"], "daily")
    services.save_section(people["marta"], section, body="We agree on fair wages.\n\nAudits every two years.",
                          base_revision=1)
    services.save_section(people["jon"], section, body=MINE, base_revision=1)
    db.session.commit()
    assert [n.user_id for n in db.session.scalars(select(Notification))] == [people["marta"].id]
    assert list(db.session.scalars(select(OutboxMessage))) == []


def test_a_plain_save_is_confirmed_beside_the_section_and_nobody_is_notified(client, login, team):
    people, _document, section = team
    token = login(client, people["jon"])
    response = client.post(f"/sections/{section.id}/edit", data={
        "csrf_token": token, "heading": "Monitoring", "body": MINE, "base_revision": "1"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved as revision 2." in section_markup(page, section)
    assert "merged" not in section_markup(page, section)
    assert db.session.scalar(select(Notification.id)) is None


def test_the_api_conflict_names_who_saved_and_when(api, team):
    people, _document, section = team
    services.save_section(people["marta"], section, body=THEIRS, base_revision=1)
    db.session.commit()
    response = api(people["jon"]).put(f"/api/v1/sections/{section.id}", json={"body": MINE, "base_revision": 1})
    assert response.status_code == 409
    details = response.get_json()["error"]["details"]
    assert details["saved_by"] == {"id": people["marta"].id, "name": "Marta Puig"}
    assert details["saved_at"].endswith("Z") and details["current_revision"] == 2
    assert [s["revision"] for s in details["saved_since"]] == [2]
    assert details["your_body"] == MINE and details["current_body"] == THEIRS
    db.session.refresh(section)
    assert section.body == THEIRS


def test_the_api_merge_answer_names_whose_change_it_was_merged_with(api, team):
    people, _document, section = team
    services.save_section(people["marta"], section, body="We agree on fair wages.\n\nAudits every two years.",
                          base_revision=1)
    db.session.commit()
    answer = api(people["jon"]).put(f"/api/v1/sections/{section.id}", json={"body": MINE, "base_revision": 1})
    assert answer.status_code == 200 and answer.get_json()["merged"] is True
    assert [s["author"]["name"] for s in answer.get_json()["merged_with"]] == ["Marta Puig"]


def test_the_openapi_document_declares_the_conflicts_details(api):
    spec = api().get("/api/v1/openapi.json").get_json()
    conflict = spec["paths"]["/api/v1/sections/{sid}"]["put"]["responses"]["409"]["content"]["application/json"]
    ref = conflict["schema"]["allOf"][1]["properties"]["error"]["properties"]["details"]["$ref"]
    details = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"saved_by", "saved_at", "saved_since", "current_revision"} <= set(details["properties"])


@pytest.mark.parametrize("when, said", [
    (datetime(2027, 3, 3, 14, 2), "today at 15:02"),  # stored UTC, said in Europe/Brussels (CET, UTC+1)
    (datetime(2027, 3, 2, 22, 59), "yesterday at 23:59"),
    (datetime(2027, 3, 2, 23, 30), "today at 00:30"),  # the day is the reader's, not UTC's
    (datetime(2027, 1, 15, 9, 5), "on 15 January 2027 at 10:05"),
    ("2027-03-03T08:30:00Z", "today at 09:30"),
])
def test_times_are_said_as_people_say_them(app, when, said):
    with app.test_request_context("/"):
        assert spoken_time(when, now=datetime(2027, 3, 3, 18, 0)) == said


def test_times_are_said_in_the_readers_language_and_time_zone(app):
    from app.i18n import in_language

    with app.test_request_context("/"), in_language("fr", "America/New_York"):
        assert spoken_time(datetime(2027, 1, 15, 9, 5), now=datetime(2027, 3, 3, 18, 0)) == \
            "le 15 janvier 2027 à 04:05"
