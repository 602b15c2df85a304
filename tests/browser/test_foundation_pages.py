"""What a person does with the foundation pages, in a real browser, with axe-core on every page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from tests.browser.conftest import axe_check, release_db, sign_in, submit, visit
from tests.conftest import PASSWORD


def flash(page):
    return page.locator(".flash")


def sign_out(page):
    submit(page, page.get_by_role("button", name=re.compile(r"^Sign out")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(flash(page)).to_contain_text("You are signed out.")


def mailed_link(recipient: str, path_part: str) -> str:
    """The link containing `path_part` in the last e-mail to `recipient`, read from the outbox."""
    from app.mail.models import OutboxMessage
    from app.tasks import wait_idle

    assert wait_idle(30), "the mail was not written"
    body = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == recipient)
                              .order_by(OutboxMessage.id.desc())).first()
    release_db()
    assert body, f"no e-mail to {recipient} in the outbox"
    match = re.search(rf"https?://\S+{re.escape(path_part)}\S+", body)
    assert match, f"no {path_part} link in the e-mail:\n{body}"
    return match.group(0)


# --- anonymous ---------------------------------------------------------------------

def test_anonymous_home_login_failure_and_forgot_password(page, make_user):
    user = make_user(name="Ana Anonymous")
    email = user.email

    visit(page, "/")
    expect(page).to_have_title(re.compile("Accord"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Agree on the words, together")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")).to_be_visible()

    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    axe_check(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")

    # Nothing filled in: every missing field is named in the summary, with a link to it.
    submit(page, page.get_by_role("button", name="Sign in"))
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # keyboard and screen-reader users start from the list of problems
    expect(summary.get_by_role("link", name=re.compile("^E-mail address"))).to_be_visible()
    expect(summary.get_by_role("link", name=re.compile("^Password"))).to_be_visible()
    summary.get_by_role("link", name=re.compile("^Password")).click()
    expect(page.get_by_label("Password", exact=True)).to_be_focused()

    # A wrong password: one message, which does not tell which of the two was wrong.
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    submit(page, page.get_by_role("button", name="Sign in"))
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_contain_text("The e-mail address or the password is wrong.")
    expect(page.get_by_label("E-mail address")).to_have_value(email)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")

    page.get_by_role("link", name="Forgot your password?").click()
    expect(page).to_have_url(re.compile(r"/password/forgot$"))
    axe_check(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Forgot your password?")
    page.get_by_label("E-mail address").fill(email)
    submit(page, page.get_by_role("button", name="Send the link"))
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(flash(page)).to_contain_text("If an account uses this address, we have sent it a link")


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page, make_user):
    user = make_user()
    email = user.email
    for signed_in in (False, True):
        if signed_in:
            sign_in(page, email, PASSWORD)
        visit(page, "/")
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to main content")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()
        page.keyboard.press("Enter")
        expect(page.get_by_role("main")).to_be_focused()
        expect(page).to_have_url(re.compile(r"#main$"))
        # The next Tab continues inside the main content, not back at the top of the page.
        page.keyboard.press("Tab")
        inside_main = page.evaluate("document.querySelector('main').contains(document.activeElement)")
        assert inside_main, "after the skip link, Tab should move on inside <main>"


FOCUSED = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  const words = (e.innerText || e.value || '').replace(/\\s+/g, ' ').trim().slice(0, 40);
  return {what: e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' "' + words + '"',
          body: e === document.body, outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
          shadow: s.boxShadow !== 'none', visible: e.getBoundingClientRect().width > 0};
}"""


def tab_through(page, limit=80) -> list[str]:
    """Press Tab until the focus leaves the page; every stop must show where the focus is (WCAG 2.4.7)."""
    stops, hidden = [], []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["body"] or (stops and focused["what"] == stops[0]):
            break
        stops.append(focused["what"])
        if not (focused["outline"] or focused["shadow"]) or not focused["visible"]:
            hidden.append(focused["what"])
    assert not hidden, f"no visible focus indicator on {page.url} for: {hidden}"
    return stops


def test_every_tab_stop_shows_where_the_focus_is(page, make_group):
    group, people = make_group(name="Keyboard group")
    coordinator_email, group_id = people["coordinator"].email, group.id
    release_db()

    visit(page, "/login")
    stops = tab_through(page)
    assert stops[0] == 'a "Skip to main content"', stops
    assert stops.index('input#email ""') < stops.index('input#password ""') < stops.index('button "Sign in"'), stops

    sign_in(page, coordinator_email, PASSWORD)
    visit(page, f"/groups/{group_id}")
    stops = tab_through(page)
    # In reading order: the header, the page's own actions, each member's role and removal, the invitation form.
    order = [stops.index(s) for s in ('button "Sign out (Coordinator)"', 'button "Change role of Member"',
                                      'button "Remove Member"', 'button "Send invitation"')]
    assert order == sorted(order), stops


# --- a coordinator ---------------------------------------------------------------------

def test_coordinator_invites_changes_a_role_and_removes_a_member(page, make_group):
    group, people = make_group(name="Clean buses procurement")
    coordinator_email, observer_email = people["coordinator"].email, people["observer"].email
    release_db()

    sign_in(page, coordinator_email, PASSWORD)
    expect(flash(page)).to_contain_text("Welcome, Coordinator.")
    expect(page.get_by_role("heading", level=1)).to_have_text("My working groups")

    page.get_by_role("link", name="Clean buses procurement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clean buses procurement")
    axe_check(page)
    expect(page.get_by_text("Your role:")).to_contain_text("coordinator")
    members = page.get_by_role("table", name=re.compile("^Members of"))
    expect(members.get_by_role("row")).to_have_count(1 + 4)  # header and four people

    # Invite someone by e-mail.
    invite = page.locator("#invitations")
    invite.get_by_label("E-mail address").fill("new.colleague@example.eu")
    invite.get_by_label("Role").select_option(label="Editor")
    submit(page, invite.get_by_role("button", name="Send invitation"))
    expect(flash(page)).to_contain_text("Invitation sent to new.colleague@example.eu as editor.")
    pending = page.locator("#invitations").get_by_role("listitem").filter(has_text="new.colleague@example.eu")
    expect(pending).to_contain_text("editor")
    expect(pending.get_by_role("button", name="Withdraw invitation to new.colleague@example.eu")).to_be_visible()

    # An address that is not one shows the error where it belongs.
    invite = page.locator("#invitations")
    invite.get_by_label("E-mail address").fill("not an address")
    submit(page, invite.get_by_role("button", name="Send invitation"))
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    expect(page.locator("#invitations").get_by_label("E-mail address")).to_have_attribute("aria-invalid", "true")

    # Change a member's role.
    page.get_by_label("Role of Member").select_option("editor")
    submit(page, page.get_by_role("button", name="Change role of Member"))
    expect(flash(page)).to_contain_text("Member is now editor.")
    expect(page.get_by_label("Role of Member")).to_have_value("editor")

    # Remove a member.
    submit(page, page.get_by_role("button", name="Remove Observer"))
    expect(flash(page)).to_contain_text("The member is removed from the group.")
    members = page.get_by_role("table", name=re.compile("^Members of"))
    expect(members.get_by_role("row")).to_have_count(1 + 3)
    expect(members).not_to_contain_text(observer_email)
    expect(page.get_by_label("Role of Observer")).to_have_count(0)
    expect(page.get_by_role("heading", name="Members (3)")).to_be_visible()


def test_invitation_link_lets_a_new_person_register_and_join(page, new_page, make_group):
    group, people = make_group(roles=(), name="Shared roadmap")
    coordinator_email = people["coordinator"].email
    release_db()

    sign_in(page, coordinator_email, PASSWORD)
    visit(page, f"/groups/{group.id}")
    invite = page.locator("#invitations")
    invite.get_by_label("E-mail address").fill("nora.newcomer@example.eu")
    invite.get_by_label("Role").select_option(label="Member")
    submit(page, invite.get_by_role("button", name="Send invitation"))
    expect(flash(page)).to_contain_text("Invitation sent to nora.newcomer@example.eu as member.")

    link = mailed_link("nora.newcomer@example.eu", "/invitations/")

    stranger = new_page()  # another browser context: no cookies, nobody signed in
    visit(stranger, link)
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Join Shared roadmap")
    expect(stranger.get_by_role("main")).to_contain_text("nora.newcomer@example.eu")
    stranger.get_by_label("Full name").fill("Nora Newcomer")
    stranger.get_by_label("Password").fill("a-long-enough-password")
    submit(stranger, stranger.get_by_role("button", name="Create account and join"))
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Shared roadmap")
    expect(flash(stranger)).to_contain_text("Welcome to Accord and to Shared roadmap.")
    expect(stranger.get_by_text("Your role:")).to_contain_text("member")
    expect(stranger.get_by_role("button", name="Sign out (Nora Newcomer)")).to_be_attached()

    # The link works once.
    other = new_page()
    visit(other, link, expect_status=None)
    expect(other.get_by_role("button", name="Create account and join")).to_have_count(0)

    # The coordinator sees the new member and no pending invitation.
    visit(page, f"/groups/{group.id}")
    expect(page.get_by_role("table", name=re.compile("^Members of"))).to_contain_text("Nora Newcomer")
    expect(page.locator("#invitations")).not_to_contain_text("nora.newcomer@example.eu")


# --- one's own account -------------------------------------------------------------------

def test_profile_and_api_tokens(page, new_page, make_user, live_server):
    user = make_user(name="Paula Profile")
    email = user.email
    release_db()

    sign_in(page, email, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    axe_check(page)
    expect(page.get_by_role("main")).to_contain_text(f"Signed in as {email}")
    expect(page.get_by_label("Full name")).to_have_value("Paula Profile")
    page.get_by_label("Full name").fill("Paula Profile-Meyer")
    submit(page, page.get_by_role("button", name="Save profile"))
    expect(flash(page)).to_contain_text("Your profile is saved.")
    expect(page.get_by_label("Full name")).to_have_value("Paula Profile-Meyer")
    expect(page.get_by_role("button", name="Sign out (Paula Profile-Meyer)")).to_be_attached()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Personal API tokens")
    axe_check(page)
    expect(page.get_by_text("You have no tokens yet.")).to_be_visible()
    page.get_by_label("Token name").fill("reporting script")
    page.get_by_label("Your password").fill(PASSWORD)  # a token acts as you: confirm it is you
    submit(page, page.get_by_role("button", name="Create token"))
    expect(page.get_by_role("heading", name="Your new token")).to_be_visible()
    raw = page.get_by_label("Token", exact=True).input_value()
    assert len(raw) > 20
    table = page.get_by_role("table", name="Your API tokens")
    expect(table).to_contain_text("reporting script")
    expect(table).to_contain_text(raw[:6])
    expect(table).not_to_contain_text(raw)

    # The token works for a script, which has no cookies.
    script = new_page()
    answer = script.request.get(f"{live_server}/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status == 200, answer.text()
    assert answer.json()["email"] == email

    # Shown once: after a reload it is gone.
    visit(page, "/profile/tokens")
    expect(page.get_by_role("heading", name="Your new token")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(raw)

    submit(page, page.get_by_role("button", name="Revoke token reporting script"))
    expect(flash(page)).to_contain_text("The token is revoked: it no longer works.")
    expect(page.get_by_role("table", name="Your API tokens").get_by_role("row", name=re.compile("reporting script"))) \
        .to_contain_text("Revoked")
    answer = script.request.get(f"{live_server}/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status == 401


# --- a site administrator -----------------------------------------------------------------

def test_admin_adds_an_organisation_and_a_representative_and_reads_the_outbox(page, make_user):
    from app.mail.services import send_mail

    admin = make_user(name="Ada Admin", admin=True)
    rep = make_user(name="Rita Representative")
    admin_email, rep_label = admin.email, f"Rita Representative <{rep.email}>"
    send_mail("someone@example.eu", "A test message", "Hello,\n\nthis is the body.")
    db.session.commit()

    sign_in(page, admin_email, PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Organisations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations")
    axe_check(page)
    expect(page.get_by_text("No organisations yet.")).to_be_visible()

    form = page.locator("section", has=page.get_by_role("heading", name="Add an organisation"))
    form.get_by_label("Name").fill("City of Ghent")
    form.get_by_label("Country").select_option(label="Belgium")
    form.get_by_label("Kind of organisation").select_option(label="City or municipality")
    submit(page, form.get_by_role("button", name="Add organisation"))
    expect(flash(page)).to_contain_text("City of Ghent is added.")
    row = page.get_by_role("table", name="All organisations").get_by_role("row", name=re.compile("City of Ghent"))
    expect(row).to_contain_text("Belgium")
    expect(row).to_contain_text("City or municipality")

    # Adding one without a country is refused, and says why.
    form = page.locator("section", has=page.get_by_role("heading", name="Add an organisation"))
    form.get_by_label("Name").fill("Nowhere")
    submit(page, form.get_by_role("button", name="Add organisation"))
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_contain_text("Country")

    visit(page, "/admin/organisations")
    page.get_by_role("link", name="City of Ghent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("City of Ghent")
    axe_check(page)
    reps = page.locator("section", has=page.get_by_role("heading", name="Representatives"))
    expect(reps).to_contain_text("None yet.")
    reps.get_by_label("Person").select_option(label=rep_label)
    submit(page, reps.get_by_role("button", name="Add representative"))
    expect(flash(page)).to_contain_text("Rita Representative now represents City of Ghent.")
    reps = page.locator("section", has=page.get_by_role("heading", name="Representatives"))
    expect(reps.get_by_role("listitem")).to_contain_text("Rita Representative")
    expect(reps.get_by_role("button", name="Remove Rita Representative")).to_be_visible()

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Outbox").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Outbox")
    axe_check(page)
    message = page.get_by_role("article", name="A test message")
    expect(message).to_contain_text("To someone@example.eu")
    expect(message).to_contain_text("this is the body.")


def test_people_who_are_not_admins_cannot_open_admin_pages(page, make_user):
    user = make_user()
    email = user.email
    release_db()
    sign_in(page, email, PASSWORD)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisations")).to_have_count(0)
    visit(page, "/admin/organisations", expect_status=403)
    expect(page.get_by_role("heading", level=1)).to_have_text("You are not allowed to do that")


# --- signing out ---------------------------------------------------------------------------

def test_after_signing_out_the_pages_need_sign_in_again(page, make_group):
    group, people = make_group(roles=("member",), name="Signed out group")
    member_email = people["member"].email
    group_id = group.id
    release_db()

    sign_in(page, member_email, PASSWORD)
    visit(page, f"/groups/{group_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Signed out group")
    sign_out(page)

    # Back does not show the group page from the cache: it asks again, and is sent to sign in.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("main")).not_to_contain_text("Signed out group")
    axe_check(page)

    for path in (f"/groups/{group_id}", "/profile", "/profile/tokens", "/groups/new"):
        visit(page, path)
        expect(page).to_have_url(re.compile(r"/login\?next="))
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
        expect(flash(page)).to_contain_text("Sign in to see this page.")

    # The home page is the public one again.
    visit(page, "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Agree on the words, together")
    expect(page.get_by_role("button", name=re.compile("^Sign out"))).to_have_count(0)

    # Signing in again after being sent to the login page leads back to where one was going.
    visit(page, f"/groups/{group_id}")
    page.get_by_label("E-mail address").fill(member_email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    submit(page, page.get_by_role("button", name="Sign in"))
    expect(page).to_have_url(re.compile(rf"/groups/{group_id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Signed out group")


# --- more of the same pages, in the states people meet them ------------------------------------

def test_password_reset_through_the_mailed_link(page, make_user):
    user = make_user(name="Forgetful Fred")
    email = user.email
    release_db()

    visit(page, "/password/forgot")
    page.get_by_label("E-mail address").fill(email)
    submit(page, page.get_by_role("button", name="Send the link"))
    expect(flash(page)).to_contain_text("we have sent it a link")

    visit(page, mailed_link(email, "/password/reset/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    expect(page.get_by_text("At least 10 characters.")).to_be_visible()
    page.get_by_label("New password").fill("short")
    submit(page, page.get_by_role("button", name="Save the new password"))
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    expect(page.get_by_label("New password")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("New password").fill("a-brand-new-password")
    submit(page, page.get_by_role("button", name="Save the new password"))
    expect(flash(page)).to_contain_text("Your password is changed. Sign in with the new one.")

    sign_in(page, email, "a-brand-new-password")
    expect(page.get_by_role("heading", level=1)).to_have_text("My working groups")
    expect(page.get_by_role("main")).to_contain_text("You are not in any working group yet.")


def test_a_person_with_an_account_signs_in_to_accept_an_invitation(page, make_group, make_user, live_server):
    from app.groups import services

    group, people = make_group(roles=(), name="Joint statement on heat pumps")
    guest = make_user(name="Gert Guest")
    guest_email = guest.email
    services.invite(people["coordinator"], group, guest_email, "observer",
                    lambda raw: f"{live_server}/invitations/{raw}")
    db.session.commit()
    link = mailed_link(guest_email, "/invitations/")

    visit(page, link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Joint statement on heat pumps")
    page.get_by_role("link", name="Sign in to accept").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    axe_check(page)
    page.get_by_label("E-mail address").fill(guest_email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    submit(page, page.get_by_role("button", name="Sign in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Joint statement on heat pumps")
    expect(page.get_by_role("main")).to_contain_text(f"You are signed in as {guest_email}")
    submit(page, page.get_by_role("button", name="Accept the invitation"))
    expect(flash(page)).to_contain_text("Welcome to Joint statement on heat pumps.")
    expect(page.get_by_text("Your role:")).to_contain_text("observer")


def test_starting_a_group_and_changing_its_settings(page, make_user):
    user = make_user(name="Stella Starter")
    email = user.email
    release_db()

    sign_in(page, email, PASSWORD)
    expect(page.get_by_role("main")).to_contain_text("You are not in any working group yet.")
    page.get_by_role("link", name="Start a working group").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a working group")
    axe_check(page)
    submit(page, page.get_by_role("button", name="Create the group"))
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary.get_by_role("link", name=re.compile("^Name of the working group"))).to_be_visible()
    page.get_by_label("Name of the working group").fill("Circular furniture")
    page.get_by_label("What the group works on").fill("Criteria for buying reused and repaired furniture.")
    submit(page, page.get_by_role("button", name="Create the group"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Circular furniture")
    expect(flash(page)).to_contain_text("The working group Circular furniture is created. You are its coordinator.")

    page.get_by_role("link", name="Group settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Group settings")
    axe_check(page)
    page.get_by_label("What the group works on").fill("Criteria for reused, repaired and remanufactured furniture.")
    submit(page, page.get_by_role("button", name="Save"))
    expect(flash(page)).to_contain_text("The group is saved.")
    expect(page.get_by_role("main")).to_contain_text("remanufactured furniture")

    visit(page, "/")
    card = page.get_by_role("listitem").filter(has=page.get_by_role("link", name="Circular furniture"))
    expect(card).to_contain_text("coordinator")


def test_a_member_reads_the_roles_and_leaves_the_group(page, make_group):
    group, people = make_group(roles=("member", "editor"), name="Procurement of clouds")
    member_email, group_id = people["member"].email, group.id
    release_db()

    sign_in(page, member_email, PASSWORD)
    visit(page, f"/groups/{group_id}")
    expect(page.get_by_text("Your role:")).to_contain_text("member")
    expect(page.get_by_role("main").get_by_role("combobox")).to_have_count(0)  # a member changes nobody's role
    expect(page.get_by_role("heading", name="Invite someone")).to_have_count(0)
    page.get_by_text("What each role may do").click()
    expect(page.get_by_role("term").filter(has_text="Coordinator")).to_be_visible()
    axe_check(page)  # with the explanation open

    submit(page, page.get_by_role("button", name="Leave this group"))
    expect(flash(page)).to_contain_text("You have left Procurement of clouds.")
    expect(page.get_by_role("heading", level=1)).to_have_text("My working groups")
    visit(page, f"/groups/{group_id}", expect_status=404)


def test_error_pages(page):
    visit(page, "/no/such/page", expect_status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not find that page")
    expect(page).to_have_title(re.compile("^Not found"))


@pytest.mark.parametrize("app_config", [{"ALLOW_SELF_REGISTRATION": True}])
def test_self_registration_when_the_installation_allows_it(page, make_organisation):
    make_organisation(name="Region of Lapland", country="FI", kind="region")
    release_db()

    visit(page, "/login")
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    axe_check(page)
    submit(page, page.get_by_role("button", name="Create account"))
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    page.get_by_label("E-mail address").fill("self.starter@example.eu")
    page.get_by_label("Full name").fill("Selma Starter")
    page.get_by_label("Password").fill("a-long-enough-password")
    page.get_by_label("Organisation").select_option(label="Region of Lapland")
    submit(page, page.get_by_role("button", name="Create account"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My working groups")


# --- small screens: WCAG 1.4.10, no scrolling in two directions at 320 CSS pixels ---------------

def assert_no_horizontal_scrolling(page):
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]} px wide in a {widths[1]} px window"


def test_pages_reflow_on_a_narrow_screen(new_page, make_group, make_user):
    group, people = make_group(name="A group with a rather long name for a narrow phone screen")
    admin = make_user(admin=True)
    coordinator_email, admin_email, group_id = people["coordinator"].email, admin.email, group.id
    release_db()

    page = new_page()
    page.set_viewport_size({"width": 320, "height": 640})
    for path in ("/", "/login", "/password/forgot"):
        visit(page, path)
        assert_no_horizontal_scrolling(page)

    sign_in(page, coordinator_email, PASSWORD)
    for path in ("/", f"/groups/{group_id}", "/profile", "/groups/new", "/profile/tokens"):
        visit(page, path)
        assert_no_horizontal_scrolling(page)
    # Stacked table rows keep their column names in view (the header row is hidden at this width).
    visit(page, f"/groups/{group_id}")
    first_cell = page.locator("table.table tbody tr").first.locator("td").first
    header = page.locator("table.table thead th").first.inner_text().strip()
    label = first_cell.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert header and label == f'"{header}"', (header, label)
    visit(page, "/profile/tokens")
    page.get_by_label("Token name").fill("a script")
    submit(page, page.get_by_role("button", name="Create token"))
    assert_no_horizontal_scrolling(page)

    admin_page = new_page()
    admin_page.set_viewport_size({"width": 320, "height": 640})
    sign_in(admin_page, admin_email, PASSWORD)
    for path in ("/admin/organisations", "/admin/outbox"):
        visit(admin_page, path)
        assert_no_horizontal_scrolling(admin_page)
