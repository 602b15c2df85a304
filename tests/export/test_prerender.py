"""Sealed PDFs rendered ahead: stored as soon as a version is final and after each endorsement or withdrawal,
so that the download is served from storage, with nothing rendered for it."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from app.documents.models import Version
from app.endorsements.services import endorse
from app.export import prerender
from app.export.models import Export
from app.extensions import db
from app.tasks import wait_idle
from tests.export.conftest import endorse_body, page_texts
from tests.export.test_export_api import export_events

PRERENDER = [{"EXPORT_PRERENDER": True}]


def ready_exports(version_id: int) -> list[Export]:
    db.session.commit()  # a fresh snapshot: the background wrote them in its own session
    return list(db.session.scalars(select(Export).where(Export.version_id == version_id, Export.kind == "sealed",
                                                        Export.status == "ready").order_by(Export.id)))


@pytest.mark.parametrize("app_config", PRERENDER)
def test_the_sealed_pdf_is_stored_when_the_version_becomes_final_and_after_each_endorsement(final_setup, api):
    people, vid, group = final_setup["people"], final_setup["version"]["id"], final_setup["group"]
    first = ready_exports(vid)
    assert [e.endorsement_ids for e in first] == [""]  # rendered when the text became final, nobody asked

    endorsed = api(people["member"]).post(f"/api/v1/versions/{vid}/endorsements",
                                          json=endorse_body(final_setup["ghent"]))
    assert endorsed.status_code == 201
    stored = ready_exports(vid)
    assert len(stored) == 2 and stored[-1].endorsement_ids != ""
    renders = export_events(group)

    download = api(people["member"]).get(f"/api/v1/versions/{vid}/export.pdf")  # the endorser, right after
    assert download.status_code == 200
    assert download.headers["X-Content-SHA256"] == stored[-1].sha256 == hashlib.sha256(download.get_data()).hexdigest()
    assert "City of Ghent" in "".join(page_texts(download.get_data()))
    assert export_events(group) == renders  # served from storage: nothing rendered for the download

    ghent = download.headers["X-Content-SHA256"]
    eid = endorsed.get_json()["id"]
    assert api(people["member"]).post(f"/api/v1/endorsements/{eid}/withdraw", json={}).status_code == 200
    # No endorsement again, but not the file of the moment the text became final: this one says that one
    # endorsement was withdrawn since (the evidence page), so it is a file of its own, stored ahead too.
    after = ready_exports(vid)
    assert len(after) == 3
    page = api(people["observer"]).get(f"/api/v1/versions/{vid}/export.pdf")
    assert page.headers["X-Content-SHA256"] == after[-1].sha256 not in (first[0].sha256, ghent)
    text = " ".join(" ".join(page_texts(page.get_data())).split())
    assert "City of Ghent" not in text and "1 endorsement withdrawn" in text
    assert export_events(group) == renders + 1


@pytest.mark.parametrize("app_config", PRERENDER)
def test_a_withdrawal_stores_the_sealed_pdf_without_that_organisation(final_setup, api):
    people, vid = final_setup["people"], final_setup["version"]["id"]
    ghent = api(people["member"]).post(f"/api/v1/versions/{vid}/endorsements", json=endorse_body(final_setup["ghent"]))
    oslo = api(people["editor"]).post(f"/api/v1/versions/{vid}/endorsements", json=endorse_body(final_setup["oslo"]))
    assert ghent.status_code == oslo.status_code == 201
    renders = export_events(final_setup["group"])
    assert api(people["member"]).post(f"/api/v1/endorsements/{ghent.get_json()['id']}/withdraw",
                                      json={}).status_code == 200
    assert export_events(final_setup["group"]) == renders + 1
    latest = ready_exports(vid)[-1]
    assert latest.endorsement_ids == str(oslo.get_json()["id"])
    download = api(people["observer"]).get(f"/api/v1/versions/{vid}/export.pdf")
    assert download.headers["X-Content-SHA256"] == latest.sha256
    text = "".join(page_texts(download.get_data()))
    assert "City of Oslo" in text and "City of Ghent" not in text
    assert export_events(final_setup["group"]) == renders + 1


@pytest.mark.parametrize("app_config", PRERENDER)
def test_a_burst_of_endorsements_is_rendered_once_for_what_is_current(final_setup, api):
    """Two endorsements committed together queue two jobs; the first renders what is current (both), the
    second finds that export stored and renders nothing."""
    people, vid, group = final_setup["people"], final_setup["version"]["id"], final_setup["group"]
    before = export_events(group)
    version = db.session.get(Version, vid)
    for person, organisation in ((people["member"], final_setup["ghent"]), (people["editor"], final_setup["oslo"])):
        endorse(person, version, organisation_id=organisation.id, signatory_name=person.name,
                signatory_title="Head of procurement")
    db.session.commit()
    assert wait_idle(60)
    assert export_events(group) == before + 1
    latest = ready_exports(vid)[-1]
    assert len(latest.endorsement_ids.split(",")) == 2
    assert prerender.render_sealed(vid) == latest.id  # a job for what is stored renders nothing
    assert export_events(group) == before + 1


@pytest.mark.parametrize("app_config", [{"EXPORT_PRERENDER": True, "EXPORT_MAX_RENDERS": 0,
                                         "EXPORT_RENDER_TIMEOUT": 1}])
def test_busy_renderers_leave_the_render_to_the_download_and_lose_nothing(make_group, api, app, monkeypatch):
    monkeypatch.setattr(prerender, "BUSY_RETRY_SECONDS", 0.1)
    group, people = make_group(roles=("editor",))
    coordinator = api(people["coordinator"])
    created = coordinator.post(f"/api/v1/groups/{group.id}/documents",
                               json={"title": "Busy", "kind": "statement", "sections": [{"heading": "A", "body": "B"}]})
    did = created.get_json()["id"]
    assert coordinator.post(f"/api/v1/documents/{did}/transitions", json={"to": "review"}).status_code == 200
    final = coordinator.post(f"/api/v1/documents/{did}/transitions", json={"to": "final"})
    assert final.status_code == 200
    assert wait_idle(10)
    vid = final.get_json()["final_version"]["id"]
    assert ready_exports(vid) == []  # gave up after the timeout; no row left
    assert db.session.scalar(select(func.count()).select_from(Export)) == 0
    # The renderers free again: the download renders, nothing was lost.
    app.config.update(EXPORT_MAX_RENDERS=2, EXPORT_RENDER_TIMEOUT=120)
    download = coordinator.get(f"/api/v1/versions/{vid}/export.pdf")
    assert download.status_code == 200 and download.get_data().startswith(b"%PDF")
    assert [e.sha256 for e in ready_exports(vid)] == [download.headers["X-Content-SHA256"]]


def test_without_prerender_nothing_is_rendered_until_asked(final_setup, api):
    vid = final_setup["version"]["id"]
    assert api(final_setup["people"]["member"]).post(f"/api/v1/versions/{vid}/endorsements",
                                                     json=endorse_body(final_setup["ghent"])).status_code == 201
    assert ready_exports(vid) == []


@pytest.mark.parametrize("app_config", [{"EXPORT_MAX_RENDERS": 2}])
def test_a_background_render_leaves_a_place_for_a_persons_download(final_setup, app):
    """Two places: one is taken by someone's render; the background job may not take the last one."""
    from app.errors import Busy
    from app.export import services
    from app.export.specs import current_spec, version_spec
    from app.extensions import reading_only

    db.session.commit()
    with reading_only():  # as a download does: the claims write in transactions of their own
        document, version = final_setup["document"], db.session.get(Version, final_setup["version"]["id"])
        someone = services.claim(final_setup["people"]["observer"], current_spec(document))
        assert someone[1] is True  # a person's render in progress
        spec = version_spec(version)
        with pytest.raises(Busy):
            services.claim(None, spec, background=True)
        db.session.rollback()
        assert services.find(spec.key) is None
        assert services.claim(final_setup["people"]["member"], spec)[1] is True  # a person still gets the place
        db.session.commit()


@pytest.mark.parametrize("app_config", [{"EXPORT_PRERENDER": True, "EXPORT_RENDER_MEMORY_MB": 40}])
def test_a_failed_background_render_leaves_no_failure_for_the_next_person(final_setup, app, api):
    """The render fails (memory limit): nobody asked for it, so no failed row makes the next person wait out
    EXPORT_RETRY_FAILED_AFTER; their download tries again at once."""
    vid = final_setup["version"]["id"]
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Export)) == 0
    app.config["EXPORT_RENDER_MEMORY_MB"] = 2048
    download = api(final_setup["people"]["observer"]).get(f"/api/v1/versions/{vid}/export.pdf")
    assert download.status_code == 200 and download.get_data().startswith(b"%PDF")


@pytest.mark.parametrize("app_config", PRERENDER)
def test_closing_endorsement_stores_the_sealed_pdf_that_says_so(final_setup, api):
    people, vid, did = final_setup["people"], final_setup["version"]["id"], final_setup["document"].id
    assert api(people["member"]).post(f"/api/v1/versions/{vid}/endorsements",
                                      json=endorse_body(final_setup["ghent"])).status_code == 201
    before = ready_exports(vid)
    assert api(people["coordinator"]).post(f"/api/v1/documents/{did}/transitions",
                                           json={"to": "closed"}).status_code == 200
    after = ready_exports(vid)
    assert len(after) == len(before) + 1
    download = api(people["observer"]).get(f"/api/v1/versions/{vid}/export.pdf")
    assert download.headers["X-Content-SHA256"] == after[-1].sha256
    assert "(endorsement closed)" in " ".join(" ".join(page_texts(download.get_data())).split())
