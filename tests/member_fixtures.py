"""Fixtures of the member-journey tests, loaded with `pytest_plugins = ["member_fixtures"]`."""

import pytest
from factories import FIXED_NOW
from member_support import Pool, make_pool


@pytest.fixture
def member_clock(monkeypatch):
    """Every member view sees FIXED_NOW (Monday 11 January 2027, 10:00 in Paris)."""
    for module in ("expertpool.requests.views", "expertpool.catalogue.views"):
        monkeypatch.setattr(f"{module}.now_utc", lambda: FIXED_NOW)
    return FIXED_NOW


@pytest.fixture
def member_pool(factory) -> Pool:
    return make_pool(factory)
