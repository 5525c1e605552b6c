"""The number of days of a request: half-day steps, decimal comma or point, 0.5 to 60 days, nothing else."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from expertpool.i18n import days_input as days_text
from expertpool.requests.forms import parse_request_days as parse_days


@pytest.mark.parametrize(
    ("text", "half_days"),
    [
        ("0,5", 1),
        ("0.5", 1),
        ("1", 2),
        ("2,5", 5),
        ("2.5", 5),
        (" 12,0 ", 24),
        ("60", 120),
        ("60,0", 120),
    ],
)
def test_accepted(text, half_days):
    assert parse_days(text) == half_days


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "0",
        "0,0",
        "0,3",
        "0.3",
        "0,25",
        "-1",
        "60,5",
        "61",
        "1e9",
        "1E1",
        "NaN",
        "nan",
        "Infinity",
        "-inf",
        "deux",
        "2,5 jours",
        "1/2",
        "2,,5",
        "0x10",
        "x" * 30,
        "1" * 25,
        None,
    ],
)
def test_refused(text):
    with pytest.raises(ValueError):  # noqa: PT011 - any refusal is a ValueError by contract
        parse_days(text)


@given(st.text(max_size=25))
def test_any_text_is_refused_or_a_valid_number_of_half_days(text):
    try:
        half_days = parse_days(text)
    except ValueError:
        return
    assert isinstance(half_days, int) and 1 <= half_days <= 120


@given(st.integers(min_value=1, max_value=120))
def test_shown_value_reads_back(half_days):
    shown = days_text(half_days)
    assert parse_days(shown) == half_days
    assert Decimal(shown.replace(",", ".")) * 2 == half_days


def test_the_one_days_parser_reads_signs_and_says_why_it_refuses():
    from expertpool.i18n import DaysError
    from expertpool.i18n import parse_days as parse_any_days

    assert [parse_any_days(t) for t in ("-2", "0", " 1,5 ", "1.5", "300")] == [-4, 0, 3, 3, 600]
    with pytest.raises(DaysError) as step:
        parse_any_days("2,25")
    assert step.value.not_half_days
    for text in ("1 2", "2,5 jours", "1e1", "", None):
        with pytest.raises(DaysError) as refused:
            parse_any_days(text)
        assert not refused.value.not_half_days
