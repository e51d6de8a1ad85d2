"""Alembic environment: runs migrations on the app's own database connection.

Started by Flask-Migrate (`flask db upgrade`), so the database URL and the models'
metadata come from the Flask app, never from alembic.ini.
"""

import logging

from alembic import context
from flask import current_app

log = logging.getLogger("alembic.env")

config = context.config
db = current_app.extensions["migrate"].db
engine = db.engine
# SQLite cannot alter most columns in place; batch mode rebuilds the table instead.
render_as_batch = engine.dialect.name == "sqlite"


def skip_empty_autogenerate(context, revision, directives):
    """Write no revision file when autogenerate finds nothing to change."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        log.info("No changes in schema detected.")


def run_offline() -> None:
    context.configure(
        url=engine.url.render_as_string(hide_password=False),
        target_metadata=db.metadata,
        literal_binds=True,
        render_as_batch=render_as_batch,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    options.setdefault("compare_type", True)
    options.setdefault("render_as_batch", render_as_batch)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by copying and dropping it, and SQLite refuses
            # to drop a table that other rows point at while foreign keys are enforced.
            # The pragma only works outside a transaction, hence the driver connection;
            # every key is checked again before the migrations commit.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(
                connection=connection,
                target_metadata=db.metadata,
                **options,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migrations broke foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_offline()
else:
    run_online()
