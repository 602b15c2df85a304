"""Simultaneous endorsements by one organisation: exactly one succeeds (through gunicorn, on the suite's database)."""
import threading

import requests

from app.auth.services import create_api_token
from app.endorsements.models import Endorsement
from app.extensions import db
from tests.endorsements.conftest import endorse_body

ATTEMPTS = 6


def test_simultaneous_endorsements_by_one_organisation_exactly_one_wins(final_setup, gunicorn_server):
    s = final_setup
    vid = s["version"]["id"]
    tokens = [create_api_token(s["people"]["member"], f"t{i}")[1] for i in range(ATTEMPTS)]
    body = endorse_body(s["ghent"])
    ghent_id = s["ghent"].id
    db.session.commit()  # and hold no transaction (on SQLite, no write lock) while the server works
    barrier = threading.Barrier(ATTEMPTS)
    statuses = []

    def attempt(token):
        barrier.wait()
        response = requests.post(f"{gunicorn_server}/api/v1/versions/{vid}/endorsements",
                                 json=body, headers={"Authorization": f"Bearer {token}"},
                                 timeout=60)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [409] * (ATTEMPTS - 1)
    db.session.expire_all()
    assert Endorsement.query.filter_by(version_id=vid, organisation_id=ghent_id).count() == 1
