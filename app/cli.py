"""Command-line tools: `flask users create`, `flask seed-demo`, `flask audit-checkpoint`, `flask worker`,
`flask tasks` and `flask check-integrity`."""
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

    @app.cli.command("worker")
    @click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
                  help="Tasks run at once by this worker (renders are bounded by EXPORT_MAX_RENDERS anyway).")
    @click.option("--no-periodic", is_flag=True, help="Leave the periodic tasks to other workers.")
    def worker(threads, no_periodic):
        """Run a worker of the task queue: mail, renders and the periodic tasks (Ctrl-C stops it)."""
        import faulthandler
        import logging
        import signal

        from app.tasks import declared_names, queue_of

        faulthandler.register(signal.SIGUSR1)  # `kill -USR1 PID` prints what each thread is doing

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        queue = queue_of(app)
        click.echo(f"Worker of the {queue.backend} queue '{app.config['TASK_QUEUE_NAME']}' with {threads} threads; "
                   f"tasks: {', '.join(declared_names())}.")
        queue.huey.create_consumer(workers=threads, periodic=not no_periodic, worker_type="thread",
                                   initial_delay=0.05, backoff=1.5, max_delay=1.0).run()

    tasks = click.Group("tasks", help="Look at the task queue.")

    @tasks.command("status")
    def tasks_status():
        """Print what waits in the queue, the last runs of the periodic tasks and the latest failures."""
        from sqlalchemy import select

        from app.tasks import last_runs, queue_of
        from app.tasks.models import TaskFailure

        queue = queue_of(app)
        backlog = queue.backlog()
        click.echo(f"Queue: {backlog['backend']}, {backlog['pending']} waiting, {backlog['scheduled']} scheduled"
                   + (f", oldest waiting {backlog['oldest_pending_seconds']} s" if backlog["pending"] else ""))
        for name, at in sorted(last_runs().items()):
            click.echo(f"  {name}: last run {at:%Y-%m-%d %H:%M} UTC")
        for failure in db.session.scalars(select(TaskFailure).order_by(TaskFailure.id.desc()).limit(20)):
            click.echo(f"Failed {failure.failed_at:%Y-%m-%d %H:%M} {failure.name}{failure.arguments}: {failure.error}")

    app.cli.add_command(tasks)

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

    @app.cli.command("check-integrity")
    @click.option("--budget", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
                  help="Stop after this many seconds (default: INTEGRITY_BUDGET_SECONDS); the next run carries on.")
    def check_integrity(budget):
        """Replay the stored history and check version hashes and audit chains (exit code 1: problems open).

        Bounded in time: a run stops when its budget is spent and the next one carries on where it
        stopped. Site admins receive one e-mail when a run finds new problems."""
        from app.errors import Conflict
        from app.integrity.services import check_integrity as run_check
        from app.tasks import wait_idle

        try:
            report = run_check(budget, trigger="command")
        except Conflict as exc:
            raise click.ClickException(exc.message) from exc
        wait_idle(60)  # with TASK_WORKERS the admins' mail is handed over before the command ends
        click.echo(report.summary())
        if not report.ok:
            raise SystemExit(1)
