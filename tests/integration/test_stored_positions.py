"""The stored drawing-right positions (what the dashboard and the coordinator home read) equal
`quotas.positions()` computed live, for every member and period, after every kind of write.

Each write goes through its service and is committed as a view commits it; the stored rows must have
moved with it (except a move within the same period, which moves no figure) and equal the live ones.
"""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from expertpool import approval, envelopes, extensions, position_store
from expertpool.agenda.delivery import record_delivery
from expertpool.coordination.members import update_member
from expertpool.coordination.quota_periods import adjust_quota
from expertpool.models import Booking, RequestStatus, StoredPosition, UserRole
from expertpool.planning.moves import move_booking
from expertpool.planning.service import run_allocation
from expertpool.quota_policies import open_period
from expertpool.requests import services as request_services

NOW = datetime(2027, 2, 15, 9, 0, tzinfo=UTC)  # a Monday
TODAY = date(2027, 2, 15)


class World:
    """An EPCI with an envelope and two communes, an independent commune, one expert, and requests in
    every state a write starts from; committed (its stored positions written by that commit)."""

    def __init__(self, db, factory):
        factory.settings(auto_approve_max_half_days=0, horizon_weeks=8, unit_price_cents=18000)
        self.period = factory.period(2027, half_days=2)
        self.epci = factory.member("Communauté", kind="epci", holds_envelope=True)
        self.a = factory.member("Commune A", parent_id=self.epci.id)
        self.b = factory.member("Commune B", parent_id=self.epci.id)
        self.c = factory.member("Commune C")
        factory.quota(self.epci, self.period, 2)
        factory.quota(self.epci, self.period, 4, kind="envelope")
        factory.quota(self.a, self.period, 2)
        factory.quota(self.b, self.period, 1)
        self.quota_c = factory.quota(self.c, self.period, 2)
        self.expert = factory.expert("Xavier")
        self.coordinator = factory.user(UserRole.COORDINATOR)
        self.user_a = factory.user(member=self.a)
        self.user_c = factory.user(member=self.c)
        window = {"earliest": date(2027, 1, 20), "deadline": date(2027, 3, 31)}
        self.done = factory.request(self.a, status=RequestStatus.SCHEDULED, half_days=2, **window)
        for half in ("am", "pm"):
            factory.booking(self.done, self.expert, date(2027, 2, 1), half)
        self.future = factory.request(self.a, status=RequestStatus.SCHEDULED, half_days=3, **window)
        for day, half in ((date(2027, 3, 1), "am"), (date(2027, 3, 1), "pm"), (date(2027, 3, 2), "am")):
            factory.booking(self.future, self.expert, day, half)
        self.approved = factory.request(
            self.b, status=RequestStatus.APPROVED, half_days=3, decided_at=NOW, **{**window, "earliest": TODAY}
        )
        self.waiting = factory.request(self.c, status=RequestStatus.SUBMITTED, half_days=3, **window)
        db.session.commit()


@pytest.fixture
def world(db, factory, travel_to):
    travel_to(NOW)
    return World(db, factory)


def _submit(w):
    data = {
        "title": "Sauvegardes",
        "description": "",
        "role_id": w.done.role_id,
        "preferred_expert_id": None,
        "half_days": 4,
        "earliest": date(2027, 3, 1),
        "deadline": date(2027, 4, 30),
        "urgency": "normal",
        "on_site": False,
        "address": "",
    }
    request_services.create_request(w.c.id, actor=w.user_c, now=NOW, data=data, submit=True)


def _first_booking(req, day):
    return next(b for b in req.bookings if b.date == day and b.half == "am")


WRITES = {
    "submit": _submit,
    "approve": lambda w: approval.approve_request(w.waiting, actor=w.coordinator, now=NOW, half_days=2),
    "reject": lambda w: approval.reject_request(w.waiting, actor=w.coordinator, now=NOW, reason="Hors périmètre"),
    "cancel": lambda w: request_services.cancel_request(w.future, actor=w.user_a, now=NOW, reason="Plus besoin"),
    "schedule run commit": lambda w: run_allocation(actor=w.coordinator, now=NOW, mode="commit"),
    "move": lambda w: move_booking(
        _first_booking(w.future, date(2027, 3, 1)),
        expert=w.expert,
        day=date(2027, 3, 3),
        half="am",
        actor=w.coordinator,
        now=NOW,
    ),
    "deliver": lambda w: record_delivery(
        _first_booking(w.done, date(2027, 2, 1)), delivered=True, note="", actor=w.coordinator, now=NOW, today=TODAY
    ),
    "half-day booked by hand": lambda w: extensions.db.session.add(
        Booking(request_id=w.approved.id, expert_id=w.expert.id, date=date(2027, 3, 4), half="pm")
    ),
    "quota change": lambda w: setattr(w.quota_c, "entitled_half_days", 0),
    "adjustment": lambda w: adjust_quota(
        w.b, w.period, kind="own", delta=-1, reason="Délibération", actor=w.coordinator, now=NOW
    ),
    "envelope adjustment": lambda w: adjust_quota(
        w.epci, w.period, kind="envelope", delta=-3, reason="Délibération", actor=w.coordinator, now=NOW
    ),
    "envelope cap": lambda w: envelopes.set_cap(w.epci, w.a, w.period, 0, actor=w.coordinator, now=NOW),
    "member joins an EPCI": lambda w: update_member(w.c, {"parent_id": w.epci.id}, actor=w.coordinator, now=NOW),
    "member leaves its EPCI": lambda w: update_member(w.a, {"parent_id": None}, actor=w.coordinator, now=NOW),
    "period opened": lambda w: open_period(
        {
            "name": "2028",
            "start_date": date(2028, 1, 1),
            "end_date": date(2028, 12, 31),
            "policy": "fixed",
            "fixed_half_days": 3,
            "unit_price_cents": 18000,
            "population_bands": [],
            "carry_over_cap_half_days": 0,
        },
        actor=w.coordinator,
        now=NOW,
    ),
}


def _stored(db) -> set:
    table = StoredPosition.__table__
    return {tuple(row) for row in db.session.execute(select(table))}


@pytest.mark.parametrize("write", list(WRITES))
def test_stored_positions_equal_the_live_ones_after_each_write(app, db, world, write):
    assert position_store.differences(db.session) == []
    before = _stored(db)
    with app.test_request_context():  # services build links with url_for, as in a view
        WRITES[write](world)
        db.session.commit()
    db.session.expire_all()
    assert position_store.differences(db.session) == []
    if write != "move":  # a half-day moved within its period moves no figure
        assert _stored(db) != before, "the write should have moved a stored figure"


def test_a_write_not_yet_committed_is_read_by_its_own_transaction(db, world):
    """A page read in the writing transaction (before its commit) sees its own change."""
    world.quota_c.entitled_half_days = 0
    db.session.flush()
    figures = position_store.read(db.session, [world.c.id], world.period.id)
    assert figures[(world.c.id, "own")].total == 0
    assert position_store.differences(db.session) == []


def test_core_writes_on_bookings_recompute_the_whole_pool(db, world):
    """A bulk statement that does not name its members (a purge) has every position recomputed."""
    from sqlalchemy import delete

    db.session.execute(delete(Booking).where(Booking.request_id == world.done.id))
    db.session.commit()
    assert position_store.differences(db.session) == []
    assert position_store.read(db.session, [world.a.id], world.period.id)[(world.a.id, "own")].planned == 3


def test_rebuild_writes_every_row_again(db, world):
    db.session.execute(StoredPosition.__table__.delete())
    assert position_store.differences(db.session) != []
    rows = position_store.rebuild(db.session)
    assert rows == len(_stored(db)) > 0
    assert position_store.differences(db.session) == []


def test_the_dashboards_sql_figures_equal_the_ones_summed_from_the_live_positions(app, db, world, factory):
    """Totals, Jain's index, level bands and the sorted, filtered member table read from the stored rows
    are the figures and order of `member_figures` (live positions) summed and sorted in Python."""
    from expertpool.reports import fairness, member_figures

    delivered = factory.request(world.c, status=RequestStatus.SCHEDULED, half_days=3)
    for day in (3, 4, 5):
        factory.booking(delivered, world.expert, date(2027, 2, day), "pm", "delivered")
    db.session.commit()
    with app.test_request_context():
        live = member_figures.member_figures(world.period, today=TODAY)
        totals = member_figures.stored_totals(world.period, today=TODAY)
        assert totals == member_figures.pool_totals(live)
        fair = fairness.fairness(world.period)
        levels = [f.level for f in live if f.level is not None]
        assert fair.members == len(levels) and fair.jain == pytest.approx(fairness.jain_index(levels))
        assert fair.mean_level == pytest.approx(sum(levels) / len(levels))
        for sort in member_figures.SORT_KEYS:
            for descending in (False, True):
                for show, keep in (("all", None), ("over", "is_over_quota"), ("unused", "is_unused")):
                    expected = [
                        f.member_id
                        for f in member_figures.sort_figures(live, sort, descending)
                        if keep is None or getattr(f, keep)
                    ]
                    page = member_figures.stored_page(
                        world.period,
                        sort=sort,
                        descending=descending,
                        show=show,
                        page=1,
                        per_page=50,
                        totals=totals,
                        today=TODAY,
                    )
                    assert [f.member_id for f in page.items] == expected, (sort, descending, show)
                    assert page.total == len(expected)
        by_id = {f.member_id: f for f in live}
        page = member_figures.stored_page(
            world.period, sort="name", descending=False, show="all", page=1, per_page=50, totals=totals, today=TODAY
        )
        assert page.items == [by_id[f.member_id] for f in page.items]  # every figure of every row


def test_the_rebuild_command_stores_every_position(app, db, world):
    db.session.execute(StoredPosition.__table__.delete())
    result = app.test_cli_runner().invoke(args=["rebuild-positions"])
    assert result.exit_code == 0, result.output
    assert result.output == f"{len(_stored(db))} positions stored\n"
    assert position_store.differences(db.session) == []
