"""French public holidays for both pool regions, 2026–2030 (no database, no app)."""

from datetime import date, timedelta

import pytest

from expertpool.calendars import public_holidays, working_half_days

# Easter Sundays (Gregorian computus), written out so the test does not trust the code it checks.
EASTER = {
    2026: date(2026, 4, 5),
    2027: date(2027, 3, 28),
    2028: date(2028, 4, 16),
    2029: date(2029, 4, 1),
    2030: date(2030, 4, 21),
}
REGIONS = ("metropole", "alsace-moselle")


def _year(region, year):
    return public_holidays(region, date(year, 1, 1), date(year, 12, 31))


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("year", sorted(EASTER))
def test_common_holidays_in_both_regions(region, year):
    easter = EASTER[year]
    off = _year(region, year)
    for day in (
        easter + timedelta(days=1),  # lundi de Pâques
        easter + timedelta(days=39),  # Ascension
        easter + timedelta(days=50),  # lundi de Pentecôte
        date(year, 7, 14),
        date(year, 1, 1),
        date(year, 5, 1),
        date(year, 5, 8),
        date(year, 8, 15),
        date(year, 11, 1),
        date(year, 11, 11),
        date(year, 12, 25),
    ):
        assert day in off, (region, day)


@pytest.mark.parametrize("year", sorted(EASTER))
def test_good_friday_and_saint_stephen_only_in_alsace_moselle(year):
    good_friday, stephen = EASTER[year] - timedelta(days=2), date(year, 12, 26)
    metropole, alsace = _year("metropole", year), _year("alsace-moselle", year)
    assert good_friday not in metropole and stephen not in metropole
    assert good_friday in alsace and stephen in alsace
    assert set(alsace) - set(metropole) == {good_friday, stephen}


def test_names_are_french():
    off = _year("metropole", 2027)
    assert "Fête nationale" in off[date(2027, 7, 14)]
    assert "Ascension" in off[EASTER[2027] + timedelta(days=39)]


def test_range_spanning_years_and_unknown_region():
    off = public_holidays("metropole", date(2026, 12, 20), date(2027, 1, 5))
    assert set(off) == {date(2026, 12, 25), date(2027, 1, 1)}
    with pytest.raises(ValueError, match="unknown holiday region"):
        public_holidays("corse", date(2027, 1, 1), date(2027, 1, 2))


class _Expert:
    """What working_half_days needs from an expert (no database)."""

    def __init__(self, mask=(1 << 10) - 1):
        self.week_mask, self.unavailabilities = mask, []

    def works(self, weekday, half):
        return bool(self.week_mask & (1 << (2 * weekday + (0 if half == "am" else 1))))


def test_working_half_days_skip_holidays_per_region():
    # Holy week 2027: Good Friday 26 March, Easter Monday 29 March.
    expert = _Expert()
    metropole = working_half_days(expert, date(2027, 3, 26), date(2027, 3, 29), "metropole")
    alsace = working_half_days(expert, date(2027, 3, 26), date(2027, 3, 29), "alsace-moselle")
    assert metropole == [(date(2027, 3, 26), "am"), (date(2027, 3, 26), "pm")]
    assert alsace == []
