"""The annex and evidence page of a real sealed export say what the version page shows: each reservation with
the section it concerns and the public note, how many endorsements were withdrawn, the version by its number
and label with the document's title (database ids after the words, smaller)."""
from __future__ import annotations

import re
import subprocess
import tempfile

from tests.export.conftest import endorse_body, page_texts


def _export(final_setup, api):  # noqa: F811
    from app.documents.services import live_sections

    people, vid = final_setup["people"], final_setup["version"]["id"]
    commitments = next(s for s in live_sections(final_setup["document"]) if s.heading == "Commitments")
    ghent = api(people["member"]).post(f"/api/v1/versions/{vid}/endorsements", json=endorse_body(
        final_setup["ghent"], reservation="We cannot fund lot 2 before 2027.", reservation_section_id=commitments.id,
        note="Adopted by the city council on 3 March."))
    assert ghent.status_code == 201, ghent.get_json()
    oslo = api(people["editor"]).post(f"/api/v1/versions/{vid}/endorsements",
                                      json=endorse_body(final_setup["oslo"], signatory_name="Ola Nordmann"))
    assert oslo.status_code == 201, oslo.get_json()
    withdrawn = api(people["editor"]).post(f"/api/v1/endorsements/{oslo.get_json()['id']}/withdraw",
                                           json={"reason": "Council vote pending"})
    assert withdrawn.status_code == 200, withdrawn.get_json()
    exported = api(people["observer"]).get(f"/api/v1/versions/{vid}/export.pdf")
    assert exported.status_code == 200, exported.get_data()[:300]
    return exported.get_data()


def test_the_annex_shows_the_reservation_with_its_section_and_the_public_note(final_setup, api):
    pdf = _export(final_setup, api)
    pages = [re.sub(r"\s+", " ", page) for page in page_texts(pdf)]
    annex = next(page for page in pages if "Annex: endorsing organisations" in page and "City of Ghent" in page)
    assert "Endorses with a reservation on § 2 Commitments: We cannot fund lot 2 before 2027." in annex
    assert "Note: Adopted by the city council on 3 March." in annex
    # Withdrawn: not in the annex, counted on the evidence page.
    assert "City of Oslo" not in " ".join(pages) and "Ola Nordmann" not in " ".join(pages)
    evidence = pages[-1]
    assert "Evidence" in evidence
    assert "1 endorsement withdrawn since this version became final" in evidence

    version, document = final_setup["version"], final_setup["document"]
    assert f"Document {document.title}" in evidence
    words = f"Version {version['number']}, Final text"  # the label the coordinator gave it
    assert f"{words} (version id {version['id']}, document id {document.id})" in evidence
    assert "version id" not in pages[0]  # the cover names the version as the screens do, without ids
    assert words in pages[0]
    # The ids are secondary, set smaller: "(version" is narrower than "version" in the sentence above it.
    widths = _word_widths(pdf, page=len(pages))
    assert widths["(version"] < 0.9 * widths["version"]


def test_the_sealed_text_shows_each_reservation_under_its_section_with_a_tally(final_setup, api):
    """The consensus map in the PDF: under §2's heading, before its text, "1 reservation" and who holds it;
    the withdrawn endorsement holds none, and §1 shows no tally."""
    pages = [re.sub(r"\s+", " ", page) for page in page_texts(_export(final_setup, api))]
    body = " ".join(page for page in pages if "Annex: endorsing organisations" not in page
                    and "Evidence" not in page)
    commitments = body[body.rindex("2 Commitments"):]
    assert commitments.startswith("2 Commitments 1 reservation • City of Ghent: We cannot fund lot 2 before 2027.")
    assert commitments.index("1 reservation") < commitments.index("We act.")
    assert body.count("reservation") == 1


def _word_widths(pdf: bytes, page: int) -> dict[str, float]:
    """pdftotext's bounding box width of (the last occurrence of) each word on one page."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), handle.name, "-"],
                              capture_output=True, text=True, timeout=60).stdout
    return {word: float(x_max) - float(x_min) for x_min, x_max, word in
            re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', html)}


def test_without_withdrawals_the_evidence_page_says_none(final_setup, api):
    people, vid = final_setup["people"], final_setup["version"]["id"]
    assert api(people["member"]).post(f"/api/v1/versions/{vid}/endorsements",
                                      json=endorse_body(final_setup["ghent"])).status_code == 201
    pdf = api(people["observer"]).get(f"/api/v1/versions/{vid}/export.pdf").get_data()
    evidence = re.sub(r"\s+", " ", page_texts(pdf)[-1])
    assert "Withdrawn none since this version became final" in evidence
    assert "Endorses with a reservation" not in " ".join(page_texts(pdf))
