"""The command line: `flask users create` and `flask seed-demo`."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.auth.services import authenticate
from app.extensions import db
from app.groups.models import Group, Membership
from app.organisations.models import Organisation, Representative

PASSWORD = "a-long-admin-password"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def create(runner, *args):
    return runner.invoke(args=["users", "create", *args])


def test_users_create_makes_a_site_admin(runner):
    result = create(runner, "Admin@Example.EU", "--name", "Site Admin", "--password", PASSWORD, "--admin")
    assert result.exit_code == 0, result.output
    assert "Created site admin admin@example.eu" in result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.name, user.is_admin) == ("admin@example.eu", "Site Admin", True)
    assert user.password_hash.startswith("scrypt:")
    assert authenticate("admin@example.eu", PASSWORD) is not None


def test_users_create_without_admin_makes_an_ordinary_user(runner):
    result = create(runner, "person@example.eu", "--name", "Person", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Created user person@example.eu" in result.output
    assert db.session.scalar(select(User.is_admin)) is False


def test_the_admin_made_on_the_command_line_can_manage_organisations(runner, api):
    create(runner, "admin@example.eu", "--name", "Site Admin", "--password", PASSWORD, "--admin")
    token = api().post("/api/v1/tokens", json={"email": "admin@example.eu", "password": PASSWORD}).get_json()["token"]
    client = api()
    client.headers = {"Authorization": f"Bearer {token}"}
    response = client.post("/api/v1/organisations", json={"name": "City of Ghent", "country": "BE"})
    assert response.status_code == 201, response.get_json()
    assert db.session.execute(select(Organisation.name, Organisation.country)).all() == [("City of Ghent", "BE")]
    assert client.get(f"/api/v1/organisations/{response.get_json()['id']}").get_json()["name"] == "City of Ghent"


@pytest.mark.parametrize("email", ["admin@example.eu", "ADMIN@example.eu"])
def test_users_create_refuses_a_duplicate_with_a_clear_message(runner, email):
    create(runner, "admin@example.eu", "--name", "Site Admin", "--password", PASSWORD, "--admin")
    result = create(runner, email, "--name", "Someone Else", "--password", PASSWORD)
    assert result.exit_code != 0
    assert result.output.count("already exists") == 1
    assert "Traceback" not in result.output
    assert count(User) == 1


@pytest.mark.parametrize("args, message", [
    (["admin@example.eu", "--name", "Admin", "--password", "short"], "at least 10 characters"),
    (["not-an-address", "--name", "Admin", "--password", PASSWORD], "email"),
    (["admin@example.eu", "--name", "", "--password", PASSWORD], "name"),
    (["admin@example.eu", "--name", "x" * 121, "--password", PASSWORD], "At most 120 characters"),
])
def test_users_create_refuses_bad_input_with_a_clear_message(runner, args, message):
    result = create(runner, *args)
    assert result.exit_code != 0
    assert message in result.output
    assert result.output.startswith("Error: Some fields are not valid.\n")
    assert count(User) == 0


def test_users_create_needs_a_name_and_a_password(runner):
    result = create(runner, "admin@example.eu")
    assert result.exit_code != 0
    assert "--name" in result.output
    assert count(User) == 0


def demo_counts() -> dict:
    return {model.__name__: count(model) for model in (User, Organisation, Representative, Group, Membership)}


def test_seed_demo_creates_a_living_demo(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo data created" in result.output
    group = db.session.scalar(select(Group))
    assert group.name == "Socially responsible ICT procurement"
    roles = db.session.scalars(select(Membership.role).where(Membership.group_id == group.id)).all()
    assert set(roles) == {"observer", "member", "editor", "coordinator"}
    countries = set(db.session.scalars(select(Organisation.country)))
    assert len(countries) >= 5
    assert count(Representative) >= 5
    # Every organisation has a contact, so a coordinator's request for a representative reaches someone.
    from app.organisations.models import OrganisationContact

    assert set(db.session.scalars(select(OrganisationContact.organisation_id))) == \
        set(db.session.scalars(select(User.organisation_id).where(User.organisation_id.is_not(None))))
    admin = db.session.scalar(select(User).where(User.is_admin.is_(True)))
    assert admin is not None
    assert authenticate("coordinator@demo.accord.eu", "demo-password-2026") is not None


def test_seed_demo_is_idempotent(runner):
    runner.invoke(args=["seed-demo"])
    before = demo_counts()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "already present" in result.output
    assert demo_counts() == before


def test_seed_demo_if_empty_leaves_a_used_database_alone(runner, make_user):
    make_user()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert count(Group) == 0 and count(User) == 1


def test_the_demo_people_can_sign_in_and_see_their_group(runner, client, login):
    runner.invoke(args=["seed-demo"])
    observer = db.session.scalar(select(User).where(User.email == "erik.lindqvist@demo.accord.eu"))
    login(client, observer, password="demo-password-2026")
    group = db.session.scalar(select(Group))
    page = client.get(f"/groups/{group.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert group.name in html and observer.name in html  # their group's page, with them among its members
