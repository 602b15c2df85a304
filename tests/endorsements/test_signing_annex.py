"""The sealed PDF's annex says what the lists say of a delegated endorsement: who delegated, the mandate, and
who decided on which day."""
from __future__ import annotations

import re
from datetime import date

from app.extensions import db
from app.groups.models import Membership
from app.i18n import long_date
from tests.endorsements.conftest import endorse_body
from tests.export.conftest import page_texts


def test_the_annex_names_the_delegation_the_mandate_and_the_decision(final_setup, api, make_user):
    s = final_setup
    vid = s["version"]["id"]
    piet = make_user(name="Piet Janssens", organisation=s["ghent"])
    db.session.add(Membership(group_id=s["group"].id, user_id=piet.id, role="member"))
    db.session.commit()
    assert api(s["people"]["member"]).post(f"/api/v1/versions/{vid}/delegations", json={
        "organisation_id": s["ghent"].id, "delegate_user_id": piet.id,
        "mandate": "Decision of the board of 12 May"}).status_code == 201
    endorsed = api(piet).post(f"/api/v1/versions/{vid}/endorsements", json=endorse_body(
        s["ghent"], signatory_name="Piet Janssens", decided_by="Board of directors", decided_on="2026-05-12"))
    assert endorsed.status_code == 201, endorsed.get_json()
    exported = api(s["people"]["observer"]).get(f"/api/v1/versions/{vid}/export.pdf")
    assert exported.status_code == 200, exported.get_data()[:300]
    pages = [re.sub(r"\s+", " ", page) for page in page_texts(exported.get_data())]
    annex = next(page for page in pages if "Annex: endorsing organisations" in page and "City of Ghent" in page)
    representative = s["people"]["member"].name
    assert f"By delegation: signed by delegation of {representative}; mandate: Decision of the board of 12 May" \
        in annex
    assert f"Decision: Board of directors, {long_date(date(2026, 5, 12))}" in annex
