"""`/healthz` (the process answers) and `/readyz` (the database answers and its schema is at the
migrations' head), in JSON, without login and without anything secret (no URL, no error text)."""

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from expertpool.extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    return jsonify(status="ok")


def migration_heads() -> set[str]:
    """The heads of the migration scripts shipped with this code (read once per process)."""
    heads = current_app.extensions.get("expertpool_migration_heads")
    if heads is None:
        heads = set(ScriptDirectory(current_app.config["MIGRATIONS_DIR"]).get_heads())
        current_app.extensions["expertpool_migration_heads"] = heads
    return heads


@bp.route("/readyz")
def readyz():
    try:
        connection = db.session.connection()
        connection.execute(text("SELECT 1"))
        current = set(MigrationContext.configure(connection).get_current_heads())
        db.session.rollback()
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable", migrations="unknown"), 503
    if current != migration_heads():
        return jsonify(status="unavailable", database="ok", migrations="behind"), 503
    return jsonify(status="ready", database="ok", migrations="at_head")
