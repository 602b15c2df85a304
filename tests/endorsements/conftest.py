import pytest

from app.documents.services import create_document
from app.extensions import db
from app.organisations.models import Representative
from tests.conftest import PASSWORD


@pytest.fixture
def final_setup(make_group, make_organisation, api):
    """A group whose statement is final, with two organisations and their representatives as members."""
    group, people = make_group(roles=("observer", "member", "editor"))
    ghent, oslo = make_organisation("City of Ghent", "BE"), make_organisation("City of Oslo", "NO")
    for person, organisation in ((people["member"], ghent), (people["editor"], oslo)):
        person.organisation_id = organisation.id
        db.session.add(Representative(organisation_id=organisation.id, user_id=person.id))
    document = create_document(people["editor"], group, title="Fair ICT", kind="statement",
                               sections=[{"heading": "Purpose", "body": "We agree."},
                                         {"heading": "Commitments", "body": "We act."}])
    db.session.commit()
    coordinator = api(people["coordinator"])
    assert coordinator.post(f"/api/v1/documents/{document.id}/transitions", json={"to": "review"}).status_code == 200
    final = coordinator.post(f"/api/v1/documents/{document.id}/transitions",
                             json={"to": "final", "label": "Final text"})
    assert final.status_code == 200, final.get_json()
    return {"group": group, "people": people, "document": document, "ghent": ghent, "oslo": oslo,
            "version": final.get_json()["final_version"]}


def endorse_body(organisation, **extra):
    """What a representative sends to endorse, their password included (every test user has PASSWORD)."""
    return {"organisation_id": organisation.id, "signatory_name": "Anna De Smet", "signatory_title": "Deputy Mayor",
            "password": PASSWORD, **extra}
