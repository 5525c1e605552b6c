"""Migration 20261208_whatif2 seeds the weekly-pattern history: one version per expert, since its
creation; an expert deactivated before is taken as gone since its last deactivation (audit log)."""

from datetime import date

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from migration_support import empty_database_url  # noqa: F401 - the fixture

from expertpool import create_app
from expertpool.extensions import db

pytestmark = [
    pytest.mark.filterwarnings("ignore:autogenerate skipping:UserWarning"),
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index"),
]


def test_the_migration_seeds_one_version_per_expert(empty_database_url):  # noqa: F811
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="20261207_api14")
        with db.engine.begin() as conn:
            expert = sa.text(
                "INSERT INTO experts (id, display_name, bio, day_rate_cents, week_mask, works_on_site, works_remote,"
                " active, work_phone, contact_shown, created_at, search_name, search_profile, search_bio)"
                " VALUES (:id, :name, '', 0, :mask, :t, :t, :active, '', 'email', :created, '', '', '')"
            )
            conn.execute(
                expert,
                {"id": 1, "name": "Anne", "mask": 1023, "t": True, "active": True, "created": "2025-03-04 09:00:00"},
            )
            conn.execute(
                expert,
                {"id": 2, "name": "Bruno", "mask": 3, "t": True, "active": False, "created": "2025-01-02 09:00:00"},
            )
            conn.execute(
                expert,
                {"id": 3, "name": "Chloé", "mask": 3, "t": True, "active": False, "created": "2025-01-02 09:00:00"},
            )
            audit = sa.text(
                "INSERT INTO audit_log (at, action, entity_type, entity_id, expert_id)"
                " VALUES (:at, 'expert.deactivate', 'experts', :id, :id)"
            )
            conn.execute(audit, {"at": "2026-02-10 10:00:00", "id": 2})
            conn.execute(audit, {"at": "2026-06-18 10:00:00", "id": 2})  # reactivated in between
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT expert_id, week_mask, valid_from, valid_until FROM week_pattern_versions ORDER BY expert_id"
                )
            ).all()
        as_dates = [(e, m, _day(f), _day(u) if u else None) for e, m, f, u in rows]
        # Chloé left with no audit row to tell when: no version (no replay counted her before either).
        assert as_dates == [
            (1, 1023, date(2025, 3, 4), None),
            (2, 3, date(2025, 1, 2), date(2026, 6, 17)),
        ]
        db.session.remove()
        db.engine.dispose()


def _day(value) -> date:
    return date.fromisoformat(str(value)[:10])
