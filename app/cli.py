"""Command-line tools: `flask users create` and `flask seed-demo`."""
from __future__ import annotations

import click
from flask import Flask

from app.errors import AccordError
from app.extensions import db


def register_cli(app: Flask) -> None:
    users = click.Group("users", help="Manage user accounts.")

    @users.command("create")
    @click.argument("email")
    @click.option("--name", required=True, help="The person's full name.")
    @click.option("--password", required=True, help="At least 10 characters.")
    @click.option("--admin", is_flag=True, help="Make the account a site administrator.")
    def create(email, name, password, admin):
        """Create an account (site administrators are only made here)."""
        from app.auth.services import create_user

        try:
            user = create_user(email, name, password, is_admin=admin)
            db.session.commit()
        except AccordError as exc:
            db.session.rollback()
            lines = [exc.message] + [f"  {field}: {message}" for field, message in exc.details.get("fields", {}).items()
                                     if message != exc.message]
            raise click.ClickException("\n".join(lines)) from exc
        click.echo(f"Created {'site admin' if admin else 'user'} {user.email} (id {user.id}).")

    app.cli.add_command(users)

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
    def seed_demo(if_empty):
        """Fill the database with a believable demo working group (idempotent)."""
        from app.demo import seed_demo as run_seed

        created = run_seed(only_if_empty=if_empty)
        db.session.commit()
        click.echo("Demo data created. Sign in as coordinator@demo.accord.eu / demo-password-2026."
                   if created else "Demo data already present; nothing changed.")
