import pytest

from app.documents.services import create_document
from app.extensions import db

PURPOSE = ("We, the undersigned public buyers, agree on fair wages in ICT supply chains.\n\n"
           "Each signatory publishes its criteria every year.")


@pytest.fixture
def setting(make_group):
    """A group with an observer, a member and an editor, and a draft statement of two sections."""
    group, people = make_group(roles=("observer", "member", "editor"))
    document = create_document(people["editor"], group, title="Fair ICT", kind="statement",
                               sections=[{"heading": "Purpose", "body": PURPOSE},
                                         {"heading": "Commitments", "body": "We act together."}])
    db.session.commit()
    return {"group": group, "people": people, "document": document, "section": document.sections[0],
            "other": document.sections[1]}
