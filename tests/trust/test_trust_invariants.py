"""The data invariants hold under any sequence of real operations: a hypothesis state machine creates
members and experts, declares unavailability, submits, approves, rejects and cancels requests, runs the
scheduler, records deliveries, adjusts rights, caps a commune's draw on its EPCI's envelope, prepares and
opens the next period and lets time pass, calling the app's services the way the views do
(one commit per operation, a rollback when one is refused), and after every step checks
`expertpool.invariants.check_invariants` and that each change wrote its audit row(s).

Also: check_invariants itself finds each kind of violation (it must not pass vacuously).
EXPERTPOOL_STATE_MACHINE_EXAMPLES sets the number of sequences (default 15, up to 25 steps each).
"""

import html
import os
import re
from collections import Counter
from datetime import date, timedelta

import pytest
from factories import FIXED_NOW
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select
from trust.drawing_right_oracle import expected_billable, expected_positions

from expertpool.invariants import check_invariants
from expertpool.models import (
    AuditLog,
    Booking,
    BookingStatus,
    Expert,
    InterventionRequest,
    RequestStatus,
    UnavailabilityKind,
    Urgency,
    UserRole,
)
from expertpool.timeutil import today_paris

EXAMPLES = int(os.environ.get("EXPERTPOOL_STATE_MACHINE_EXAMPLES", "15"))
MONDAY = date(2027, 1, 18)


# --- the checker finds what it must -----------------------------------------------------------------


def test_a_consistent_world_passes(db, factory):
    from trust.world import build_world

    build_world(factory)
    assert check_invariants(db.session, "metropole") == []


def test_each_kind_of_violation_is_reported(db, factory):
    member = factory.member()
    factory.period(2027, members=[member], half_days=4)
    expert = factory.expert(week_mask=0b11)  # Monday only
    other_role = factory.expert(roles=("dsi",))
    submitted = factory.request(member, status=RequestStatus.SUBMITTED, half_days=1)
    approved = factory.request(member, status=RequestStatus.SCHEDULED, approved_half_days=1, half_days=1)
    factory.unavailability(expert, MONDAY + timedelta(days=7))
    factory.booking(submitted, expert, MONDAY, "am")  # not approved
    factory.booking(approved, expert, date(2027, 5, 1), "am")  # holiday and outside the window
    factory.booking(approved, expert, MONDAY + timedelta(days=1), "am")  # not a working half-day
    factory.booking(approved, expert, MONDAY + timedelta(days=7), "pm")  # declared unavailable
    factory.booking(approved, other_role, MONDAY, "pm")  # without the role
    factory.booking(approved, expert, MONDAY + timedelta(days=7), "am", to_reschedule=True)  # allowed
    problems = "\n".join(check_invariants(db.session, "metropole"))
    for expected in (
        "is submitted but holds",
        "public holiday",
        "outside the expert's weekly pattern",
        "declared unavailable",
        "without its role",
        "outside request",
        "more than the 1 granted",
        "is scheduled with 5 of 1",
    ):
        assert expected in problems, problems
    assert problems.count("declared unavailable") == 1  # the flagged booking is allowed


def test_a_double_booking_is_reported_even_if_the_index_were_missing(db, factory):
    expert = factory.expert()
    req = factory.request(status=RequestStatus.APPROVED, approved_half_days=2, half_days=2)
    first = factory.booking(req, expert, MONDAY, "am")
    second = factory.booking(req, expert, MONDAY, "pm")
    second.half = "am"
    # Bypass the unique index check: it is only the reader we test here.
    assert "booked twice" in "\n".join(check_invariants_over([first, second]))


def check_invariants_over(bookings):
    from expertpool.invariants import _double_bookings

    return _double_bookings(bookings)


# --- the state machine -------------------------------------------------------------------------------


def test_invariants_hold_under_any_sequence_of_operations(app, db, factory, travel_to):
    from expertpool import approval, envelopes
    from expertpool.agenda import delivery, unavailability
    from expertpool.coordination.experts_admin import create_expert
    from expertpool.coordination.members import create_member
    from expertpool.coordination.quota_periods import adjust_quota
    from expertpool.quota_policies import open_period, preview_period
    from expertpool.requests import services as request_services

    try:
        from expertpool.planning.locking import AllocationBusy
        from expertpool.planning.service import run_allocation
    except ImportError:  # the scheduler is not there yet: the machine runs without it
        run_allocation = AllocationBusy = None
    refused = (approval.DecisionConflict, request_services.RequestStateError, delivery.DeliveryError, ValueError) + (
        (AllocationBusy,) if AllocationBusy else ()
    )

    factory.settings(auto_approve_max_half_days=0, horizon_weeks=8)
    period = factory.period(2027)
    role = factory.role("dba")
    coordinator = factory.user(UserRole.COORDINATOR, email="coord.machine@example.org")
    db.session.commit()
    connection = db.session.get_bind()
    coordinator_id, period_id, role_id = coordinator.id, period.id, role.id
    stats = Counter()
    # The pages read the machine's clock: the whole app's clock (time-machine, standing still) is moved
    # to the machine's `now` before they are read; the services are given `now` explicitly.
    clock = travel_to(FIXED_NOW)
    client = app.test_client()

    class Pool(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            db.session.commit()
            db.session.remove()
            self.savepoint = connection.begin_nested()
            self.now = FIXED_NOW
            self.members: list[tuple[int, int]] = []  # (member id, user id)
            self.experts: list[tuple[int, int]] = []  # (expert id, user id)
            self.requests: list[int] = []
            self.serial = 0
            self.next_period_id = None  # 2028, once opened
            stats["sequences"] += 1

        def teardown(self):
            db.session.remove()
            if self.savepoint.is_active:
                self.savepoint.rollback()

        # helpers
        @property
        def today(self) -> date:
            return today_paris(self.now)

        def user(self, user_id):
            from expertpool.models import User

            return db.session.get(User, user_id)

        def audit_rows(self) -> int:
            return db.session.scalar(select(func.count(AuditLog.id)))

        def change(self, operation, expected_rows=None, at_least=1):
            """Run one operation as a view does: commit once, or roll back when it is refused; check
            its audit rows (exactly `expected_rows`, else at least `at_least`; none when refused)."""
            stats["steps"] += 1
            before = self.audit_rows()
            try:
                result = operation()
                db.session.commit()
            except refused as exc:
                stats[f"refused {operation.__name__}: {type(exc).__name__}"] += 1
                db.session.rollback()
                assert self.audit_rows() == before, "a refused operation wrote audit rows"
                return None
            stats[operation.__name__] += 1
            written = self.audit_rows() - before
            if expected_rows is not None:
                expected = expected_rows(result) if callable(expected_rows) else expected_rows
                assert written == expected, f"{operation.__name__}: {written} audit rows, expected {expected}"
            else:
                assert written >= at_least, f"{operation.__name__}: {written} audit rows"
            return result

        @initialize()
        def a_small_pool(self):
            # An EPCI holding an envelope of 4 half-days: every other commune added belongs to it.
            factory.session = db.session
            epci = factory.member(f"CC {stats['sequences']}", kind="epci", holds_envelope=True)
            factory.quota(epci, db.session.get(type(period), period_id), 4, kind="envelope")
            db.session.commit()
            self.epci_id = epci.id
            # The third commune (no own right) draws on the envelope from its first request: caps bite.
            for quota in (6, 0, 0):
                self.add_member(quota)
            for mask in ((1 << 10) - 1, 0b1010101010):
                self.add_expert(mask)

        # rules
        @rule(quota=st.integers(0, 12))
        def add_member(self, quota):
            self.serial += 1
            serial = self.serial
            coordinator_user = self.user(coordinator_id)

            def create():
                return create_member(
                    {"name": f"Commune {serial}", "kind": "commune", "insee_code": f"{56000 + serial:05d}"},
                    actor=coordinator_user,
                    now=self.now,
                )

            member = self.change(create, expected_rows=1)
            factory.session = db.session
            factory.quota(member, db.session.get(type(period), period_id), quota)
            if len(self.members) % 2 == 0:
                member.parent_id = self.epci_id
            user = factory.user(UserRole.MEMBER, member=member, email=f"maire{serial}@example.org")
            db.session.commit()
            self.members.append((member.id, user.id))

        @rule(mask=st.sampled_from([(1 << 10) - 1, 0b1111, 0b1010101010, 0b11 << 8]))
        def add_expert(self, mask):
            self.serial += 1
            serial = self.serial
            factory.session = db.session
            user = factory.user(UserRole.EXPERT, email=f"expert{serial}@example.org", name=f"Expert {serial}")

            def create():
                return create_expert(
                    {"display_name": f"Expert {serial}", "week_mask": mask, "role_ids": [role_id]},
                    actor=self.user(coordinator_id),
                    now=self.now,
                )

            expert = self.change(create, expected_rows=1)
            # Linked afterwards: create_expert autoflushes a half-built row when called with a user_id
            # outside the view (which fills the form data in another order); the link is setup here.
            expert.user_id = user.id
            db.session.commit()
            self.experts.append((expert.id, user.id))

        @precondition(lambda self: self.members)
        @rule(
            pick=st.integers(0, 99),
            half_days=st.integers(1, 6),
            start=st.integers(1, 30),
            length=st.integers(0, 40),
            urgency=st.sampled_from(list(Urgency)),
        )
        def submit(self, pick, half_days, start, length, urgency):
            self._submit(pick, half_days, start, length, urgency)

        def _submit(self, pick, half_days, start, length, urgency):
            member_id, user_id = self.members[pick % len(self.members)]
            earliest = self.today + timedelta(days=start)
            data = {
                "title": "Demande",
                "description": "",
                "role_id": role_id,
                "preferred_expert_id": None,
                "half_days": half_days,
                "earliest": earliest,
                "deadline": earliest + timedelta(days=length),
                "urgency": urgency,
                "on_site": False,
                "address": "",
            }

            def create():
                return request_services.create_request(
                    member_id, actor=self.user(user_id), now=self.now, data=data, submit=True
                )

            req = self.change(create, expected_rows=1)
            if req is not None:
                self.requests.append(req.id)
            return req

        @precondition(lambda self: self.members)
        @rule(pick=st.integers(0, 99), half_days=st.integers(1, 6), start=st.integers(1, 30), length=st.integers(0, 40))
        def submit_then_approve(self, pick, half_days, start, length):
            req = self._submit(pick, half_days, start, length, Urgency.NORMAL)
            if req is not None:
                self.approve(len(self.requests) - 1, None)

        def _request(self, pick) -> InterventionRequest:
            return db.session.get(InterventionRequest, self.requests[pick % len(self.requests)])

        @precondition(lambda self: self.requests)
        @rule(pick=st.integers(0, 99), adjust=st.sampled_from([None, 1, 2, 3, 8]))
        def approve(self, pick, adjust):
            req = self._request(pick)

            def decide():
                approval.approve_request(req, actor=self.user(coordinator_id), now=self.now, half_days=adjust)

            self.change(decide, expected_rows=1)

        @precondition(lambda self: self.requests)
        @rule(pick=st.integers(0, 99))
        def reject(self, pick):
            req = self._request(pick)

            def decide():
                approval.reject_request(req, actor=self.user(coordinator_id), now=self.now, reason="Hors périmètre")

            self.change(decide, expected_rows=1)

        @precondition(lambda self: self.requests)
        @rule(pick=st.integers(0, 99))
        def accept_quote(self, pick):
            """The member's user accepts the quote due (or acknowledges a critical request's price)."""
            from expertpool import quotes

            req = self._request(pick)
            due = quotes.quote_due_now(req, self.now)
            if due is None:
                stats["no quote due"] += 1
                return
            member_user = self.user(next(u for m, u in self.members if m == req.member_id))

            def accept():
                return request_services.accept_quote(req, actor=member_user, now=self.now, quoted=due.half_days)

            self.change(accept, expected_rows=1)

        @invariant()
        def billable_half_days_stay_within_the_accepted_quotes(self):
            """Beyond the drawing right, the scheduler books no more than the quotes accepted (a critical
            request is served first and priced after)."""
            for req in db.session.scalars(
                select(InterventionRequest).where(InterventionRequest.urgency != Urgency.CRITICAL)
            ):
                accepted = (req.quote_half_days or 0) if req.quote_accepted_at is not None else 0
                assert req.billable_booked_half_days <= accepted, (req.id, req.billable_booked_half_days, accepted)
                stats["billable half-days booked"] += req.billable_booked_half_days

        @precondition(lambda self: self.requests)
        @rule(pick=st.integers(0, 99), by_staff=st.booleans())
        def cancel(self, pick, by_staff):
            req = self._request(pick)
            member_user = next(u for m, u in self.members if m == req.member_id)
            actor = self.user(coordinator_id if by_staff else member_user)

            def cancel_it():
                return request_services.cancel_request(req, actor=actor, now=self.now, reason="Plus besoin")

            self.change(cancel_it, at_least=1)

        @precondition(lambda self: self.experts)
        @rule(
            pick=st.integers(0, 99),
            start=st.integers(0, 40),
            length=st.integers(0, 5),
            half=st.sampled_from([None, "am", "pm"]),
        )
        def declare_unavailability(self, pick, start, length, half):
            expert_id, user_id = self.experts[pick % len(self.experts)]
            first = self.today + timedelta(days=start)
            last = first if half else first + timedelta(days=length)

            def declare():
                return unavailability.declare(
                    db.session.get(Expert, expert_id),
                    start=first,
                    end=last,
                    half=half,
                    kind=UnavailabilityKind.LEAVE,
                    reason="Congés",
                    actor=self.user(user_id),
                    now=self.now,
                )

            # One row for the leave, one per booking it flags.
            self.change(declare, expected_rows=lambda result: 1 + len(result[1]))

        @precondition(lambda self: run_allocation is not None and self.requests and self.experts)
        @rule()
        def run_scheduler(self):
            stats["steps"] += 1
            before = self.audit_rows()
            try:
                run = run_allocation(actor=self.user(coordinator_id), now=self.now, mode="commit")
            except AllocationBusy:
                db.session.rollback()
                return
            booked = run.booked_half_days
            stats["half-days booked by the scheduler"] += booked
            if booked:
                assert self.audit_rows() > before, "the scheduler booked half-days without an audit row"

        @precondition(lambda self: self.experts)
        @rule(pick=st.integers(0, 99), delivered=st.booleans(), wait=st.booleans())
        def record_delivery(self, pick, delivered, wait):
            planned = select(Booking).where(Booking.status == BookingStatus.PLANNED).order_by(Booking.date, Booking.id)
            if wait:  # let time run to the next planned half-day, so that deliveries happen
                first = db.session.scalars(planned.limit(1)).first()
                if first is not None and first.date > self.today:
                    self.now = FIXED_NOW.replace(
                        year=first.date.year, month=first.date.month, day=first.date.day, hour=17
                    )
            due = db.session.scalars(planned.where(Booking.date <= self.today)).all()
            stats[f"delivery attempts (due: {bool(due)})"] += 1
            if not due:
                return
            booking = due[pick % len(due)]
            expert_user = next((u for e, u in self.experts if e == booking.expert_id), coordinator_id)

            def deliver():
                delivery.record_delivery(
                    booking, delivered=delivered, note="", actor=self.user(expert_user), now=self.now, today=self.today
                )

            self.change(deliver, at_least=1)

        @precondition(lambda self: run_allocation is not None and self.requests and self.experts)
        @rule(count=st.integers(1, 4), delivered=st.booleans())
        def schedule_then_deliver(self, count, delivered):
            self.run_scheduler()
            for pick in range(count):
                self.record_delivery(pick, delivered, True)

        @precondition(lambda self: self.members)
        @rule(pick=st.integers(0, 99), delta=st.sampled_from([-4, -1, 1, 3]), envelope=st.booleans())
        def adjust_the_right(self, pick, delta, envelope):
            member_id = self.epci_id if envelope else self.members[pick % len(self.members)][0]
            from expertpool.models import Member, QuotaPeriod

            def adjust():
                return adjust_quota(
                    db.session.get(Member, member_id),
                    db.session.get(QuotaPeriod, period_id),
                    kind="envelope" if envelope else "own",
                    delta=delta,
                    reason="Délibération",
                    actor=self.user(coordinator_id),
                    now=self.now,
                )

            self.change(adjust, expected_rows=1)

        @precondition(lambda self: self.members)
        @rule(pick=st.integers(0, 99), cap=st.sampled_from([None, 0, 1, 2, 5]), next_period=st.booleans())
        def envelope_cap(self, pick, cap, next_period):
            """The EPCI caps one of its communes' draw on its envelope (this period, or the next once open)."""
            from expertpool.models import Member, QuotaPeriod

            communes = [m for m, _u in self.members if db.session.get(Member, m).parent_id == self.epci_id]
            chosen = self.next_period_id if next_period else period_id
            if not communes or chosen is None:
                return
            the_period = db.session.get(QuotaPeriod, chosen)
            epci, commune = db.session.get(Member, self.epci_id), db.session.get(Member, communes[pick % len(communes)])

            def cap_it():
                return envelopes.set_cap(epci, commune, the_period, cap, actor=self.user(coordinator_id), now=self.now)

            self.change(cap_it, expected_rows=lambda changed: 1 if changed else 0)

        @precondition(lambda self: self.members)
        @rule(cap=st.sampled_from([0, 1, 2]), half_days=st.integers(1, 6), start=st.integers(1, 30))
        def cap_then_submit(self, cap, half_days, start):
            """The commune with no own right, capped, asks: its request meets the cap at once."""
            self.envelope_cap(1, cap, False)  # the communes of the EPCI: the first, then this one
            self._submit(2, half_days, start, 20, Urgency.NORMAL)

        @rule(fixed=st.integers(0, 8), open_it=st.booleans())
        def prepare_or_open_next_period(self, fixed, open_it):
            """Prepare 2028 (its quotas previewed, nothing written), and open it."""
            policy = {
                "name": "2028",
                "start_date": date(2028, 1, 1),
                "end_date": date(2028, 12, 31),
                "policy": "fixed",
                "fixed_half_days": fixed,
                "unit_price_cents": 18000,
                "population_bands": [],
                "carry_over_cap_half_days": 0,
            }
            before = self.audit_rows()
            lines = preview_period(policy)
            assert self.audit_rows() == before and lines, "preparing a period writes nothing"
            if not open_it or self.next_period_id is not None:
                return

            def open_next():
                return open_period(policy, actor=self.user(coordinator_id), now=self.now)

            opened = self.change(open_next, expected_rows=1)
            if opened is not None:
                self.next_period_id = opened.id

        @precondition(lambda self: self.members)
        @rule(pick=st.integers(0, 99), half_days=st.integers(1, 6), start=st.integers(0, 60))
        def submit_for_next_period(self, pick, half_days, start):
            """A request whose dates fall in 2028: judged there once it opens, and not before."""
            days_ahead = (date(2028, 1, 3) - self.today).days + start
            self._submit(pick, half_days, days_ahead, 10, Urgency.NORMAL)

        @rule(days=st.integers(1, 21))
        def let_time_pass(self, days):
            self.now += timedelta(days=days)

        @invariant()
        def data_is_consistent(self):
            problems = check_invariants(db.session, "metropole", today=self.today)
            assert problems == [], "\n".join(problems)

        @invariant()
        def stored_positions_equal_the_live_ones(self):
            """The positions every committed write kept in the database (the dashboard's and the
            coordinator home's) equal quotas.positions() computed now, for every member and period."""
            from expertpool import position_store

            problems = position_store.differences(db.session)
            assert problems == [], "\n".join(problems[:5])
            stats["stored-position checks"] += 1

        @invariant()
        def drawing_right_figures_match_the_raw_rows(self):
            """Positions, request splits and the drawing-rights export equal the oracle's figures, in every
            period (the next one once opened); a request no open period holds is judged in none."""
            from expertpool import quotas
            from expertpool.models import QuotaPeriod

            clock.move_to(self.now)
            periods = list(db.session.scalars(select(QuotaPeriod).order_by(QuotaPeriod.start_date)))
            judged = quotas.request_splits(db.session.scalars(select(InterventionRequest)), self.now)
            all_splits, current = {}, None
            for the_period in periods:
                expected, splits = expected_positions(db.session, the_period, self.today, periods)
                self.figures_match(the_period, expected, splits, judged)
                all_splits.update(splits)
                if the_period.contains(self.today):
                    current = (the_period, expected)
            if current is not None:
                self.pages_show(*current, all_splits)
            for req in db.session.scalars(
                select(InterventionRequest).where(
                    InterventionRequest.status.in_((RequestStatus.APPROVED, *RequestStatus.AWAITING_DECISION))
                )
            ):
                if req.id not in all_splits:  # its dates fall in a period not open yet
                    assert not judged[req.id].judged and judged[req.id].over == 0, req.id
                    stats["requests waiting for their period"] += 1

        def figures_match(self, the_period, expected, splits, judged):
            from expertpool import quotas
            from expertpool.reports import exports

            result = quotas.positions(list(expected), the_period, now=self.now)
            for member_id, e in expected.items():
                p = result.members[member_id]
                got = (p.total, p.delivered, p.planned, p.approved, p.requested, p.available)
                assert got == (e.total, e.delivered, e.planned, e.approved, e.requested, e.available), member_id
                assert (p.free_after_pending, p.from_envelope, p.over_quota, p.envelope_drawn) == (
                    e.free_after_pending,
                    e.from_envelope,
                    e.over_quota,
                    e.envelope_drawn,
                ), member_id
            for request_id, (own, from_envelope, over) in splits.items():
                split = result.requests[request_id]
                assert (split.own, split.envelope, split.over) == (own, from_envelope, over), request_id
                assert (judged[request_id].own, judged[request_id].envelope, judged[request_id].over) == (
                    own,
                    from_envelope,
                    over,
                )
            dataset = exports.drawing_rights(the_period, None)
            header = [column.title for column in dataset.columns]
            for row in dataset.rows:
                cells = dict(zip(header, row, strict=True))
                e = expected[cells["N°"]]
                assert (
                    cells["Droit de tirage total (jours)"],
                    cells["Planifié (jours)"],
                    cells["Réalisé (jours)"],
                    cells["Restant (jours)"],
                    cells["Pris sur l'enveloppe de l'EPCI (jours)"],
                    cells["Hors droit de tirage réservé (jours)"],
                ) == (e.total, e.planned, e.delivered, e.available, e.from_envelope, e.over_quota)
            stats["drawing-right checks"] += 1

        def pages_show(self, the_period, expected, splits):
            """The member's home and yearly statement (one member per step, in turn), the approval queue
            and the coordinator home show the oracle's figures."""
            from expertpool import quotas
            from expertpool.i18n import days_label
            from expertpool.models import Member, User
            from expertpool.reports.statement import units_times_price

            def html_of(user_id, path):
                with client.session_transaction() as browser:
                    browser["_user_id"] = db.session.get(User, user_id).get_id()
                    browser["_fresh"] = True
                response = client.get(path)
                assert response.status_code == 200, path
                return response.get_data(as_text=True)

            def plain(html):
                text = re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'")
                return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " "))

            def page(user_id, path):
                return plain(html_of(user_id, path))

            member_id, user_id = self.members[stats["steps"] % len(self.members)]
            e = expected[member_id]
            # The yearly statement (HTML): its summary rows are the oracle's figures.
            statement = html_of(coordinator_id, f"/rapports/membres/{member_id}/etat?period={the_period.id}")
            rows = dict(re.findall(r'<tr data-item="([a-z_]+)"[^>]*><th[^>]*>.*?</th><td[^>]*>(.*?)</td>', statement))
            billed = expected_billable(db.session, the_period, expected)[member_id]
            for key, value in (
                ("total", days_label(e.total)),
                ("delivered", days_label(e.delivered)),
                ("planned", days_label(e.planned)),
                ("remaining", days_label(e.available)),
                ("billable", units_times_price(billed, quotas.unit_price_cents())),
            ):
                assert plain(html.unescape(rows[key])).strip() == plain(value).strip(), (key, rows[key], value)
            home = page(user_id, "/mon-espace")
            assert f"Restant : {days_label(e.available)}" in home
            assert (f"Hors droit de tirage (facturable) {days_label(e.over_quota)}" in home) == bool(e.over_quota)
            assert (f"Pris sur l'enveloppe de l'intercommunalité {days_label(e.from_envelope)}" in home) == bool(
                e.from_envelope
            )
            queue = page(coordinator_id, "/coordination/demandes")
            waiting = db.session.scalars(
                select(InterventionRequest).where(InterventionRequest.status.in_(RequestStatus.AWAITING_DECISION))
            ).all()
            # Each waiting request is shown twice: as a card (phones) and as a table row (wider screens).
            over_shown = len(re.findall(r"Hors droit : ", queue))
            assert over_shown == 2 * sum(1 for r in waiting if r.id in splits and splits[r.id][2] > 0)
            listed = page(coordinator_id, "/coordination/")
            for other_id, figures in expected.items():
                name = db.session.get(Member, other_id).name
                if name.startswith("Commune"):
                    assert (f"{name} :" in listed) == (figures.over_quota > 0), name
            stats["page checks"] += 1

    with app.test_request_context():  # services build links with url_for, as in a view
        run_state_machine_as_test(
            Pool,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=25,
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
    print(f"state machine: {dict(stats)}")
    assert stats["steps"] > 0


@pytest.fixture(autouse=True)
def _no_mail_server(app):
    assert not app.config["MAIL_SERVER"]  # notifications go to the outbox table only
