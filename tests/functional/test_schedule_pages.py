"""The schedule shown to coordinators is the one the scheduler really follows, even when the stored rule
is unreadable (the home used to show no next run there while the scheduler ran on its default rule)."""

from datetime import UTC, datetime

import pytest
from factories import FIXED_NOW

from expertpool import jobs, schedule
from expertpool.models import UserRole


@pytest.fixture
def coordinator_at_fixed_now(factory, login, frozen_clock):
    """A coordinator logged in, on pages that see FIXED_NOW (Monday 11 January 2027, 10:00 in Paris)."""
    login(factory.user(role=UserRole.COORDINATOR))


def test_home_shows_the_default_rule_the_scheduler_falls_back_to(app, client, db, factory, coordinator_at_fixed_now):
    factory.settings(scheduler_cron="tous les matins")
    db.session.commit()
    page = client.get("/coordination/").text
    # The scheduler's own trigger for that setting: its next fire time is what the home announces.
    fire = jobs.build_scheduler(app).get_job("allocation").trigger.get_next_fire_time(None, FIXED_NOW)
    assert fire.astimezone(UTC) == datetime(2027, 1, 12, 5, 0, tzinfo=UTC)  # Tuesday 06:00 in Paris
    assert "12 janv. 2027 06:00" in page
    assert "Réglage de planification illisible : « tous les matins »." in page
    assert "Le planificateur suit la règle par défaut." in page
    assert "Passage automatique du lundi au vendredi à 06:00 (heure de Paris)." in page


def test_home_and_planning_page_describe_a_readable_rule_alike(client, db, factory, coordinator_at_fixed_now):
    factory.settings(scheduler_cron="15 7 * * mon,wed,fri")
    db.session.commit()
    home = client.get("/coordination/").text
    planning = client.get("/planification/").text
    assert "illisible" not in home
    assert "13 janv. 2027 07:15" in home  # Wednesday
    assert "Passage automatique le lundi, mercredi, vendredi à 07:15 (heure de Paris)." in home
    assert "le lundi, mercredi, vendredi à 07:15 (heure de Paris)" in planning
    assert "13 janv. 2027 07:15" in planning


def test_settings_form_and_scheduler_agree_on_what_is_readable():
    assert schedule.is_valid("0 6 * * mon-fri") and not schedule.is_valid("every morning")
    assert schedule.effective("every morning").cron == schedule.DEFAULT_CRON
