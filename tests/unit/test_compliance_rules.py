"""The rules French law fixes: the RGAA status from an audit's rate, and the month arithmetic of the
retention periods."""

from datetime import UTC, datetime

import pytest

from expertpool.compliance import Conformity, conformity, months_before


@pytest.mark.parametrize(
    ("rate", "status"),
    [
        (None, Conformity.NONE),  # no audit entered: never more than "non conforme"
        (0, Conformity.NONE),
        (49, Conformity.NONE),
        (50, Conformity.PARTIAL),
        (99, Conformity.PARTIAL),
        (100, Conformity.FULL),
    ],
)
def test_the_conformity_status_follows_the_audit_rate(rate, status):
    assert conformity(rate) == status


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2027, 3, 31, 9, tzinfo=UTC), 1, datetime(2027, 2, 28, 9, tzinfo=UTC)),
        (datetime(2028, 3, 31, 9, tzinfo=UTC), 1, datetime(2028, 2, 29, 9, tzinfo=UTC)),
        (datetime(2027, 1, 11, 9, tzinfo=UTC), 6, datetime(2026, 7, 11, 9, tzinfo=UTC)),
        (datetime(2027, 1, 11, 9, tzinfo=UTC), 120, datetime(2017, 1, 11, 9, tzinfo=UTC)),
    ],
)
def test_months_before(moment, months, expected):
    assert months_before(moment, months) == expected
