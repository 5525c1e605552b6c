"""The Alembic migrations go up, down and up again on both databases, and give the models' schema."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from migration_support import empty_database_url  # noqa: F401 - the fixture

from expertpool import create_app
from expertpool.extensions import db

pytestmark = [
    pytest.mark.filterwarnings("ignore:autogenerate skipping:UserWarning"),
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index"),
]


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade_matches_the_models(empty_database_url):  # noqa: F811 - the fixture
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
