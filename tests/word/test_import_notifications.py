"""An import is heard of once: the group's editors and coordinators (and the members its comments mention)
get one notification and one e-mail each, saying what came in, instead of one "commented on" per imported
comment and one "suggested a change" per tracked change."""
from __future__ import annotations

import io

import docx
from sqlalchemy import select

from app.extensions import db
from app.groups.models import Membership
from app.mail.models import OutboxMessage
from app.notifications.models import Notification
from tests.word.builders import save, tracked, with_reply


def _group(make_group, make_user):
    group, people = make_group(roles=("observer", "member", "editor"))
    people["marta"] = make_user(name="Marta Puig", email="marta.puig@example.eu")
    db.session.add(Membership(group_id=group.id, user_id=people["marta"].id, role="member"))
    db.session.commit()
    return group, people


def _discussed_file() -> bytes:
    """Three comments (one a reply), one mentioning the member, and tracked changes by two authors."""
    d = docx.Document()
    d.core_properties.title = "Clean buses"
    d.add_heading("Goals", 1)
    p = d.add_paragraph("Fleets are clean by ")
    tracked(p, "del", "2035", "Marta Puig", wid=1)
    tracked(p, "ins", "2030", "Marta Puig", wid=2)
    p.add_run(".")
    tracked(p, "ins", " Money follows.", "Legal Service", wid=3)
    d.add_heading("Scope", 1)
    q = d.add_paragraph("All city buses.")
    first = d.add_comment([q.runs[0]], text="Does this include school buses, @Member?", author="Marta Puig")
    with_reply(d, [q.runs[0]], first, "Yes, all of them.", author="Legal Service")
    return save(d)


def _rows():
    notifications = list(db.session.execute(select(Notification.user_id, Notification.kind, Notification.text)
                                            .order_by(Notification.user_id)))
    mails = sorted(db.session.scalars(select(OutboxMessage.recipient)))
    return notifications, mails


def _upload(api, user, group, data):
    caller = api(user)
    return caller.client.post(f"/api/v1/groups/{group.id}/documents", headers=caller.headers,
                              data={"file": (io.BytesIO(data), "buses.docx")}, content_type="multipart/form-data")


def test_an_import_is_one_notice_to_the_editors_and_the_mentioned_not_one_per_comment(api, make_group,
                                                                                      make_user):
    group, people = _group(make_group, make_user)
    response = _upload(api, people["editor"], group, _discussed_file())
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["import"]["comments"] == 2
    assert response.get_json()["import"]["suggestions"] == 2
    notifications, mails = _rows()
    what = "Editor imported “Clean buses” from Word with 2 comments and 2 suggested changes"
    assert notifications == [
        (people["coordinator"].id, "import", what),  # the coordinator decides on suggestions
        (people["member"].id, "mention", f"{what}, in which you are mentioned"),
    ]  # not the importer, not the observer, not Marta, whose Word comments they are
    assert mails == sorted([people["coordinator"].email, people["member"].email])
    subjects = set(db.session.scalars(select(OutboxMessage.subject)))
    assert not any("commented on" in s or "suggested a change" in s for s in subjects)


def test_a_file_without_comments_or_changes_notifies_nobody(api, make_group, make_user):
    group, people = _group(make_group, make_user)
    d = docx.Document()
    d.add_heading("Goals", 1)
    d.add_paragraph("Fleets are clean by 2030.")
    assert _upload(api, people["editor"], group, save(d)).status_code == 201
    assert _rows() == ([], [])


def test_comments_written_in_accord_after_the_import_are_heard_of_as_usual(api, make_group, make_user):
    group, people = _group(make_group, make_user)
    did = _upload(api, people["editor"], group, _discussed_file()).get_json()["id"]
    db.session.query(Notification).delete()
    db.session.commit()
    from app.comments import services as comments
    from app.documents import services as documents
    from app.documents.models import Document

    section = documents.live_sections(db.session.get(Document, did))[0]
    comments.add_comment(people["marta"], section, body="Ask @Editor about the money.")
    db.session.commit()
    assert [(n.user_id, n.kind) for n in db.session.scalars(select(Notification))] == [
        (people["editor"].id, "mention")]
