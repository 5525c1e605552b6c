"""How many working half-days a request's window holds: weekends and the pool's holidays count for
nothing, Alsace-Moselle has two more holidays (no database, no app)."""

from datetime import date

import pytest

from expertpool.calendars import window_half_days


@pytest.mark.parametrize("region", ["metropole", "alsace-moselle"])
def test_a_plain_week_holds_ten_half_days(region):
    assert window_half_days(date(2027, 1, 11), date(2027, 1, 15), region) == 10  # Monday to Friday


@pytest.mark.parametrize("region", ["metropole", "alsace-moselle"])
def test_weekends_hold_nothing(region):
    assert window_half_days(date(2027, 1, 16), date(2027, 1, 17), region) == 0  # Saturday and Sunday
    assert window_half_days(date(2027, 1, 15), date(2027, 1, 18), region) == 4  # Friday to Monday


def test_one_day_holds_two_half_days():
    assert window_half_days(date(2027, 1, 20), date(2027, 1, 20), "metropole") == 2


def test_an_empty_window_holds_nothing():
    assert window_half_days(date(2027, 1, 20), date(2027, 1, 19), "metropole") == 0


def test_public_holidays_hold_nothing():
    # Wednesday 14 July 2027 (fête nationale) in a Monday–Friday week.
    assert window_half_days(date(2027, 7, 12), date(2027, 7, 16), "metropole") == 8
    # Ascension Thursday 6 May 2027 and Whit Monday 17 May 2027.
    assert window_half_days(date(2027, 5, 3), date(2027, 5, 7), "metropole") == 8
    assert window_half_days(date(2027, 5, 17), date(2027, 5, 17), "metropole") == 0


def test_alsace_moselle_adds_good_friday_and_saint_stephen():
    # Good Friday 26 March 2027: a working day in metropolitan France, a holiday in Alsace-Moselle.
    assert window_half_days(date(2027, 3, 26), date(2027, 3, 26), "metropole") == 2
    assert window_half_days(date(2027, 3, 26), date(2027, 3, 26), "alsace-moselle") == 0
    # Tuesday 26 December 2028, likewise; Christmas Monday is off everywhere.
    assert window_half_days(date(2028, 12, 25), date(2028, 12, 29), "metropole") == 8
    assert window_half_days(date(2028, 12, 25), date(2028, 12, 29), "alsace-moselle") == 6


def test_a_window_across_the_new_year():
    # 31 December 2027 (Friday) to 3 January 2028 (Monday): 1 January is a Saturday anyway.
    assert window_half_days(date(2027, 12, 31), date(2028, 1, 3), "metropole") == 4


def test_an_unknown_region_is_an_error():
    with pytest.raises(ValueError, match="unknown holiday region"):
        window_half_days(date(2027, 1, 11), date(2027, 1, 15), "corse")
