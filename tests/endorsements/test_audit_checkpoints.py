"""The audit chain held to sealed checkpoints, and endorsement rows held to the chain.

Before checkpoints, verify_chain only checked that the chain agreed with itself: rewriting an event
and recomputing every hash after it, deleting the newest events, or editing an endorsement row all
passed. Each test here does what someone with write access to the database (and not to the
installation's seal key) could do, and checks that verification names it.
"""
import base64
import json

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy import delete, select, text

from app.audit.checkpoints import payload
from app.audit.models import AuditCheckpoint, AuditEvent
from app.audit.services import event_hash
from app.endorsements.models import Endorsement
from app.extensions import db
from tests.endorsements.conftest import endorse_body


def _endorse(s, api, organisation="ghent", person="member", **extra):
    response = api(s["people"][person]).post(f"/api/v1/versions/{s['version']['id']}/endorsements",
                                             json=endorse_body(s[organisation], **extra))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _verify(s, api):
    response = api(s["people"]["coordinator"]).get(f"/api/v1/groups/{s['group'].id}/audit/verify")
    assert response.status_code == 200
    return response.get_json()


def _events(group_id):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.group_id == group_id).order_by(AuditEvent.seq)))


def _rewrite(group_id, seq, **changes):
    """What a database writer would do: change one event, then recompute every hash after it."""
    prev = None
    for event in _events(group_id):
        if event.seq == seq:
            for name, value in changes.items():
                setattr(event, name, value)
        if prev is not None:
            event.prev_hash = prev
        event.hash = event_hash(event.prev_hash, event)
        prev = event.hash
    db.session.commit()


def _checkpoints(group_id):
    return list(db.session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.group_id == group_id)
                                   .order_by(AuditCheckpoint.seq)))


def test_a_clean_chain_verifies_against_its_latest_checkpoint(final_setup, api, app):
    s = final_setup
    _endorse(s, api)
    events, checkpoints = _events(s["group"].id), _checkpoints(s["group"].id)
    # Sealed at once when the text became final and when it was endorsed.
    sealed = {c.seq: next(e.action for e in events if e.seq == c.seq) for c in checkpoints}
    assert list(sealed.values()) == ["document.transition", "endorsement.create"]
    result = _verify(s, api)
    assert result["ok"] is True and result["reason"] is None and result["events"] == len(events)
    assert result["checkpoint"]["seq"] == events[-1].seq and result["checkpoint"]["head_hash"] == events[-1].hash


def test_a_checkpoint_verifies_with_the_seal_certificate_alone(final_setup, app):
    """Anyone with the installation's certificate (it is in every sealed PDF) can check a checkpoint."""
    from app.export.seal import seal_for

    checkpoint = _checkpoints(final_setup["group"].id)[-1]
    certificate = x509.load_der_x509_certificate(seal_for(app.config).certificate_der)
    certificate.public_key().verify(
        base64.b64decode(checkpoint.signature),
        payload(checkpoint.group_id, checkpoint.seq, checkpoint.head_hash, checkpoint.created_at),
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH), hashes.SHA256())


def test_an_event_edited_and_every_hash_recomputed_is_found(final_setup, api):
    s = final_setup
    _endorse(s, api)
    assert _verify(s, api)["ok"] is True
    events = _events(s["group"].id)
    target = next(e for e in events if e.action == "document.create")
    _rewrite(s["group"].id, target.seq, data=json.dumps({"title": "Another statement"}))
    result = _verify(s, api)
    assert result["ok"] is False
    assert "rewritten" in result["reason"]
    # The first checkpoint after the edit is the one that no longer matches.
    assert result["broken_seq"] == min(c.seq for c in _checkpoints(s["group"].id) if c.seq >= target.seq)


def test_deleting_the_newest_events_is_found_when_a_checkpoint_covers_them(final_setup, api, runner):
    s = final_setup
    coordinator = api(s["people"]["coordinator"])
    published = coordinator.post(f"/api/v1/documents/{s['document'].id}/publish", json={"published": True})
    assert published.status_code == 200
    assert runner.invoke(args=["audit-checkpoint"]).exit_code == 0
    newest = _events(s["group"].id)[-1]
    assert newest.action == "document.publish"
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == newest.id))
    db.session.commit()
    result = _verify(s, api)
    assert result["ok"] is False and "events were removed" in result["reason"]
    assert result["broken_seq"] == newest.seq


def test_a_forged_checkpoint_is_found(final_setup, api):
    """Rewriting the chain and the checkpoint's head to match it still fails: the signature is the seal's."""
    s = final_setup
    gid = s["group"].id
    _rewrite(gid, 1, data=json.dumps({"name": "Someone else's group"}))
    latest = _checkpoints(gid)[-1]
    latest.head_hash = next(e.hash for e in _events(gid) if e.seq == latest.seq)
    db.session.commit()
    result = _verify(s, api)
    assert result["ok"] is False and "does not carry the installation's seal" in result["reason"]

    # Signed, but with a key of the forger's own, under the seal's fingerprint.
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    latest.signature = base64.b64encode(forger.sign(
        payload(gid, latest.seq, latest.head_hash, latest.created_at),
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
        hashes.SHA256())).decode()
    db.session.commit()
    assert _verify(s, api)["ok"] is False


def test_an_edited_endorsement_row_is_found(final_setup, api):
    s = final_setup
    endorsement = _endorse(s, api, reservation_section_id=s["document"].sections[1].id, reservation="Budget first")
    assert _verify(s, api)["ok"] is True
    db.session.execute(text("UPDATE endorsements SET signatory_name = 'Someone Else', reservation = '' "
                            "WHERE id = :id"), {"id": endorsement["id"]})
    db.session.commit()
    result = _verify(s, api)
    assert result["ok"] is False
    assert "reservation, signatory_name changed" in result["reason"]
    create = next(e for e in _events(s["group"].id) if e.object == f"endorsement:{endorsement['id']}")
    assert result["broken_event_id"] == create.id


def test_an_erased_withdrawal_is_found(final_setup, api):
    s = final_setup
    endorsement = _endorse(s, api)
    member = api(s["people"]["member"])
    assert member.post(f"/api/v1/endorsements/{endorsement['id']}/withdraw", json={"reason": "Vote"}).status_code == 200
    assert _verify(s, api)["ok"] is True
    db.session.execute(text("UPDATE endorsements SET withdrawn_at = NULL, withdrawn_by_id = NULL, "
                            "withdrawal_reason = '' WHERE id = :id"), {"id": endorsement["id"]})
    db.session.commit()
    result = _verify(s, api)
    assert result["ok"] is False and "withdrawal" in result["reason"] and "withdrawn_at" in result["reason"]


def test_an_endorsement_added_or_removed_behind_the_application_is_found(final_setup, api):
    s = final_setup
    endorsement = _endorse(s, api)
    row = db.session.get(Endorsement, endorsement["id"])
    db.session.add(Endorsement(version_id=row.version_id, organisation_id=s["oslo"].id, user_id=None,
                               signatory_name="Nobody", signatory_title="None", content_hash=row.content_hash))
    db.session.commit()
    result = _verify(s, api)
    assert result["ok"] is False and "has no event in the chain" in result["reason"]

    db.session.execute(delete(Endorsement))
    db.session.commit()
    result = _verify(s, api)
    assert result["ok"] is False
    assert f"endorsement {endorsement['id']}" in result["reason"] and "gone" in result["reason"]


def test_the_command_seals_each_moved_head_once_and_prints_it(final_setup, api, runner, make_group):
    other, _people = make_group(roles=())
    first = runner.invoke(args=["audit-checkpoint"])
    assert first.exit_code == 0, first.output
    printed = [json.loads(line) for line in first.stdout.splitlines()]
    # final_setup's group was sealed when its text became final and has not moved since.
    assert [c["group_id"] for c in printed] == [other.id]
    assert printed[0]["head_hash"] == _events(other.id)[-1].hash and printed[0]["signature"]
    again = runner.invoke(args=["audit-checkpoint"])
    assert again.exit_code == 0 and again.stdout == ""
    assert len(_checkpoints(other.id)) == 1
    assert runner.invoke(args=["audit-checkpoint", "--group", "999999"]).exit_code != 0


def test_the_audit_page_publishes_the_latest_checkpoint(final_setup, client, login):
    s = final_setup
    checkpoint = _checkpoints(s["group"].id)[-1]
    login(client, s["people"]["coordinator"])
    html = client.get(f"/groups/{s['group'].id}/audit?verify=1").get_data(as_text=True)
    assert checkpoint.head_hash in html and f"sealed at event {checkpoint.seq}" in html
    assert f"held to the checkpoint sealed at event {checkpoint.seq}" in html


def test_checkpoints_are_listed_for_coordinators(final_setup, api):
    s = final_setup
    listed = api(s["people"]["coordinator"]).get(f"/api/v1/groups/{s['group'].id}/audit/checkpoints").get_json()
    assert [c["seq"] for c in listed["items"]] == [c.seq for c in _checkpoints(s["group"].id)]
    assert api(s["people"]["editor"]).get(f"/api/v1/groups/{s['group'].id}/audit/checkpoints").status_code == 403
