"""Drawing rights: which period is current, and the one definition of a drawing-right position.

A position is computed from the raw rows (quotas, bookings, open requests). Every page, export and service
reads it from here: nothing else computes a balance, an over-quota amount or an envelope draw. The pages
that read the whole pool (the dashboard, the coordinator home) read a copy of these results that
`position_store` writes, through `positions()`, in the transaction that changed the raw rows.

For an account (a member's own right, or an EPCI's envelope) and a period:
entitled + carried over + adjustments = total; delivered and planned (booked, including half-days
flagged "à replanifier") half-days; approved but not yet booked; requested (sent, awaiting a decision);
available = total − delivered − planned − approved-not-booked; free after pending = available − requested.

What a commune uses is covered in a fixed order — delivered, planned, approved-not-booked, then each
request in submission order — first by its own right, then by its EPCI's envelope (shared with its
sibling communes, in the same order, each within the cap its EPCI set for it), and what is left is
over quota (billable at the pool's unit price). A request whose envelope draw the EPCI refused does not
draw on the envelope: beyond the own right it is over quota. Own right and envelope are always kept
apart. The whole computation is a pure function of a `Ledger` (plain data), so it also runs over a plan
held in memory (a preview) without writing anything.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from sqlalchemy import case, func, or_, select, true

from expertpool.extensions import db
from expertpool.models import (
    Booking,
    BookingStatus,
    EnvelopeDraw,
    EnvelopeReview,
    InterventionRequest,
    Member,
    PoolSettings,
    Quota,
    QuotaKind,
    QuotaPeriod,
    RequestStatus,
)
from expertpool.timeutil import today_paris

# Requests sent and waiting for a decision: they reserve nothing yet, but later requests are judged
# after them (submission order).
APPROVED, REQUESTED = 0, 1  # the two layers of open requests, in the order they draw on the right


@dataclass(frozen=True, slots=True)
class Split:
    """How a number of half-days is covered: by the own right, by the EPCI's envelope, beyond both."""

    own: int = 0
    envelope: int = 0
    over: int = 0

    @property
    def total(self) -> int:
        return self.own + self.envelope + self.over

    def __add__(self, other: "Split") -> "Split":
        return Split(self.own + other.own, self.envelope + other.envelope, self.over + other.over)


@dataclass(frozen=True, slots=True)
class Position:
    """An account's drawing right for a period, in half-days (an own right, or an EPCI's envelope).

    For an own right, `*_split` tells how each layer is covered (own right, envelope, over quota).
    For an envelope, the layers are what the communes drew on it, `own` the part the envelope covered
    and `over` what they drew beyond it.
    """

    entitled: int = 0
    carried_over: int = 0
    adjusted: int = 0
    delivered_split: Split = Split()
    planned_split: Split = Split()
    approved_split: Split = Split()
    requested_split: Split = Split()
    unit_price_cents: int = 0
    # A commune whose EPCI holds an envelope: what that envelope can still give it (shared with siblings).
    envelope_available: int = 0
    has_envelope: bool = False
    # What the envelope holds for it once only the booked half-days are covered (what a scheduler run
    # may give), within its cap.
    envelope_after_booked: int = 0
    # The cap its EPCI set on its draw for the period (None: none but the envelope itself).
    envelope_cap: int | None = None
    # What the whole envelope holds once the booked half-days are covered (shared with the siblings).
    envelope_pool_after_booked: int = 0

    @property
    def total(self) -> int:
        return max(0, self.entitled + self.carried_over + self.adjusted)

    @property
    def delivered(self) -> int:
        return self.delivered_split.total

    @property
    def planned(self) -> int:
        return self.planned_split.total

    @property
    def approved(self) -> int:
        """Approved but not yet booked."""
        return self.approved_split.total

    @property
    def requested(self) -> int:
        """Sent, awaiting a decision."""
        return self.requested_split.total

    @property
    def used(self) -> int:
        return self.delivered + self.planned

    @property
    def available(self) -> int:
        return max(0, self.total - self.delivered - self.planned - self.approved)

    @property
    def left_after_booked(self) -> int:
        """Own right left counting only the booked half-days (what a scheduler run may give within it)."""
        return max(0, self.total - self.used)

    # The pages' word for what is available ("restant").
    remaining = available

    @property
    def free_after_pending(self) -> int:
        return max(0, self.available - self.requested)

    @property
    def booked_split(self) -> Split:
        return self.delivered_split + self.planned_split

    @property
    def from_envelope(self) -> int:
        """Booked half-days covered by the EPCI's envelope (a commune) — never counted in the own right."""
        return self.booked_split.envelope

    @property
    def envelope_drawn(self) -> int:
        """Half-days drawn on the envelope, booked or approved: what its cap is measured against."""
        return self.booked_split.envelope + self.approved_split.envelope

    @property
    def envelope_cap_left(self) -> int | None:
        return None if self.envelope_cap is None else max(0, self.envelope_cap - self.envelope_drawn)

    @property
    def over_quota(self) -> int:
        """Booked half-days beyond the own right and the envelope: billable."""
        return self.booked_split.over

    @property
    def over_quota_price_cents(self) -> int:
        return self.over_quota * self.unit_price_cents

    @property
    def beyond_own(self) -> int:
        """Booked half-days beyond the own right (from the envelope or over quota)."""
        return max(0, self.used - self.total)

    @property
    def over_after_pending(self) -> int:
        """Over quota once everything approved and requested is booked."""
        return self.over_quota + self.approved_split.over + self.requested_split.over

    @property
    def delivered_over_quota(self) -> int:
        """Delivered half-days beyond the own right and the envelope: what the statement bills."""
        return self.delivered_split.over

    def _pct(self, value: int) -> int:
        scale = max(self.total, self.used)
        return 0 if scale == 0 else min(100, round(100 * value / scale))

    @property
    def delivered_pct(self) -> int:
        return self._pct(self.delivered)

    @property
    def planned_pct(self) -> int:
        return min(100 - self.delivered_pct, self._pct(self.planned))

    @property
    def level(self) -> float | None:
        """Quota-usage level used/total of the own right (None when there is none)."""
        return None if self.total == 0 else self.used / self.total


def is_over_quota(position: Position, envelope: Position | None = None) -> bool:
    """A member is over quota when its booked half-days exceed its own right and its share of its EPCI's
    envelope, or (an EPCI) when its communes drew beyond its envelope."""
    return position.over_quota > 0 or (envelope is not None and envelope.over_quota > 0)


def billable_half_days(position: Position, envelope: Position | None = None) -> int:
    """The billing rule: delivered half-days beyond the drawing right are billable; a commune's are
    charged to its EPCI's envelope instead (`has_envelope`), and the EPCI pays what its communes drew
    beyond it (`envelope`, the one it holds)."""
    own = 0 if position.has_envelope else position.delivered_over_quota
    return own + (0 if envelope is None else envelope.delivered_over_quota)


@dataclass(frozen=True, slots=True)
class RequestSplit:
    """One open request judged against the right left after the same member's requests before it."""

    request_id: int | None
    member_id: int
    half_days: int
    own: int
    envelope: int
    over: int
    unit_price_cents: int
    # Own right (and envelope share) still free before this request, after the earlier ones.
    own_free_before: int
    envelope_free_before: int
    period: QuotaPeriod | None = None
    # A request whose dates fall in a period not open yet is not judged at all: the first such day
    # (pages say "la période 2027 n'est pas encore ouverte" rather than another period's figures).
    not_open_from: date | None = None

    @property
    def judged(self) -> bool:
        return self.not_open_from is None

    @property
    def within_quota(self) -> bool:
        return self.over == 0

    @property
    def over_quota_half_days(self) -> int:
        return self.over

    @property
    def over_quota_price_cents(self) -> int:
        return self.over * self.unit_price_cents

    @property
    def own_left_after(self) -> int:
        return max(0, self.own_free_before - self.own)


@dataclass(frozen=True, slots=True)
class OpenRequest:
    """An approved-not-fully-booked or a sent request, as the ledger needs it."""

    id: int | None
    member_id: int
    layer: int  # APPROVED or REQUESTED
    half_days: int  # outstanding: granted − booked for an approved request, asked for a sent one
    order: tuple  # submission order
    envelope_refused: bool = False  # its EPCI refused the draw: beyond the own right, over quota


@dataclass(slots=True)
class Ledger:
    """The raw figures of one period, plain data (no ORM): what a position is computed from."""

    period: QuotaPeriod | None
    unit_price_cents: int
    parent_of: dict[int, int | None] = field(default_factory=dict)
    own: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # member -> (entitled, carried, adjusted)
    envelope: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # EPCI -> same
    booked: dict[int, tuple[int, int]] = field(default_factory=dict)  # member -> (planned, delivered)
    requests: list[OpenRequest] = field(default_factory=list)
    caps: dict[int, int] = field(default_factory=dict)  # commune -> cap on its envelope draw
    # member -> (planned, delivered) of `booked` that belong to requests whose envelope draw was refused
    no_envelope: dict[int, tuple[int, int]] = field(default_factory=dict)

    def with_plan(self, extra_planned: dict[int, int]) -> "Ledger":
        """The ledger once `extra_planned` {request id: half-days} more are booked (a preview)."""
        booked, no_envelope = dict(self.booked), dict(self.no_envelope)
        requests = []
        for r in self.requests:
            n = min(extra_planned.get(r.id, 0), r.half_days) if r.layer == APPROVED else 0
            if n:
                for figures in (booked, no_envelope) if r.envelope_refused else (booked,):
                    planned, delivered = figures.get(r.member_id, (0, 0))
                    figures[r.member_id] = (planned + n, delivered)
            requests.append(replace(r, half_days=r.half_days - n) if n else r)
        return replace(self, booked=booked, requests=requests, no_envelope=no_envelope)


@dataclass(slots=True)
class Positions:
    """Positions of the ledger's members, of the EPCI envelopes, and the split of each open request."""

    members: dict[int, Position]
    envelopes: dict[int, Position]
    requests: dict[int | None, RequestSplit]
    period_id: int | None = None


def _total(figures: tuple[int, int, int] | None) -> int:
    return max(0, sum(figures)) if figures else 0


def compute(ledger: Ledger) -> Positions:
    """The positions of a ledger (pure: no query).

    The layers are summed as plain [own, envelope, over] lists and turned into `Split`s once at the end:
    a whole pool holds thousands of members and requests, and frozen objects added one by one cost more
    than the rule itself.
    """
    layers: dict[int, list[list[int]]] = {}  # member -> [delivered, planned, approved, requested] splits
    own_room: dict[int, int] = {}
    beyond: list[tuple[tuple, int, int, OpenRequest | None, int]] = []  # (order, member, layer, req, n)
    members = set(ledger.parent_of) | set(ledger.own) | set(ledger.booked) | {r.member_id for r in ledger.requests}
    for member_id in members:
        own_room[member_id] = _total(ledger.own.get(member_id))
        layers[member_id] = [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]]
    before_own: dict[int | None, int] = {}
    # The own right covers the layers in order; what it leaves goes to the envelope queue, except the
    # half-days of requests whose envelope draw was refused (the own right covers those first).
    for member_id in sorted(members):
        planned, delivered = ledger.booked.get(member_id, (0, 0))
        refused_planned, refused_delivered = ledger.no_envelope.get(member_id, (0, 0))
        for index, n, refused in ((0, delivered, refused_delivered), (1, planned, refused_planned)):
            covered = min(own_room[member_id], n)
            own_room[member_id] -= covered
            refused_over = max(0, refused - covered)
            layers[member_id][index][0] += covered
            layers[member_id][index][2] += refused_over
            if n - covered - refused_over:
                beyond.append(((index, (), member_id), member_id, index, None, n - covered - refused_over))
    own_of_request: dict[int | None, int] = {}
    for r in sorted(ledger.requests, key=lambda r: (r.layer, r.order)):
        before_own[r.id] = own_room[r.member_id]
        covered = min(own_room[r.member_id], r.half_days)
        own_room[r.member_id] -= covered
        own_of_request[r.id] = covered
        layers[r.member_id][2 + r.layer][0] += covered
        beyond.append(((2 + r.layer, r.order, r.member_id), r.member_id, 2 + r.layer, r, r.half_days - covered))
    cap_room = dict(ledger.caps)
    cap_drawn: dict[int, list[int]] = {}  # commune -> envelope half-days drawn per layer
    # The envelopes cover the communes' overflows in the same order, across sibling communes.
    envelope_room = {epci_id: _total(figures) for epci_id, figures in ledger.envelope.items()}
    envelope_layers = {epci_id: [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]] for epci_id in ledger.envelope}
    before_envelope: dict[int | None, int] = {}
    split_of_request: dict[int | None, tuple[int, int]] = {}
    for _order, member_id, index, req, n in sorted(beyond, key=lambda item: item[0]):
        epci_id = ledger.parent_of.get(member_id)
        room = envelope_room.get(epci_id, 0) if epci_id in envelope_room else 0
        room = min(room, cap_room.get(member_id, room))  # within the cap its EPCI set
        if req is not None and req.envelope_refused:
            room = 0
        covered = min(room, n)
        if member_id in cap_room:
            cap_room[member_id] -= covered
        cap_drawn.setdefault(member_id, [0, 0, 0, 0])[index] += covered
        if epci_id in envelope_room:
            envelope_room[epci_id] -= covered
            envelope_layers[epci_id][index][0] += covered
            envelope_layers[epci_id][index][2] += n - covered
        layers[member_id][index][1] += covered
        layers[member_id][index][2] += n - covered
        if req is not None:
            before_envelope[req.id] = room
            split_of_request[req.id] = (covered, n - covered)
    # What each envelope still offers once the booked and approved half-days are covered.
    envelope_available, envelope_after_booked = {}, {}
    for epci_id, figures in ledger.envelope.items():
        drawn = [layer[0] for layer in envelope_layers[epci_id]]
        envelope_available[epci_id] = max(0, _total(figures) - sum(drawn[:3]))
        envelope_after_booked[epci_id] = max(0, _total(figures) - sum(drawn[:2]))
    positions = {}
    for member_id in members:
        entitled, carried, adjusted = ledger.own.get(member_id, (0, 0, 0))
        epci_id = ledger.parent_of.get(member_id)
        delivered, planned, approved, requested = (Split(*layer) for layer in layers[member_id])
        # What the envelope can still give this commune: what it holds, and no more than its cap left.
        cap = ledger.caps.get(member_id)
        drawn = cap_drawn.get(member_id, [0, 0, 0, 0])
        available, after_booked = envelope_available.get(epci_id, 0), envelope_after_booked.get(epci_id, 0)
        if cap is not None:
            available = min(available, max(0, cap - sum(drawn[:3])))
            after_booked = min(after_booked, max(0, cap - sum(drawn[:2])))
        positions[member_id] = Position(
            entitled,
            carried,
            adjusted,
            delivered,
            planned,
            approved,
            requested,
            ledger.unit_price_cents,
            available,
            epci_id in ledger.envelope,
            after_booked,
            cap if epci_id in ledger.envelope else None,
            envelope_after_booked.get(epci_id, 0),
        )
    envelopes = {}
    for epci_id, (entitled, carried, adjusted) in ledger.envelope.items():
        delivered, planned, approved, requested = (Split(*layer) for layer in envelope_layers[epci_id])
        envelopes[epci_id] = Position(
            entitled, carried, adjusted, delivered, planned, approved, requested, ledger.unit_price_cents
        )
    splits = {}
    for r in ledger.requests:
        envelope, over = split_of_request[r.id]
        splits[r.id] = RequestSplit(
            request_id=r.id,
            member_id=r.member_id,
            half_days=r.half_days,
            own=own_of_request[r.id],
            envelope=envelope,
            over=over,
            unit_price_cents=ledger.unit_price_cents,
            own_free_before=before_own[r.id],
            envelope_free_before=before_envelope.get(r.id, 0),
            period=ledger.period,
        )
    return Positions(positions, envelopes, splits, ledger.period.id if ledger.period else None)


# --- the session positions are read through --------------------------------------------------------

# The stored positions are recomputed inside the committing session, which may not be the app's scoped
# one (a script's own Session): while set, every read below goes through it.
_READING_SESSION: ContextVar = ContextVar("quotas_reading_session", default=None)


def _session():
    return _READING_SESSION.get() or db.session


@contextmanager
def reading_through(session) -> Iterator[None]:
    token = _READING_SESSION.set(session)
    try:
        yield
    finally:
        _READING_SESSION.reset(token)


# --- periods ---------------------------------------------------------------------------------------


def period_for(day: date, periods: list[QuotaPeriod] | None = None) -> QuotaPeriod | None:
    if periods is not None:
        return next((period for period in periods if period.contains(day)), None)
    return _session().scalar(select(QuotaPeriod).where(QuotaPeriod.start_date <= day, QuotaPeriod.end_date >= day))


def all_periods() -> list[QuotaPeriod]:
    return list(_session().scalars(select(QuotaPeriod).order_by(QuotaPeriod.start_date)))


def pick_period(periods: list[QuotaPeriod], earliest: date | None, deadline: date | None, now: datetime | None):
    """The period whose drawing right a request uses: the one holding its first possible day.

    A window opening before any period falls back on its deadline, then on today's period — but a
    window that starts later than today is never judged against today's period: when no period holds
    its dates, it has none yet (None: its period is not open).
    """
    return _pick(_spans(periods), earliest, deadline, today_paris(now) if now else None)


def _spans(periods: list[QuotaPeriod]) -> list[tuple[date, date, QuotaPeriod]]:
    """(start, end, period): plain dates, read once, for `_pick` over many requests."""
    return [(period.start_date, period.end_date, period) for period in periods]


def _pick(spans, earliest: date | None, deadline: date | None, today: date | None):
    """`pick_period`'s rule over `_spans` and today's date."""
    days = [earliest, deadline]
    if earliest is None or today is None or earliest <= today:
        days.append(today)
    for day in days:
        if day is None:
            continue
        for start, end, period in spans:
            if start <= day <= end:
                return period
    return None


def not_open_split(req: InterventionRequest, half_days: int | None = None) -> RequestSplit:
    """A request whose period is not open: not judged (no own, envelope or over-quota part)."""
    n = req.granted_half_days if half_days is None else int(half_days)
    return RequestSplit(req.id, req.member_id, n, 0, 0, 0, unit_price_cents(), 0, 0, None, req.earliest)


def period_of_request(req: InterventionRequest, now: datetime | None = None) -> QuotaPeriod | None:
    return pick_period(all_periods(), req.earliest, req.deadline, now)


def unit_price_cents() -> int:
    """The price of a half-day beyond the drawing right (HT): the pool's one figure."""
    return PoolSettings.load(_session()).unit_price_cents


# --- reading the ledger (a constant number of queries) --------------------------------------------


# From this many members on, a position read covers the pool: one scan without a filter is far cheaper
# than IN lists of thousands of ids (and PostgreSQL plans it better), and gives a superset of the rows.
WHOLE_POOL = 300


def _among(column, ids: list[int] | None):
    """`column IN ids`, or no condition at all when `ids` is None (the whole pool)."""
    return true() if ids is None else column.in_(ids)


def consumption(member_ids: Iterable[int] | None, start: date, end: date) -> dict[int, tuple[int, int]]:
    """{member_id: (planned, delivered)} half-days booked for the members' requests in [start, end]
    (`member_ids` None: every member)."""
    ids = None if member_ids is None else list(member_ids)
    return {member_id: figures[:2] for member_id, figures in _booked(ids, start, end).items()}


def _booked(ids: list[int] | None, start: date, end: date) -> dict[int, tuple[int, int, int, int]]:
    """{member_id: (planned, delivered, planned, delivered of requests whose envelope draw was refused)}."""
    if ids is not None and not ids:
        return {}
    refused = InterventionRequest.envelope_review == EnvelopeReview.REFUSED
    planned, delivered = Booking.status == BookingStatus.PLANNED, Booking.status == BookingStatus.DELIVERED
    rows = (
        _session()
        .execute(
            select(
                InterventionRequest.member_id,
                func.sum(case((planned, 1), else_=0)),
                func.sum(case((delivered, 1), else_=0)),
                func.sum(case((planned & refused, 1), else_=0)),
                func.sum(case((delivered & refused, 1), else_=0)),
            )
            .join(Booking, Booking.request_id == InterventionRequest.id)
            .where(
                _among(InterventionRequest.member_id, ids),
                Booking.date >= start,
                Booking.date <= end,
                Booking.status.in_(BookingStatus.HOLDING),
            )
            .group_by(InterventionRequest.member_id)
        )
        .all()
    )
    return {member_id: tuple(int(n or 0) for n in figures) for member_id, *figures in rows}


def _related_members(
    ids: list[int] | None, period: QuotaPeriod
) -> tuple[dict[int, int | None], list[tuple], dict[int, int]]:
    """({member: parent}, their quotas of the period as (member, kind, entitled, carried, adjusted),
    {commune: cap on its envelope draw}) for the members, their EPCI, the EPCI's communes and their own
    communes (an envelope is shared, so a commune's position depends on its siblings' use), in one query
    (`ids` None: every member).

    Plain rows, not ORM objects: a whole pool's read would otherwise spend most of its time building them."""
    query = (
        select(
            Member.id,
            Member.parent_id,
            Quota.kind,
            Quota.entitled_half_days,
            Quota.carried_over_half_days,
            Quota.adjusted_half_days,
            EnvelopeDraw.cap_half_days,
        )
        .outerjoin(Quota, (Quota.member_id == Member.id) & (Quota.period_id == period.id))
        .outerjoin(EnvelopeDraw, (EnvelopeDraw.member_id == Member.id) & (EnvelopeDraw.period_id == period.id))
    )
    if ids is not None:
        parents = select(Member.parent_id).where(Member.id.in_(ids), Member.parent_id.is_not(None))
        query = query.where(
            or_(
                Member.id.in_(ids),
                Member.parent_id.in_(ids),
                Member.id.in_(parents),
                Member.parent_id.in_(parents),
            )
        )
    rows = _session().execute(query).all()
    parent_of = {row[0]: row[1] for row in rows}
    caps = {row[0]: row[6] for row in rows if row[6] is not None}
    return parent_of, [tuple(row[:1]) + tuple(row[2:6]) for row in rows if row[2] is not None], caps


def _open_requests(member_ids: list[int] | None, period: QuotaPeriod, periods, now) -> list[OpenRequest]:
    booked = (
        select(func.count(Booking.id))
        .where(Booking.request_id == InterventionRequest.id, Booking.status.in_(BookingStatus.HOLDING))
        .correlate(InterventionRequest)
        .scalar_subquery()
    )
    rows = (
        _session()
        .execute(
            select(
                InterventionRequest.id,
                InterventionRequest.member_id,
                InterventionRequest.envelope_review,
                InterventionRequest.status,
                InterventionRequest.half_days,
                InterventionRequest.granted_half_days,
                InterventionRequest.earliest,
                InterventionRequest.deadline,
                InterventionRequest.submitted_at,
                InterventionRequest.decided_at,
                booked,
            ).where(
                _among(InterventionRequest.member_id, member_ids),
                InterventionRequest.status.in_((RequestStatus.APPROVED, *RequestStatus.AWAITING_DECISION)),
            )
        )
        .all()
    )
    result = []
    spans, today = _spans(periods), today_paris(now) if now else None
    for rid, member_id, review, status, asked, granted, earliest, deadline, submitted, decided, booked_n in rows:
        chosen = _pick(spans, earliest, deadline, today)
        if chosen is None or chosen.id != period.id:
            continue
        # Approved requests draw in the order they were decided, the others in the order they were sent.
        if status == RequestStatus.APPROVED:
            layer, n, order = APPROVED, max(0, granted - int(booked_n or 0)), _order(decided or submitted, rid)
        else:
            layer, n, order = REQUESTED, asked, _order(submitted, rid)
        result.append(OpenRequest(rid, member_id, layer, n, order, review == EnvelopeReview.REFUSED))
    return result


def _order(sent: datetime | None, request_id: int | None) -> tuple:
    # Naive and aware datetimes cannot be compared: SQLite returns naive UTC, so compare UTC as text.
    if sent is not None and sent.tzinfo is not None:
        sent = sent.astimezone(UTC)
    stamp = sent.replace(tzinfo=None).isoformat() if sent is not None else "9999"
    return (stamp, request_id if request_id is not None else 10**12)


def ledger(
    member_ids: Iterable[int], period: QuotaPeriod | None, *, now: datetime | None = None, periods=None
) -> Ledger:
    """The raw figures the positions of `member_ids` depend on, in a constant number of queries (4, and
    one more without `periods`, the list of all periods)."""
    ids = list(member_ids)
    price = unit_price_cents()
    if period is None or not ids:
        return Ledger(period, price, parent_of=dict.fromkeys(ids))
    scope = None if len(ids) >= WHOLE_POOL else ids
    parent_of, quotas, caps = _related_members(scope, period)
    related = None if scope is None else list(parent_of)
    booked = _booked(related, period.start_date, period.end_date)
    own, envelope = {}, {}
    for member_id, kind, entitled, carried, adjusted in quotas:
        (own if kind == QuotaKind.OWN else envelope)[member_id] = (entitled, carried, adjusted)
    return Ledger(
        period=period,
        unit_price_cents=price,
        parent_of=parent_of,
        own=own,
        envelope=envelope,
        booked={member_id: figures[:2] for member_id, figures in booked.items()},
        requests=_open_requests(related, period, all_periods() if periods is None else periods, now),
        caps=caps,
        no_envelope={member_id: figures[2:] for member_id, figures in booked.items() if any(figures[2:])},
    )


def positions(
    member_ids: Iterable[int], period: QuotaPeriod | None, *, now: datetime | None = None, periods=None
) -> Positions:
    """Positions of many members (and their EPCI envelopes) in a constant number of queries."""
    return compute(ledger(member_ids, period, now=now, periods=periods))


def balances(member_ids: Iterable[int], period: QuotaPeriod | None, kind: str = QuotaKind.OWN) -> dict[int, Position]:
    """{member_id: Position} of the members' own rights (kind ENVELOPE: their envelopes, if any)."""
    ids = list(member_ids)
    result = positions(ids, period)
    if kind == QuotaKind.ENVELOPE:
        return {member_id: result.envelopes[member_id] for member_id in ids if member_id in result.envelopes}
    return {member_id: result.members[member_id] for member_id in ids}


def balance(member_id: int, period: QuotaPeriod | None) -> Position:
    return balances([member_id], period)[member_id]


def envelope_balance(epci, period: QuotaPeriod | None) -> Position | None:
    """The envelope an EPCI shares with its communes for the period (None when it holds none)."""
    epci_id = getattr(epci, "id", epci)
    return balances([epci_id], period, QuotaKind.ENVELOPE).get(epci_id)


# --- requests judged in submission order ----------------------------------------------------------


def request_splits(
    requests: Iterable[InterventionRequest],
    now: datetime | None = None,
    *,
    periods=None,
    known: Positions | None = None,
) -> dict[int, RequestSplit]:
    """{request_id: split} of open requests (the queue, a list), a constant number of queries per period.

    `known`: positions already computed (for one period) that hold the requests' members, reused.
    A request no longer open (scheduled, completed…) keeps the over-quota part fixed at its approval.
    """
    requests = list(requests)
    periods = all_periods() if periods is None else periods
    by_period: dict[int | None, list[InterventionRequest]] = {}
    chosen = {}
    for req in requests:
        period = pick_period(periods, req.earliest, req.deadline, now)
        chosen[period.id if period else None] = period
        by_period.setdefault(period.id if period else None, []).append(req)
    result = {}
    price = unit_price_cents()
    for period_id, reqs in by_period.items():
        member_ids = sorted({r.member_id for r in reqs})
        if known is not None and known.period_id == period_id and set(member_ids) <= set(known.members):
            splits = known.requests
        else:
            splits = positions(member_ids, chosen[period_id], now=now, periods=periods).requests
        for r in reqs:
            if period_id is None:
                result[r.id] = _not_open_or_settled(r, price)
            else:
                result[r.id] = splits.get(r.id) or _settled_split(r, chosen[period_id], price)
    return result


def _not_open_or_settled(req: InterventionRequest, price: int) -> RequestSplit:
    if req.status in (RequestStatus.APPROVED, *RequestStatus.AWAITING_DECISION):
        return replace(not_open_split(req), unit_price_cents=price)
    return _settled_split(req, None, price)


def _settled_split(req: InterventionRequest, period: QuotaPeriod | None, price: int) -> RequestSplit:
    """A request that no longer draws (booked in full, or closed): its over-quota part as approved."""
    granted = req.granted_half_days
    over = min(granted, req.over_quota_half_days or 0)
    return RequestSplit(req.id, req.member_id, granted, granted - over, 0, over, price, 0, 0, period)


def judge_request(
    req: InterventionRequest, *, now: datetime | None = None, half_days: int | None = None, approving: bool = False
) -> RequestSplit:
    """Where one request stands (a saved one, or a draft the form describes, never added to the session).

    `half_days` judges it for another amount; `approving` judges it as if approved now (an approved
    request draws before the ones still waiting for a decision). A draft is judged after every request
    already sent.
    """
    period = period_of_request(req, now)
    if not approving and req.status not in (
        RequestStatus.DRAFT,
        RequestStatus.APPROVED,
        *RequestStatus.AWAITING_DECISION,
    ):
        return _settled_split(req, period, unit_price_cents())
    if period is None:
        return not_open_split(req, half_days)
    n = req.granted_half_days if half_days is None else int(half_days)
    book = ledger([req.member_id], period, now=now)
    others = [r for r in book.requests if req.id is None or r.id != req.id]
    if approving:  # decided now: after every request approved before it
        layer, stamp = APPROVED, None
    elif req.status == RequestStatus.APPROVED:
        layer, stamp = APPROVED, req.decided_at or req.submitted_at
    else:
        layer, stamp = REQUESTED, req.submitted_at if req.status != RequestStatus.DRAFT else None
    booked_n = 0
    if req.id is not None and layer == APPROVED and not approving:
        booked_n = sum(1 for b in req.bookings if b.status in BookingStatus.HOLDING)
    refused = req.envelope_review == EnvelopeReview.REFUSED
    mine = OpenRequest(req.id, req.member_id, layer, max(0, n - booked_n), _order(stamp, req.id), refused)
    book.requests = [*others, mine]
    split = compute(book).requests[req.id]
    return replace(split, half_days=n)
