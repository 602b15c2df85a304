"""What the tests of the document page share: a group's document of three sections, and reading it."""
import pytest

from app.comments.services import add_comment
from app.documents import services
from app.extensions import db
from app.groups.models import Membership


@pytest.fixture
def doc(make_group):
    group, people = make_group(roles=("observer", "member", "editor"))
    document = services.create_document(
        people["editor"], group, title="Clean buses roadmap", kind="roadmap",
        sections=[{"heading": "Context", "body": "Cities buy buses."},
                  {"heading": "Goals", "body": "Zero-emission fleets by 2030."},
                  {"heading": "Money", "body": "Joint tenders cut prices."}])
    db.session.commit()
    return group, people, document


def page(client, document):
    response = client.get(f"/documents/{document.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section_markup(html, section):
    start = html.index(f'<section id="{section.anchor}"')
    return html[start:html.index("</section>", start)]


def thread_markup(html, comment):
    start = html.index(f'<div class="comment" id="comment-{comment.id}"') if f'id="comment-{comment.id}"' in html \
        else html.index(f'id="comment-{comment.id}"')
    return html[html.rindex("<article", 0, start):html.index("</article>", start)]


def thread_and_another_member(people, make_user, doc):
    """A thread by the member on the first section, and a second member ("other member") who did not write it."""
    group, _people, document = doc
    people["other member"] = make_user("Otto Other")
    db.session.add(Membership(group_id=group.id, user_id=people["other member"].id, role="member"))
    thread = add_comment(people["member"], document.sections[0], body="Which cities?", quote="Cities")
    db.session.commit()
    return thread
