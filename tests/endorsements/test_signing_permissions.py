"""The permission matrix of the signing routes (schedule, delegations), for every kind of caller, with the
exact answer and, for a refusal, nothing changed. A peer of tests/test_permissions_matrix.py, built on its
world: the member represents the organisation, the editor is their colleague there."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.api import OPERATIONS
from app.endorsements.models import Delegation, EndorsementDeadline, EndorsementSchedule
from app.extensions import db
from app.organisations.models import Representative
from app.util import utcnow
from tests import test_permissions_matrix as matrix
from tests.conftest import api_as, page_as
from tests.test_permissions_matrix import ANON_API, ANON_PAGE, CALLERS, assert_status, expect, refused

# The matrix's fixtures, used here by name: its world, its final version, one password hash for all.
world, final_version, _one_hash_per_password = matrix.world, matrix.final_version, matrix._one_hash_per_password

# Who may delegate or end a delegation: the organisation's representative (the member here), and the delegate.
SIGNERS = {"member": "representative", "editor": "delegate"}


@pytest.fixture
def signers(world, final_version):
    """The member represents the organisation and the editor works there; the editor holds a delegation."""
    member, editor = world.people["member"], world.people["editor"]
    member.organisation_id = editor.organisation_id = world.organisation.id
    db.session.add(Representative(organisation_id=world.organisation.id, user_id=member.id))
    delegation = Delegation(version_id=final_version.id, organisation_id=world.organisation.id,
                            delegated_by_id=member.id, delegate_id=editor.id, mandate="Board, 12 May")
    db.session.add(delegation)
    db.session.commit()
    return delegation


def _state(version) -> tuple:
    db.session.expire_all()
    deadline = db.session.get(EndorsementDeadline, version.id)
    schedule = db.session.get(EndorsementSchedule, version.id)
    return (deadline.deadline if deadline else None, schedule.reminder_days if schedule else None,
            sorted(db.session.execute(select(Delegation.id, Delegation.delegate_id, Delegation.revoked_at)).all()))


def _assert_signer_status(response, expected) -> None:
    """assert_status, where a refusal to someone who does not represent the organisation says so
    (403 not_representative, as endorsing does) rather than the plain forbidden."""
    body = response.get_json(silent=True) if response.status_code == 403 else None
    if body and body["error"]["code"] == "not_representative":
        assert expected == 403 and set(body["error"]) == {"code", "message", "details"}, body
        return
    assert_status(response, expected)


def _by_signer(caller: str, ok, *, anonymous=ANON_API, delegate_too: bool = False):
    if caller == "anonymous":
        return anonymous
    if caller == "outsider":
        return 404
    return ok if caller == "member" or (delegate_too and caller == "editor") else 403


@pytest.mark.parametrize("caller", CALLERS)
def test_patch_version_schedule(app, world, final_version, caller):
    before = _state(final_version)
    day = (utcnow() + timedelta(days=9)).date()
    response = api_as(app, world, caller).patch(f"/api/v1/versions/{final_version.id}",
                                                json={"endorsement_deadline": day.isoformat(), "reminder_days": [2]})
    expected = expect("coordinator", 200, caller)
    assert_status(response, expected)
    assert (_state(final_version) == before) == refused(expected)


@pytest.mark.parametrize("caller", CALLERS)
def test_list_delegations(app, world, final_version, signers, caller):
    response = api_as(app, world, caller).get(f"/api/v1/versions/{final_version.id}/delegations")
    assert_status(response, expect("observer", 200, caller))


@pytest.mark.parametrize("caller", CALLERS)
def test_post_delegation(app, world, final_version, signers, caller):
    colleague = world.people["editor"]
    db.session.delete(signers)  # the editor holds none yet
    db.session.commit()
    before = _state(final_version)
    response = api_as(app, world, caller).post(f"/api/v1/versions/{final_version.id}/delegations", json={
        "organisation_id": world.organisation.id, "delegate_user_id": colleague.id, "mandate": "Board, 12 May"})
    expected = _by_signer(caller, 201)
    _assert_signer_status(response, expected)
    assert (_state(final_version) == before) == refused(expected)


@pytest.mark.parametrize("caller", CALLERS)
def test_delete_delegation(app, world, final_version, signers, caller):
    before = _state(final_version)
    response = api_as(app, world, caller).delete(f"/api/v1/delegations/{signers.id}")
    expected = _by_signer(caller, 204, delegate_too=True)
    _assert_signer_status(response, expected)
    assert (_state(final_version) == before) == refused(expected)


@pytest.mark.parametrize("caller", CALLERS)
def test_schedule_page(app, login, world, final_version, caller):
    before = _state(final_version)
    client, csrf = page_as(app, login, world, caller)
    response = client.post(f"/versions/{final_version.id}/schedule", data={"csrf_token": csrf, "reminder_days": "5"})
    expected = expect("coordinator", 302, caller, anonymous=ANON_PAGE)
    assert_status(response, expected)
    assert (_state(final_version) == before) == refused(expected)


@pytest.mark.parametrize("caller", CALLERS)
def test_delegations_page(app, login, world, final_version, signers, caller):
    client, _csrf = page_as(app, login, world, caller)
    response = client.get(f"/versions/{final_version.id}/delegations")
    assert_status(response, expect("observer", 200, caller, anonymous=ANON_PAGE))


@pytest.mark.parametrize("caller", CALLERS)
def test_delegation_form(app, login, world, final_version, signers, caller):
    db.session.delete(signers)
    db.session.commit()
    before = _state(final_version)
    client, csrf = page_as(app, login, world, caller)
    response = client.post(f"/versions/{final_version.id}/delegations", data={
        "csrf_token": csrf, "organisation_id": str(world.organisation.id),
        "delegate_user_id": str(world.people["editor"].id), "mandate": "Board, 12 May"})
    expected = _by_signer(caller, 302, anonymous=ANON_PAGE)
    assert_status(response, expected)
    assert (_state(final_version) == before) == refused(expected)


@pytest.mark.parametrize("caller", CALLERS)
def test_revoke_delegation_page(app, login, world, final_version, signers, caller):
    before = _state(final_version)
    client, csrf = page_as(app, login, world, caller)
    response = client.post(f"/delegations/{signers.id}/revoke", data={"csrf_token": csrf})
    expected = _by_signer(caller, 302, anonymous=ANON_PAGE, delegate_too=True)
    assert_status(response, expected)
    assert (_state(final_version) == before) == refused(expected)


def test_this_matrix_covers_every_new_signing_route(app):
    covered = {("patch", "/api/v1/versions/{vid}"), ("get", "/api/v1/versions/{vid}/delegations"),
               ("post", "/api/v1/versions/{vid}/delegations"), ("delete", "/api/v1/delegations/{did}")}
    operations = {(op.method, op.path) for op in OPERATIONS}
    assert covered <= operations
    pages = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint in {
        "endorsements.set_schedule", "endorsements.delegations", "endorsements.revoke_delegation"}}
    assert pages == {"/versions/<int:vid>/schedule", "/versions/<int:vid>/delegations",
                     "/delegations/<int:did>/revoke"}
