"""The signatory confirms the text in words (title, version, date; the hash stays as a detail and in the
record), with name and title from their profile, and may record who decided and when."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.endorsements.models import Endorsement
from app.extensions import db
from app.i18n import long_date
from app.util import utcnow
from tests.conftest import PASSWORD, assert_refused, csrf_token_from
from tests.endorsements.conftest import endorse_body


def test_the_endorse_page_names_the_text_in_words_and_keeps_the_hash_as_a_detail(final_setup, client, login):
    s = final_setup
    vid = s["version"]["id"]
    member = s["people"]["member"]
    member.job_title = "Deputy Mayor"
    db.session.commit()
    login(client, member)
    html = client.get(f"/versions/{vid}/endorse").get_data(as_text=True)
    final_day = long_date(utcnow())
    assert f"I have read “Fair ICT”, Final text (version 1) of {final_day}, and endorse this exact text" in html
    details = html[html.index("<details"):html.index("</details>")]
    assert s["version"]["content_hash"] in details
    assert html.count(s["version"]["content_hash"]) == 2  # the detail, and the hidden field that records it
    assert f'value="{member.name}"' in html and 'value="Deputy Mayor"' in html


def test_a_page_endorsement_records_who_decided_and_the_hash(final_setup, client, login, api):
    s = final_setup
    vid = s["version"]["id"]
    login(client, s["people"]["member"])
    form = client.get(f"/versions/{vid}/endorse").get_data(as_text=True)
    decided = utcnow().date() - timedelta(days=3)
    sent = client.post(f"/versions/{vid}/endorse", data={
        "csrf_token": csrf_token_from(form), "organisation_id": str(s["ghent"].id), "signatory_name": "Anna",
        "signatory_title": "Alderwoman", "decided_by": "Board of directors", "decided_on": decided.isoformat(),
        "confirm_hash": "y", "content_hash": s["version"]["content_hash"], "password": PASSWORD})
    assert sent.status_code == 302, sent.get_data(as_text=True)[:500]
    [item] = api(s["people"]["observer"]).get(f"/api/v1/versions/{vid}/endorsements").get_json()["items"]
    assert item["decided_by"] == "Board of directors" and item["decided_on"] == decided.isoformat()
    assert item["content_hash"] == s["version"]["content_hash"] and item["delegated_by"] is None
    page = client.get(f"/versions/{vid}").get_data(as_text=True)
    assert f"Decided by Board of directors on {long_date(decided)}" in page


@pytest.mark.parametrize("decided_on", [(date.today() + timedelta(days=2)).isoformat(), "1999-01-01"])
def test_a_decision_day_to_come_is_refused_and_nothing_is_recorded(final_setup, api, decided_on):
    s = final_setup
    refused = api(s["people"]["member"]).post(f"/api/v1/versions/{s['version']['id']}/endorsements",
                                              json=endorse_body(s["ghent"], decided_by="Board",
                                                                decided_on=decided_on))
    assert refused.status_code == 400 and "decided_on" in refused.get_json()["error"]["details"]["fields"]
    assert db.session.scalar(select(func.count(Endorsement.id))) == 0


def test_the_job_title_is_kept_on_the_profile_and_through_the_api(final_setup, client, login, api):
    s = final_setup
    member = s["people"]["member"]
    token = login(client, member)
    page = client.get("/profile").get_data(as_text=True)
    assert '<label for="job_title">Job title</label>' in page
    saved = client.post("/profile", data={"csrf_token": token, "name": member.name, "organisation_id":
                                          str(s["ghent"].id), "job_title": "Alderman", "language": "",
                                          "time_zone": ""})
    assert saved.status_code == 302
    db.session.expire_all()
    assert member.job_title == "Alderman"
    me = api(member)
    answer = me.patch("/api/v1/me", json={"job_title": "Mayor"})
    assert answer.status_code == 200 and answer.get_json()["job_title"] == "Mayor"
    assert me.get("/api/v1/me").get_json()["job_title"] == "Mayor"
    db.session.expire_all()
    assert member.organisation_id == s["ghent"].id  # the rest of the profile as it was
    assert_refused(me.patch("/api/v1/me", json={"job_title": "x" * 201}), 400, "invalid")
