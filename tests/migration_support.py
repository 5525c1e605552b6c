"""An empty database to run the Alembic migrations on (both kinds), for the migration tests."""

import pytest
import sqlalchemy as sa


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
