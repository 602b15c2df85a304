import pytest

from app.extensions import db
from app.groups.models import Membership
from app.organisations.models import OrganisationContact
from tests.endorsements.conftest import endorse_body, final_setup  # noqa: F401 - fixtures shared with endorsements


@pytest.fixture
def lyon(final_setup, make_organisation, make_user):  # noqa: F811
    """A third organisation taking part in the final_setup group (Lucie, a member, belongs to it) with no
    representative, and its contact Claire, who is in no group."""
    organisation = make_organisation("Métropole de Lyon", "FR")
    lucie = make_user(name="Lucie Martin", email="lucie@lyon.example.eu", organisation=organisation)
    db.session.add(Membership(group_id=final_setup["group"].id, user_id=lucie.id, role="member"))
    claire = make_user(name="Claire Dubois", email="claire@lyon.example.eu")
    claire.language = "fr"
    db.session.add(OrganisationContact(organisation_id=organisation.id, user_id=claire.id))
    db.session.commit()
    return {**final_setup, "lyon": organisation, "lucie": lucie, "claire": claire}
