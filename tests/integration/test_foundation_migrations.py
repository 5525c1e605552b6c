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


def test_the_stored_positions_migration_fills_them_for_an_existing_pool(empty_database_url):  # noqa: F811 - the fixture
    """A pool migrated with members, quotas and bookings gets every position stored, equal to the live
    ones (rows written in plain SQL before the table exists: no session hook is involved)."""
    from datetime import date

    from expertpool import position_store
    from expertpool.models import Booking, Expert, InterventionRequest, Member, Quota, QuotaPeriod, Role

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="20261208_pages13")  # the revision before stored13
        with db.engine.begin() as conn:

            def add(model, **values) -> int:
                return conn.execute(sa.insert(model.__table__).values(**values)).inserted_primary_key[0]

            period = add(QuotaPeriod, name="2027", start_date=date(2027, 1, 1), end_date=date(2027, 12, 31))
            member = add(Member, name="Commune migrée", kind="commune", insee_code="01001")
            add(Quota, period_id=period, member_id=member, kind="own", entitled_half_days=2)
            role = add(Role, code="dba", label="DBA")
            expert = add(Expert, display_name="Experte")
            request = add(
                InterventionRequest,
                member_id=member,
                role_id=role,
                title="Sauvegardes",
                half_days=3,
                earliest=date(2027, 2, 1),
                deadline=date(2027, 2, 28),
                status="scheduled",
            )
            for day in (1, 2, 3):
                add(Booking, request_id=request, expert_id=expert, date=date(2027, 2, day), half="am")
        upgrade()
        assert position_store.differences(db.session) == []
        stored = position_store.read(db.session, [member], period)[(member, "own")]
        assert (stored.total, stored.planned, stored.over_quota) == (2, 3, 1)
        db.session.remove()
        db.engine.dispose()
