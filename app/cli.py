"""Command-line tools: `flask users create`, `flask seed-demo` and `flask audit-checkpoint`."""
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

    @app.cli.command("audit-checkpoint")
    @click.option("--group", "group_id", type=int, help="Only this working group (default: every group).")
    def audit_checkpoint(group_id):
        """Seal a checkpoint of each group's audit chain whose head moved since the last (run it from cron).

        Prints each new checkpoint as one JSON line, signature included: keep that output away from
        the database (a log host, a mail), so even deleting the checkpoints along with the newest
        events cannot go unseen."""
        import json

        from sqlalchemy import select

        from app.audit.checkpoints import CheckpointKeyUnavailable, checkpoint_json, seal_key
        from app.audit.services import seal_current_heads
        from app.groups.models import Group

        try:
            key = seal_key()
        except CheckpointKeyUnavailable as exc:
            raise click.ClickException(str(exc)) from exc
        if group_id is not None and db.session.get(Group, group_id) is None:
            raise click.ClickException(f"No working group {group_id}.")
        group_ids = [group_id] if group_id is not None else \
            list(db.session.scalars(select(Group.id).order_by(Group.id)))
        sealed = seal_current_heads(group_ids, key)
        db.session.commit()
        for checkpoint in sealed:
            click.echo(json.dumps(checkpoint_json(checkpoint), sort_keys=True))
        click.echo(f"Sealed {len(sealed)} checkpoint{'s' if len(sealed) != 1 else ''} "
                   f"({len(group_ids) - len(sealed)} of {len(group_ids)} groups already current).", err=True)
