"""The pure context builder: what the PDF will say, without rendering it."""
from __future__ import annotations

from tests.export.conftest import sample_facts


def test_sections_are_numbered_and_sanitised(app):
    from app.export.context import document_context

    context = document_context(sample_facts(draft=False))
    assert [(s["number"], s["heading"]) for s in context["sections"]] == [
        ("1", "Purpose"), ("1.1", "Scope of the commitment"), ("2", "Hostile text")]
    hostile = context["sections"][2]["html"]
    assert "<script" not in hostile and "<img" not in hostile and "javascript:" not in hostile
    assert "<style" not in hostile and "file:" not in hostile


def test_only_active_endorsements_are_listed_and_named_in_the_identity(app):
    from app.export.context import document_context

    context = document_context(sample_facts(draft=False))
    assert [e.organisation for e in context["endorsements"]] == ["City of Ghent"]
    assert context["endorsement_ids"] == "5"
    assert context["qr"].startswith("<svg") and "https://accord.example/verify" not in context["qr"]


def test_a_draft_has_no_qr_code(app):
    from app.export.context import document_context

    assert document_context(sample_facts(draft=True))["qr"] == ""


def test_the_redline_keeps_only_changed_sections_with_their_runs(app):
    from datetime import datetime

    from app.export.context import redline_context

    changes = [{"section_id": 1, "heading": "Aim", "change": "modified", "moved": False,
                "diff": [[0, "We buy "], [-1, "cheap"], [1, "repairable"], [0, " laptops."]]},
               {"section_id": 2, "heading": "Same", "change": "unchanged", "moved": False, "diff": []}]
    context = redline_context(title="T", group_name="G", document_id=1, old_label="one", new_label="two",
                              changes=changes, exported_at=datetime(2026, 1, 1))
    assert [c["heading"] for c in context["changes"]] == ["Aim"]
    assert [r["op"] for r in context["changes"][0]["runs"]] == ["eq", "del", "ins", "eq"]
    assert context["summary"]["unchanged"] == 1


def test_relative_links_and_images_are_dropped_from_print_but_absolute_ones_and_footnotes_stay(app):
    """In a PDF a relative address resolves against the renderer's own folder: a file: link naming the
    server's paths. Absolute links, mail links and in-document references stay."""
    from app.documents.rendering import render_cached, render_for_print

    text = ("See [the annex](annex.html), [the site](https://example.eu/a), [us](mailto:x@example.eu), "
            "[a share](//host/share) and ![logo](logo.png).[^1]\n\n[^1]: A note.")
    page, printed = render_cached(text, "x1-"), render_for_print(text, "x1-")
    assert 'href="annex.html"' in page  # on the web page a relative link is the app's own
    assert "annex.html" not in printed and "//host/share" not in printed and "logo.png" not in printed
    assert 'href="https://example.eu/a"' in printed and 'href="mailto:x@example.eu"' in printed
    assert 'href="#x1-fn:1"' in printed and "the annex" in printed and "A note." in printed


def test_a_reservation_names_its_section_as_numbered_in_the_pdf_and_withdrawals_are_counted(app):
    from dataclasses import replace

    from app.export.context import EndorsementFact, document_context

    facts = sample_facts(draft=False)
    when = facts.dated
    facts = replace(facts, endorsements=[
        EndorsementFact(5, "City of Ghent", "BE", "A", "B", when, reservation="Not lot 2.", reservation_section_id=2),
        EndorsementFact(7, "City of Lyon", "FR", "C", "D", when, reservation="Later.", reservation_section_id=99,
                        reservation_heading="A section since removed", note="Gladly."),
        EndorsementFact(6, "City of Oslo", "NO", "E", "F", when, withdrawn=True)])
    context = document_context(facts)
    assert [e.reservation_concerns for e in context["endorsements"]] == [
        "§ 1.1 Scope of the commitment", "A section since removed"]
    assert context["endorsements"][1].note == "Gladly." and context["withdrawn_count"] == 1
