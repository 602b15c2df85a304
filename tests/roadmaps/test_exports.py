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


def _rows(response, delimiter=","):
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"), newline=""),
                               delimiter=delimiter))


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


def test_the_csv_starts_with_a_byte_order_mark_so_excel_reads_accents(roadmap_setup, api):
    s = roadmap_setup
    editor = api(s["people"]["editor"])
    _add(editor, s["document"], title="Réunion à Liège; „Straße“", owner_organisation_ids=[s["ghent"].id])
    body = editor.get(f"/api/v1/documents/{s['document'].id}/actions.csv").get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert list(rows[0])[0] == "id"  # the mark is not glued to the first column's name
    assert rows[0]["title"] == "Réunion à Liège; „Straße“" and rows[0]["owners"] == "City of Ghent"


def test_a_semicolon_separated_csv_is_offered_for_european_spreadsheets(roadmap_setup, api):
    s = roadmap_setup
    editor = api(s["people"]["editor"])
    _add(editor, s["document"], title="Plan; with, both", owner_organisation_ids=[s["ghent"].id, s["oslo"].id],
         description="=1+1")
    response = editor.get(f"/api/v1/documents/{s['document'].id}/actions.csv?sep=semicolon")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbfid;document_id;")
    rows = _rows(response, delimiter=";")
    assert rows[0]["title"] == "Plan; with, both" and rows[0]["owners"] == "City of Ghent; City of Oslo"
    assert rows[0]["description"] == "'=1+1"  # still shown as text, not run as a formula
    assert _rows(editor.get(f"/api/v1/documents/{s['document'].id}/actions.csv?sep=comma"))[0]["title"] == \
        "Plan; with, both"
    organisation = editor.get(f"/api/v1/organisations/{s['ghent'].id}/actions.csv?sep=semicolon")
    assert [r["title"] for r in _rows(organisation, delimiter=";")] == ["Plan; with, both"]


def test_an_unknown_separator_is_refused(roadmap_setup, api):
    s = roadmap_setup
    editor = api(s["people"]["editor"])
    for url in (f"/api/v1/documents/{s['document'].id}/actions.csv?sep=tab",
                f"/api/v1/organisations/{s['ghent'].id}/actions.csv?sep=%3B"):
        response = editor.get(url)
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "invalid_sep"


def test_the_roadmap_page_offers_both_csv_downloads(roadmap_setup, client, login):
    s = roadmap_setup
    login(client, s["people"]["member"])
    page = client.get(f"/documents/{s['document'].id}/actions").get_data(as_text=True)
    assert f"/api/v1/documents/{s['document'].id}/actions.csv?sep=semicolon" in page
    assert "CSV for Excel (semicolon)" in page


def _calendar_names(body: bytes) -> list[str]:
    """Every NAME and X-WR-CALNAME as a calendar reader gets it: icalendar's line parser unfolds and unescapes
    the RFC 5545 text (its Calendar keeps these two unknown-typed properties escaped)."""
    from icalendar.parser import Contentlines

    parts = [line.parts() for line in Contentlines.from_ical(body.decode("utf-8")) if line]
    return [value for name, _params, value in parts if name in ("NAME", "X-WR-CALNAME")]


def test_the_calendar_name_is_escaped_so_a_title_cannot_add_properties(roadmap_setup, api):
    s = roadmap_setup
    editor = api(s["people"]["editor"])
    _add(editor, s["document"], title="Report", due_date="2027-06-30")
    title = "Plan; A, B\\ C"
    assert editor.patch(f"/api/v1/documents/{s['document'].id}", json={"title": title}).status_code == 200
    body = editor.get(f"/api/v1/documents/{s['document'].id}/actions.ics").get_data()
    assert _calendar_names(body) == [title, title]
    assert b"NAME:Plan\\; A\\, B\\\\ C\r\n" in body

    # a title stored before titles were kept to one line
    s["document"].title = "Plan; A, B\nX-INJECT:1"
    db.session.commit()
    body = editor.get(f"/api/v1/documents/{s['document'].id}/actions.ics").get_data()
    calendar = icalendar.Calendar.from_ical(body)
    assert "X-INJECT" not in calendar and not any(line.startswith(b"X-INJECT") for line in body.split(b"\r\n"))
    assert _calendar_names(body) == ["Plan; A, B X-INJECT:1"] * 2
    assert [str(e["summary"]) for e in calendar.walk("VEVENT")] == ["Due: Report"]
