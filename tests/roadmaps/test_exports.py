"""CSV and iCalendar exports, per roadmap and per organisation."""
from __future__ import annotations

import csv
import io
from datetime import date

import icalendar

from app.documents.services import create_document
from app.extensions import db


def _add(client, document, **body):
    response = client.post(f"/api/v1/documents/{document.id}/actions", json={"title": "Adopt the clauses", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _rows(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_csv_holds_every_action_with_readable_fields(roadmap_setup, api):
    s = roadmap_setup
    editor = api(s["people"]["editor"])
    _add(editor, s["document"], owner_organisation_ids=[s["ghent"].id, s["oslo"].id], due_date="2027-Q3",
         start_date="2027-01-15", lead_user_id=s["people"]["member"].id, status="in_progress",
         section_id=s["sections"][0].id, description="Line one.\nLine two, with “quotes”.")
    _add(editor, s["document"], title="Second")
    response = editor.get(f"/api/v1/documents/{s['document'].id}/actions.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="roadmap-2027-actions.csv"'
    rows = _rows(response)
    assert [r["title"] for r in rows] == ["Adopt the clauses", "Second"]
    first = rows[0]
    assert first["owners"] == "City of Ghent; City of Oslo" and first["lead"] == "Member"
    assert (first["start"], first["due"], first["status"]) == ("2027-01-15", "2027-Q3", "In progress")
    assert first["section"] == "§1 Foundations" and first["document"] == "Roadmap 2027"
    assert first["description"] == "Line one.\nLine two, with “quotes”."


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted(roadmap_setup, api):
    s = roadmap_setup
    editor = api(s["people"]["editor"])
    _add(editor, s["document"], title="=HYPERLINK(\"http://evil\",\"x\")", description="+SUM(A1:A9)")
    _add(editor, s["document"], title="@cmd", description="-2+3")
    _add(editor, s["document"], title="Plain - with a dash inside")
    rows = _rows(editor.get(f"/api/v1/documents/{s['document'].id}/actions.csv"))
    assert [r["title"] for r in rows] == ["'=HYPERLINK(\"http://evil\",\"x\")", "'@cmd", "Plain - with a dash inside"]
    assert [r["description"] for r in rows] == ["'+SUM(A1:A9)", "'-2+3", ""]


def test_the_ics_feed_parses_and_has_one_all_day_event_per_due_date(roadmap_setup, api):
    s = roadmap_setup
    editor = api(s["people"]["editor"])
    with_day = _add(editor, s["document"], title="Report", due_date="2027-06-30", owner_organisation_ids=[s["oslo"].id])
    with_quarter = _add(editor, s["document"], title="Clauses", due_date="2027-Q3")
    _add(editor, s["document"], title="No date")
    response = editor.get(f"/api/v1/documents/{s['document'].id}/actions.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.get_data())
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Due: Report", "Due: Clauses"}
    assert events["Due: Report"].decoded("dtstart") == date(2027, 6, 30)
    assert events["Due: Clauses"].decoded("dtstart") == date(2027, 9, 30)  # a quarter is due on its last day
    assert "City of Oslo" in str(events["Due: Report"]["description"])
    assert str(events["Due: Report"]["uid"]) != str(events["Due: Clauses"]["uid"])
    assert str(events["Due: Report"]["uid"]).startswith(f"action-{with_day['id']}-")
    assert str(events["Due: Clauses"]["uid"]).startswith(f"action-{with_quarter['id']}-")


def test_the_organisation_exports_hold_only_its_actions_in_groups_the_caller_sees(roadmap_setup, api, make_group):
    s = roadmap_setup
    editor = api(s["people"]["editor"])
    _add(editor, s["document"], title="Ghent's own", owner_organisation_ids=[s["ghent"].id], due_date="2027-Q1")
    _add(editor, s["document"], title="Oslo's own", owner_organisation_ids=[s["oslo"].id], due_date="2027-Q2")
    # another group, where Ghent also takes part, but which the observer does not belong to
    other_group, others = make_group(roles=("member",))
    others["member"].organisation_id = s["ghent"].id
    hidden = create_document(others["coordinator"], other_group, title="Hidden roadmap", kind="roadmap")
    db.session.commit()
    _add(api(others["member"]), hidden, title="Secret Ghent action", owner_organisation_ids=[s["ghent"].id],
         due_date="2027-Q4")
    observer = api(s["people"]["observer"])
    rows = _rows(observer.get(f"/api/v1/organisations/{s['ghent'].id}/actions.csv"))
    assert [r["title"] for r in rows] == ["Ghent's own"]
    calendar = icalendar.Calendar.from_ical(
        observer.get(f"/api/v1/organisations/{s['ghent'].id}/actions.ics").get_data())
    assert [str(e["summary"]) for e in calendar.walk("VEVENT")] == ["Due: Ghent's own"]
    # the other group's member sees only theirs
    rows = _rows(api(others["member"]).get(f"/api/v1/organisations/{s['ghent'].id}/actions.csv"))
    assert [r["title"] for r in rows] == ["Secret Ghent action"]
    assert observer.get("/api/v1/organisations/999999/actions.csv").status_code == 404


def test_removed_actions_are_not_exported(roadmap_setup, api):
    s = roadmap_setup
    editor = api(s["people"]["editor"])
    gone = _add(editor, s["document"], title="Gone", due_date="2027-Q1")
    editor.delete(f"/api/v1/actions/{gone['id']}")
    assert _rows(editor.get(f"/api/v1/documents/{s['document'].id}/actions.csv")) == []
