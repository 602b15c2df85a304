"""Mentions, earlier commenters and watchers are notified; e-mail right away or as a daily digest."""
from sqlalchemy import select

from app.extensions import db
from app.groups.models import Membership
from app.mail.models import OutboxMessage


def mails_to(user) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == user.email)
                                   .order_by(OutboxMessage.id)))


def comment(client, section, body, **extra):
    response = client.post(f"/api/v1/sections/{section.id}/comments", json={"body": body, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def notifications(client, **params):
    return client.get("/api/v1/notifications", query_string=params).get_json()


def named(make_user, setting, name, email, role="member"):
    user = make_user(name=name, email=email)
    db.session.add(Membership(group_id=setting["group"].id, user_id=user.id, role=role))
    db.session.commit()
    return user


def test_a_mention_by_name_or_by_e_mail_local_part_notifies_and_mails_the_member(setting, api, make_user):
    anna = named(make_user, setting, "Anna De Smet", "anna.desmet@ghent.example")
    erik = named(make_user, setting, "Erik Lindqvist", "erik@stockholm.example", role="observer")
    outsider = make_user(name="Olga Outside", email="olga@elsewhere.example")
    member = api(setting["people"]["member"])
    comment(member, setting["section"], "What do @Anna De Smet and @erik think? Not @olga, not anna@example.eu.")
    for person in (anna, erik):
        items = notifications(api(person))["items"]
        assert [i["kind"] for i in items] == ["mention"]
        assert items[0]["link"].startswith(f"/documents/{setting['document'].id}#comment-")
        assert "mentioned you" in items[0]["text"]
        mails = mails_to(person)
        assert len(mails) == 1 and "mentioned you" in mails[0].subject and "/documents/" in mails[0].body
    assert notifications(api(outsider))["items"] == [] and mails_to(outsider) == []
    assert notifications(member)["items"] == []  # never one's own doing


def test_earlier_commenters_and_watchers_hear_of_new_comments(setting, api):
    people, section = setting["people"], setting["section"]
    first = comment(api(people["member"]), section, "First.")
    observer = api(people["observer"])
    assert observer.put(f"/api/v1/documents/{setting['document'].id}/watch").get_json()["watching"] is True
    comment(api(people["editor"]), section, "Reply.", parent_id=first["id"])
    assert [i["kind"] for i in notifications(api(people["member"]))["items"]] == ["comment"]
    assert [i["kind"] for i in notifications(observer)["items"]] == ["watch"]
    observer.delete(f"/api/v1/documents/{setting['document'].id}/watch")
    comment(api(people["coordinator"]), setting["other"], "Elsewhere.")
    assert len(notifications(observer)["items"]) == 1


def test_suggestions_and_decisions_notify(setting, api):
    people, section = setting["people"], setting["section"]
    comment(api(people["editor"]), section, "I commented here.")
    amendment = api(people["member"]).post(f"/api/v1/sections/{section.id}/amendments", json={
        "body": section.body + "\n\nMore.", "base_revision": 1, "rationale": "cc @Observer"}).get_json()
    kinds = {i["kind"] for i in notifications(api(people["editor"]))["items"]}
    assert kinds == {"comment"}
    assert [i["kind"] for i in notifications(api(people["observer"]))["items"]] == ["mention"]
    told = mails_to(people["observer"])[0].body  # the change itself, in words, no Markdown
    assert "The suggested change:" in told and "[inserted: More.]" in told
    api(people["editor"]).post(f"/api/v1/amendments/{amendment['id']}/accept")
    latest = notifications(api(people["member"]))["items"][0]
    assert latest["kind"] == "amendment" and "accepted" in latest["text"]
    assert latest["link"] == f"/amendments/{amendment['id']}"


def test_unread_count_and_marking_read(setting, api):
    people = setting["people"]
    member = api(people["member"])
    first = comment(member, setting["section"], "Hello @Editor.")
    comment(member, setting["other"], "And @Editor again.")
    editor = api(people["editor"])
    page = notifications(editor)
    assert page["unread_count"] == 2 and len(page["items"]) == 2
    assert page["items"][0]["text"] != page["items"][1]["text"] or page["items"][0]["id"] > page["items"][1]["id"]
    marked = editor.post("/api/v1/notifications/read", json={"ids": [page["items"][1]["id"]]}).get_json()
    assert marked == {"marked": 1, "unread_count": 1}
    assert len(notifications(editor, unread=1)["items"]) == 1
    assert editor.post("/api/v1/notifications/read", json={}).get_json()["unread_count"] == 0
    assert editor.post("/api/v1/notifications/read", json={"ids": ["x"]}).status_code == 400
    assert first  # the editor's reading changed nothing for the member
    assert notifications(member)["unread_count"] == 0


def test_the_daily_digest_gathers_unread_notifications_in_one_mail(setting, api, runner):
    people = setting["people"]
    editor = api(people["editor"])
    assert editor.put("/api/v1/me/notification-settings", json={"email": "daily"}).get_json() == {"email": "daily"}
    assert editor.put("/api/v1/me/notification-settings", json={"email": "hourly"}).status_code == 400
    member = api(people["member"])
    comment(member, setting["section"], "Hello @Editor.")
    comment(member, setting["other"], "Again @Editor.")
    assert mails_to(people["editor"]) == []  # nothing right away
    result = runner.invoke(args=["send-digest"])
    assert result.exit_code == 0 and "Sent 1 digest." in result.output
    mails = mails_to(people["editor"])
    assert len(mails) == 1 and "2 new notifications" in mails[0].subject
    assert mails[0].body.count("mentioned you") == 2 and "/notifications" in mails[0].body
    assert "Sent 0 digests." in runner.invoke(args=["send-digest"]).output  # nothing new, nothing sent
    assert len(mails_to(people["editor"])) == 1


def test_people_who_turned_e_mail_off_get_only_the_notification(setting, api):
    people = setting["people"]
    api(people["editor"]).put("/api/v1/me/notification-settings", json={"email": "off"})
    comment(api(people["member"]), setting["section"], "Hello @Editor.")
    assert notifications(api(people["editor"]))["unread_count"] == 1
    assert mails_to(people["editor"]) == []
