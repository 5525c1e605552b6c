"""The Alembic migrations go up, down and up again on both databases, and give the models' schema."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from expertpool import create_app
from expertpool.extensions import db

pytestmark = [
    pytest.mark.filterwarnings("ignore:autogenerate skipping:UserWarning"),
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index"),
]


@pytest.fixture
def empty_database_url(db_kind, tmp_path):
    if db_kind == "sqlite":
        return "sqlite:///" + str(tmp_path / "migrations.sqlite3")
    from conftest import POSTGRES_ADMIN_URL, POSTGRES_DB_SUFFIX, ensure_postgres_database

    engine = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        # The database ensure_postgres_database makes (with this run's suffix), or a stale one survives.
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "expertpool_migrations{POSTGRES_DB_SUFFIX}" WITH (FORCE)'))
    engine.dispose()
    return ensure_postgres_database("expertpool_migrations")


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade_matches_the_models(empty_database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        assert _tables(db.engine) == set(db.metadata.tables)
        downgrade(revision="base")
        assert _tables(db.engine) == set()
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        # The expression index autogenerate cannot see is in the migration too.
        with db.engine.begin() as conn:
            insert = sa.text(
                "INSERT INTO users (email, name, role, locale, active, session_token, created_at) "
                "VALUES (:e, 'X', 'admin', 'fr', :t, :s, CURRENT_TIMESTAMP)"
            )
            conn.execute(insert, {"e": "a@b.fr", "t": True, "s": "s1"})
            with pytest.raises(sa.exc.IntegrityError):
                conn.execute(insert, {"e": "A@B.FR", "t": True, "s": "s2"})
        db.session.remove()
        db.engine.dispose()


def test_there_is_a_single_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from expertpool.resources import resource_dir

    config = Config()
    config.set_main_option("script_location", resource_dir("migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
