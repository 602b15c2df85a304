import pytest

from app.documents.services import create_document
from app.extensions import db


@pytest.fixture
def roadmap_setup(make_group, make_organisation, make_user):
    """A group with an observer, a member (City of Ghent) and an editor (City of Oslo), and a draft roadmap
    with two sections. Vienna takes part in no group of theirs."""
    group, people = make_group(roles=("observer", "member", "editor"))
    ghent, oslo = make_organisation("City of Ghent", "BE"), make_organisation("City of Oslo", "NO")
    vienna = make_organisation("City of Vienna", "AT")
    people["member"].organisation_id = ghent.id
    people["editor"].organisation_id = oslo.id
    document = create_document(people["editor"], group, title="Roadmap 2027", kind="roadmap",
                               sections=[{"heading": "Foundations", "body": "First steps."},
                                         {"heading": "Monitoring", "body": "Then we check."}])
    db.session.commit()
    return {"group": group, "people": people, "document": document, "ghent": ghent, "oslo": oslo,
            "vienna": vienna, "sections": list(document.sections), "outsider": make_user(name="Outsider")}


def make_final(api, setup, label="Final roadmap"):
    """Moves the roadmap to final through the API; returns the final version's JSON."""
    coordinator = api(setup["people"]["coordinator"])
    document = setup["document"]
    assert coordinator.post(f"/api/v1/documents/{document.id}/transitions", json={"to": "review"}).status_code == 200
    response = coordinator.post(f"/api/v1/documents/{document.id}/transitions", json={"to": "final", "label": label})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["final_version"]
