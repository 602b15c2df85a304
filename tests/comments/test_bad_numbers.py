"""Ids and positions in the discussion's forms and API bodies that are not ones answer 400 with a field
error (or 404), never 500, and store nothing (issue 25: `parent_id=²`, `occurrence=²`,
`base_revision=²` and `{"parent_id": 10**25}` answered 500)."""
import pytest
from sqlalchemy import func, select

from app.comments import services
from app.comments.models import Amendment, Comment
from app.extensions import db
from tests.comments.conftest import PURPOSE
from tests.conftest import csrf_token_from

NOT_IDS = ["²", "-1", "1e3", " 1", "０", "99999999999999999999", "0"]  # "０" is a fullwidth digit
JSON_NOT_IDS = [10**25, 99999999999999999999, -1, 0, 2**63]


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def member_page(setting, client, login):
    token = login(client, setting["people"]["member"])
    return client, token


@pytest.mark.parametrize("value", NOT_IDS)
def test_a_reply_form_whose_parent_is_not_an_id_is_400_and_posts_nothing(setting, member_page, value):
    client, token = member_page
    services.add_comment(setting["people"]["member"], setting["section"], body="A thread.")
    db.session.commit()
    before = _count(Comment)
    response = client.post(f"/sections/{setting['section'].id}/comments",
                           data={"csrf_token": token, "body": "My reply.", "parent_id": value})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Thread replied to:" in html and ("Must be a whole number." in html or "nothing with this id" in html)
    assert _count(Comment) == before


def test_a_reply_form_naming_no_comment_of_the_section_is_404(setting, member_page):
    client, token = member_page
    response = client.post(f"/sections/{setting['section'].id}/comments",
                           data={"csrf_token": token, "body": "My reply.", "parent_id": "2147483647"})
    assert response.status_code == 404 and _count(Comment) == 0
    assert "We could not find that page" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", [v for v in NOT_IDS if v != "0"])
def test_a_comment_form_whose_occurrence_is_not_a_number_is_400_and_posts_nothing(setting, member_page, value):
    client, token = member_page
    response = client.post(f"/sections/{setting['section'].id}/comments",
                           data={"csrf_token": token, "body": "On these words.", "quote": "fair wages",
                                 "occurrence": value})
    assert response.status_code == 400
    assert "Occurrence of the words: A whole number, 0 or more." in response.get_data(as_text=True)
    assert _count(Comment) == 0


@pytest.mark.parametrize("value", NOT_IDS)
def test_a_suggestion_form_whose_base_revision_is_not_one_is_400_and_stores_nothing(setting, member_page, value):
    client, token = member_page
    for extra in ({}, {"preview": "1"}):
        response = client.post(f"/sections/{setting['section'].id}/suggest",
                                data={"csrf_token": token, "body": PURPOSE + " More.", "base_revision": value,
                                      **extra})
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "Revision written on:" in html
    assert _count(Amendment) == 0


@pytest.mark.parametrize("value", NOT_IDS)
def test_accepting_by_hand_with_a_base_revision_that_is_not_one_is_400_and_saves_nothing(setting, client, login,
                                                                                          value):
    s = setting
    amendment = services.propose_amendment(s["people"]["member"], s["section"], body=PURPOSE + " More.",
                                           base_revision=1)
    db.session.commit()
    token = login(client, s["people"]["editor"])
    response = client.post(f"/amendments/{amendment.id}/accept",
                           data={"csrf_token": token, "body": PURPOSE + " Merged.", "base_revision": value})
    assert response.status_code == 400
    assert "base_revision:" in response.get_data(as_text=True)
    db.session.expire_all()
    assert amendment.status == "proposed" and s["section"].current_revision == 1


@pytest.mark.parametrize("value", JSON_NOT_IDS)
def test_the_api_answers_a_parent_id_that_names_nothing_with_400_and_posts_nothing(setting, api, value):
    response = api(setting["people"]["member"]).post(f"/api/v1/sections/{setting['section'].id}/comments",
                                                     json={"body": "My reply.", "parent_id": value})
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and "parent_id" in error["details"]["fields"]
    assert _count(Comment) == 0


@pytest.mark.parametrize("field", ["occurrence", "start"])
@pytest.mark.parametrize("value", [10**25, -1, "1", "²"])
def test_the_api_answers_a_position_that_is_not_one_with_400_and_posts_nothing(setting, api, field, value):
    response = api(setting["people"]["member"]).post(f"/api/v1/sections/{setting['section'].id}/comments",
                                                     json={"body": "On these words.", "quote": "fair wages",
                                                           field: value})
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and field in error["details"]["fields"]
    assert _count(Comment) == 0


@pytest.mark.parametrize("value", [10**25, -1, 0, "1"])
def test_the_api_answers_a_suggestion_base_revision_that_is_not_one_with_400(setting, api, value):
    response = api(setting["people"]["member"]).post(f"/api/v1/sections/{setting['section'].id}/amendments",
                                                     json={"body": PURPOSE + " More.", "base_revision": value})
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and "base_revision" in error["details"]["fields"]
    assert _count(Amendment) == 0


def test_marking_notifications_read_with_ids_beyond_any_id_marks_nothing(setting, api):
    response = api(setting["people"]["member"]).post("/api/v1/notifications/read", json={"ids": [10**25, 2**63]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["marked"] == 0


@pytest.mark.parametrize("value", ["99999999999999999999", "²", "-1"])
def test_pages_listing_older_items_ignore_a_cursor_that_is_not_an_id(setting, client, login, value):
    login(client, setting["people"]["member"])
    for path in ("/notifications", f"/groups/{setting['group'].id}/activity"):
        response = client.get(f"{path}?before={value}")
        assert response.status_code == 200, path
        assert csrf_token_from(response.get_data(as_text=True))
