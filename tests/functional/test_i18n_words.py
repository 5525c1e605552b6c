"""Counts read with the right plural and dates the French way, in both languages."""

from datetime import date

import pytest
from flask_babel import force_locale

from expertpool.coordination.member_views import import_counts_text
from expertpool.i18n import date_long, date_short, day_month, days_label


@pytest.fixture
def request_ctx(app):
    with app.test_request_context("/"):
        yield


@pytest.mark.parametrize(
    ("locale", "day", "expected"),
    [
        ("fr", date(2027, 1, 1), "1er janvier 2027"),
        ("fr", date(2027, 1, 10), "10 janvier 2027"),
        ("fr", date(2027, 1, 11), "11 janvier 2027"),
        ("en", date(2027, 1, 1), "1 January 2027"),
    ],
)
def test_the_first_of_the_month_reads_1er_in_french(request_ctx, locale, day, expected):
    with force_locale(locale):
        assert date_long(day) == expected


def test_short_dates_and_day_months_write_1er_too(request_ctx):
    with force_locale("fr"):
        assert date_short(date(2027, 3, 1)) == "lun. 1er mars"
        assert date_short(date(2027, 3, 11)) == "jeu. 11 mars"
        assert day_month(date(2027, 3, 1)) == "1er mars"
    with force_locale("en"):
        assert date_short(date(2027, 3, 1)) == "Mon 1 Mar"


@pytest.mark.parametrize(
    ("locale", "counts", "done", "expected"),
    [
        (
            "fr",
            {"created": 1, "updated": 0, "unchanged": 2, "rejected": 1},
            True,
            "1 structure créée, 0 mise à jour, 2 inchangées, 1 ligne rejetée.",
        ),
        (
            "fr",
            {"created": 2, "updated": 3, "unchanged": 1, "rejected": 0},
            False,
            "2 structures à créer, 3 à mettre à jour, 1 inchangée, 0 ligne rejetée.",
        ),
        (
            "en",
            {"created": 1, "updated": 0, "unchanged": 2, "rejected": 1},
            True,
            "1 member created, 0 updated, 2 unchanged, 1 row rejected.",
        ),
        (
            "en",
            {"created": 0, "updated": 1, "unchanged": 1, "rejected": 2},
            False,
            "0 members to create, 1 to update, 1 unchanged, 2 rows rejected.",
        ),
    ],
)
def test_import_counts_agree_with_their_number(request_ctx, locale, counts, done, expected):
    with force_locale(locale):
        assert import_counts_text(counts, done=done) == expected


def test_days_agree_with_their_number(request_ctx):
    with force_locale("fr"):
        assert [days_label(n) for n in (1, 2, 3, 4, 5)] == ["0,5 jour", "1 jour", "1,5 jour", "2 jours", "2,5 jours"]
    with force_locale("en"):
        assert [days_label(n) for n in (1, 2, 3)] == ["0.5 days", "1 day", "1.5 days"]
