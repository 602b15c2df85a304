"""Roadmap actions in a real browser, with axe-core on every page: add an action, find it in the table and
the timeline, record progress once the roadmap is final, and read it all on a 320-pixel-wide screen."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from app.documents.services import create_document
from app.extensions import db
from tests.browser.conftest import axe_check, sign_in, submit, visit
from tests.conftest import PASSWORD


def test_a_member_adds_an_action_and_finds_it_in_the_table_and_the_timeline(page, make_group, make_organisation, api):
    group, people = make_group(roles=("member", "editor"))
    ghent, oslo = make_organisation("City of Ghent", "BE"), make_organisation("City of Oslo", "NO")
    people["member"].organisation_id = ghent.id
    people["editor"].organisation_id = oslo.id
    document = create_document(people["editor"], group, title="Roadmap 2027–2029", kind="roadmap",
                               sections=[{"heading": "Foundations", "body": "First steps."}])
    db.session.commit()
    did, member_email, member_name = document.id, people["member"].email, people["member"].name

    sign_in(page, member_email, PASSWORD)
    visit(page, f"/documents/{did}")
    page.get_by_role("navigation", name="Document").get_by_role("link", name="Actions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Actions of “Roadmap 2027–2029”")
    axe_check(page)
    expect(page.get_by_text("No actions yet.")).to_be_visible()

    page.get_by_role("link", name="Add an action").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an action")
    axe_check(page)
    # A due date before the start: refused, explained beside the field, what was typed kept.
    page.get_by_label("Title").fill("Adopt the model clauses")
    page.get_by_label("Start").fill("2027-Q3")
    page.get_by_label("Due").fill("2027-Q1")
    submit(page, page.get_by_role("button", name="Add the action"))
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_contain_text("The due date is before the start date.")
    expect(page.get_by_label("Title")).to_have_value("Adopt the model clauses")

    page.get_by_label("Due").fill("2027-Q4")
    page.get_by_label("Description (Markdown)").fill("Every new framework includes the **clauses**.")
    page.get_by_role("group", name="Owner organisations").get_by_label("City of Ghent (BE)").check()
    page.get_by_role("group", name="Owner organisations").get_by_label("City of Oslo (NO)").check()
    page.get_by_label("Lead person").select_option(label=member_name)
    page.get_by_label("Status").select_option(label="In progress")
    page.get_by_label("Section of the roadmap").select_option(label="§1 Foundations")
    submit(page, page.get_by_role("button", name="Add the action"))

    expect(page.locator(".flash")).to_contain_text("Action “Adopt the model clauses” is added.")
    row = page.get_by_role("row").filter(has_text="Adopt the model clauses")
    expect(row).to_contain_text("City of Ghent, City of Oslo")
    expect(row).to_contain_text("2027-Q3")
    expect(row).to_contain_text("2027-Q4")
    expect(row).to_contain_text("In progress")
    timeline = page.get_by_role("region", name="Timeline by quarter")
    for quarter, note in (("2027-Q3", "starts"), ("2027-Q4", "due")):
        expect(timeline.get_by_role("region", name=quarter)).to_contain_text(f"Adopt the model clauses — {note}")
    expect(page.get_by_role("region", name="Progress")).to_contain_text("0 of 1 action done.")

    # The filters are a plain form: only Oslo's actions in 2028 leaves none.
    page.get_by_label("Period").fill("2028")
    submit(page, page.get_by_role("button", name="Show matching actions"))
    expect(page.get_by_text("No action matches these filters.")).to_be_visible()

    # Read on a narrow phone screen: nothing wider than the screen.
    page.set_viewport_size({"width": 320, "height": 640})
    visit(page, f"/documents/{did}/actions")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    # Once final, a member records progress; the endorsed plan stays beside it.
    page.set_viewport_size({"width": 1280, "height": 800})
    coordinator = api(people["coordinator"])
    coordinator.post(f"/api/v1/documents/{did}/transitions", json={"to": "review"})
    assert coordinator.post(f"/api/v1/documents/{did}/transitions", json={"to": "final"}).status_code == 200
    visit(page, f"/documents/{did}/actions")
    expect(page.get_by_role("link", name="Add an action")).to_have_count(0)
    page.get_by_role("link", name="Adopt the model clauses").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Adopt the model clauses")
    axe_check(page)
    page.get_by_label("New status").select_option(label="At risk")
    page.get_by_label("Note").fill("The legal check takes longer.")
    submit(page, page.get_by_role("button", name="Record progress"))
    expect(page.get_by_role("region", name="Follow-up entries")).to_contain_text("The legal check takes longer.")
    expect(page.get_by_role("region", name="Progress now")).to_contain_text("At risk")
    expect(page.get_by_role("region", name=re.compile("As endorsed"))).to_contain_text("In progress")


def test_a_due_quarter_is_picked_with_the_keyboard_and_a_start_typed_still_counts(page, make_group):
    """The calendar and quarter pickers write into the typed field; the server reads the field as before."""
    from datetime import date

    group, people = make_group(roles=("member",))
    document = create_document(people["coordinator"], group, title="Roadmap 2027", kind="roadmap",
                               sections=[{"heading": "Foundations", "body": "First steps."}])
    db.session.commit()
    did, email = document.id, people["member"].email
    year = str(date.today().year + 1)

    sign_in(page, email, PASSWORD)
    visit(page, f"/documents/{did}/actions/new")
    page.get_by_label("Title").fill("Adopt the model clauses")
    page.get_by_label("Start").fill(f"{year}-01-15")  # typed: the start's calendar follows
    start_picker = page.get_by_role("group", name="Or pick the start on a calendar or as a quarter")
    expect(start_picker.get_by_label("Day")).to_have_value(f"{year}-01-15")

    due_picker = page.get_by_role("group", name="Or pick the due date on a calendar or as a quarter")
    due_picker.get_by_label("Year").focus()
    page.keyboard.type(year)  # a closed select picks the option typed
    page.keyboard.press("Tab")
    expect(due_picker.get_by_label("Quarter")).to_be_focused()
    page.keyboard.type("Q3")
    expect(page.get_by_label("Due")).to_have_value(f"{year}-Q3")
    axe_check(page)
    submit(page, page.get_by_role("button", name="Add the action"))

    expect(page.locator(".flash")).to_contain_text("Action “Adopt the model clauses” is added.")
    row = page.get_by_role("row").filter(has_text="Adopt the model clauses")
    expect(row).to_contain_text(f"{year}-01-15")
    expect(row).to_contain_text(f"{year}-Q3")

    # Editing shows the saved quarter in the pickers too.
    visit(page, f"/documents/{did}/actions")
    row.get_by_role("link", name=re.compile("Edit")).first.click()
    due_picker = page.get_by_role("group", name="Or pick the due date on a calendar or as a quarter")
    expect(due_picker.get_by_label("Year")).to_have_value(year)
    expect(due_picker.get_by_label("Quarter")).to_have_value("3")
    axe_check(page)
