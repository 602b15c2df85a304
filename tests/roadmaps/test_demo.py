"""`flask seed-demo`: the final roadmap carries realistic actions, frozen in its final version, and follow-ups."""
from sqlalchemy import func, select

from app.documents.models import Document
from app.extensions import db
from app.roadmaps.models import ActionUpdate
from app.roadmaps.services import version_actions


def test_the_demo_roadmap_has_actions_in_its_final_version_and_progress_since(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    roadmap = db.session.scalar(select(Document).where(Document.kind == "roadmap"))
    assert roadmap.status == "final"
    frozen = version_actions(roadmap.final_version)
    assert len(frozen) == 7
    first = frozen[0]
    assert first["title"].startswith("Adopt the model labour-rights clauses")
    assert first["start"] == "2027-Q1" and first["due"] == "2027-Q4" and first["lead"]["name"] == "Marta Puig i Ferrer"
    assert "City of Ghent" in [o["name"] for o in first["owners"]] and first["section"] == "2"
    assert all(a["status"] == "planned" for a in frozen)
    assert db.session.scalar(select(func.count()).select_from(ActionUpdate)) == 4
    hash_before = roadmap.final_version.content_hash
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(ActionUpdate)) == 4
    assert len(version_actions(roadmap.final_version)) == 7 and roadmap.final_version.content_hash == hash_before
