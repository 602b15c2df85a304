"""What a site admin and a coordinator do with the task queue's pages, in a real browser, axe on every page:
a failed message sent again from the outbox, the Background work page, the integrity check, and an
endorsement deadline set on the sign-off board."""
from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.mail.models import OutboxMessage
from app.tasks import wait_idle
from app.util import utcnow
from tests.browser.conftest import axe_check, release_db, sign_in, submit, visit
from tests.conftest import PASSWORD
from tests.endorsements.conftest import final_setup  # noqa: F401  (the fixture)
from tests.tasks.smtp_peers import start_sink


def test_an_admin_sends_a_failed_message_again_and_reads_the_background_work(app, page, make_user):
    peer, controller = start_sink()
    try:
        app.config.update({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port, "MAIL_USE_TLS": False})
        admin = make_user(name="Ada Admin", admin=True)
        db.session.add(OutboxMessage(recipient="anna@example.eu", subject="Invitation to the working group",
                                     body="Hello Anna", status="failed", attempts=6, created_at=utcnow(),
                                     error="ConnectionRefusedError: [Errno 111] Connection refused"))
        db.session.commit()

        sign_in(page, admin.email, PASSWORD)
        nav = page.get_by_role("navigation", name="Main")
        nav.get_by_role("link", name="Outbox").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Outbox")
        axe_check(page)
        expect(page.get_by_role("status")).to_contain_text("1 failed")
        message = page.get_by_role("article", name="Invitation to the working group")
        expect(message).to_contain_text("failed after 6 tries")
        expect(message).to_contain_text("Connection refused")
        submit(page, message.get_by_role("button", name="Send again to anna@example.eu"))
        expect(page.locator(".flash")).to_contain_text("queued to be sent again")
        assert wait_idle(20)
        release_db()
        assert db.session.scalar(select(OutboxMessage.status)) == "sent" and len(peer.messages) == 1
        visit(page, "/admin/outbox")
        expect(page.get_by_role("article", name="Invitation to the working group")).to_contain_text("sent by SMTP")
        expect(page.get_by_role("button", name=re.compile("Send again"))).to_have_count(0)

        page.get_by_role("navigation", name="Main").get_by_role("link", name="Background work").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Background work")
        axe_check(page)
        schedules = page.get_by_role("table", name=re.compile("Periodic tasks"))
        expect(schedules.get_by_role("row", name=re.compile("notifications.digest"))).to_contain_text("0 7 * * *")
        expect(page.get_by_text("No task has failed.")).to_be_visible()

        page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrity").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Integrity")
        axe_check(page)
        submit(page, page.get_by_role("button", name="Run the integrity check"))
        expect(page.locator(".flash")).to_contain_text("0 new problems")
    finally:
        controller.stop()


def test_a_coordinator_sets_the_endorsement_deadline_on_the_sign_off_board(page, final_setup):  # noqa: F811
    coordinator = final_setup["people"]["coordinator"]
    vid = final_setup["version"]["id"]
    sign_in(page, coordinator.email, PASSWORD)
    visit(page, f"/versions/{vid}/signoff")
    day = date.today() + timedelta(days=20)
    page.get_by_label("Endorsement deadline").fill(day.isoformat())
    submit(page, page.get_by_role("button", name="Save the deadline"))
    expect(page.locator("p.deadline")).to_have_text(f"Endorsement closes on {day.day} {day:%B %Y}.")
    # A day in the past is refused beside the field, and nothing changes.
    page.get_by_label("Endorsement deadline").fill((date.today() - timedelta(days=1)).isoformat())
    submit(page, page.get_by_role("button", name="Save the deadline"))
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_contain_text("has passed")
    visit(page, f"/versions/{vid}/signoff")
    expect(page.locator("p.deadline")).to_have_text(f"Endorsement closes on {day.day} {day:%B %Y}.")
