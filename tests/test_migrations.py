"""The schema comes only from the migrations, and they agree with the models."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Migrate

from app.extensions import db


def test_the_migrated_database_matches_the_models(app):
    """On whichever database TEST_DATABASE_URL names: `flask db migrate` would find nothing to do."""
    configure = app.extensions["migrate"].configure_args
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": configure.get("compare_type", True),
            "compare_server_default": True,
            "render_as_batch": configure.get("render_as_batch", False),
        })
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "models and migrations disagree:\n" + "\n".join(map(str, differences))


def test_the_database_is_at_the_single_head_revision(app):
    migrate: Migrate = app.extensions["migrate"]
    config = migrate.migrate.get_config(migrate.directory)
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"the migrations branch: {heads}"
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_heads() == tuple(heads)


def test_every_table_of_the_models_exists(app):
    from sqlalchemy import inspect

    existing = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= existing
