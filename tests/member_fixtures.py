"""Fixtures of the member-journey tests, loaded with `pytest_plugins = ["member_fixtures"]`."""

import pytest
from member_support import Pool, make_pool


@pytest.fixture
def member_clock(frozen_clock):
    """Every member view sees FIXED_NOW (Monday 11 January 2027, 10:00 in Paris)."""
    return frozen_clock


@pytest.fixture
def member_pool(factory) -> Pool:
    return make_pool(factory)
