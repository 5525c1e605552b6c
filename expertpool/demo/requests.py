"""The demo's requests in every state, made by the app's own services at the moments they happened.

Each request of requests.json is sent by its member's user, decided by the coordinator (approval.py),
booked by the scheduler's real runs (planning/service.py, run at the past moments of `RUN_DAYS_AGO`),
delivered, reported and rated through the agenda's and the requests' services: the audit rows, the
notifications and the mails are the ones these services write. Nothing here writes a row itself.

Every service takes `now` and reads no other clock (the scheduler's horizon, its lock and its plan are
dated by it), so the past is replayed without travelling in time: no test-only clock library is needed
where `seed-demo` runs.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from expertpool import quotes
from expertpool.agenda.delivery import record_delivery, save_report
from expertpool.approval import answer_information, approve_request, reject_request, request_information
from expertpool.demo.context import Ctx, ago
from expertpool.demo.data import REQUESTS, RUN_DAYS_AGO, S, Spec
from expertpool.models import BookingStatus, Expert, InterventionRequest, MemberKind, RunMode, Urgency, User
from expertpool.models.expert import HALVES
from expertpool.planning.service import run_allocation
from expertpool.requests.services import accept_quote, cancel_request, create_request, quota_preview, rate_request
from expertpool.timeutil import monday_of

# The coordinator's questions and the member's answer on a request waiting for information.
QUESTION = (
    "Bonjour, pouvez-vous préciser le logiciel concerné, sa version et qui "
    "nous donnera les accès le jour de l'intervention ?"
)
ANSWER = (
    "Bonjour, il s'agit de la version fournie par l'éditeur en 2019. "
    "Je me renseigne pour les accès auprès du prestataire."
)
FOLLOW_UP = "Merci. Il nous manque encore le nom du contact chez le prestataire : pouvez-vous le transmettre ?"


@dataclass
class Made:
    """A request as sent and decided, waiting for its run and what follows."""

    spec: Spec
    req: InterventionRequest
    author: User
    expert: Expert | None
    decided: datetime | None = None

    @property
    def planned(self) -> bool:
        """Requests the scheduler's runs see: every approved one, except a request cancelled before any
        half-day was booked (it was withdrawn before the next run)."""
        if self.decided is None:
            return False
        return self.spec.status != S.CANCELLED or (self.expert is not None and self.spec.booked != 0)


def seed_requests(ctx: Ctx) -> None:
    authors = {u.member_id: u for u in ctx.users.values() if u.member_id is not None}
    made = [_send_and_decide(ctx, spec, authors[ctx.members[spec.member].id]) for spec in REQUESTS]
    _run_scheduler(ctx, [m for m in made if m.planned])
    for item in made:
        _follow_up(ctx, item)


# --- sending and deciding ----------------------------------------------------------------------


def _window(ctx: Ctx, spec: Spec, expert: Expert | None) -> tuple[date, date]:
    """The request's window: a past one for work already done, one reaching today for work under way,
    the coming weeks otherwise (the scheduler places the half-days inside it, the earliest first)."""
    start = ctx.today + timedelta(days=spec.start)
    if spec.status in S.FINISHED:
        return start, min(ctx.today - timedelta(days=1), start + timedelta(days=max(14, 2 * spec.half_days)))
    if spec.status == S.IN_PROGRESS and expert is not None:
        return _under_way_since(ctx, expert, spec.half_days), ctx.today + timedelta(days=30)
    earliest = ctx.today + timedelta(days=max(1, spec.start))
    return earliest, earliest + timedelta(days=90)


def _under_way_since(ctx: Ctx, expert: Expert, half_days: int) -> date:
    """Where work under way began: far enough back that about half of its half-days fit in the expert's
    working week before today, so that the earliest-first placement leaves the rest to come."""
    day, count = ctx.today, 0
    while count < max(1, half_days // 2):
        day -= timedelta(days=1)
        if day not in ctx.holidays:
            count += sum(expert.works(day.weekday(), half) for half in HALVES)
    return day


def _send_and_decide(ctx: Ctx, spec: Spec, author: User) -> Made:
    if spec.this_week:
        spec = replace(spec, start=spec.start + (monday_of(ctx.today) - ctx.today).days)
    member = ctx.members[spec.member]
    expert = ctx.experts[spec.expert] if spec.expert is not None else None
    created = ago(ctx, spec.created, hour=8 + ctx.rng.randint(0, 8))
    earliest, deadline = _window(ctx, spec, expert)
    data = {
        "title": spec.title,
        "description": spec.description or f"Demande de {member.name}.",
        "role_id": ctx.roles[spec.role].id,
        # The member asked for the expert who comes: the scheduler's first choice.
        "preferred_expert_id": expert.id if expert else None,
        "half_days": spec.half_days,
        "earliest": earliest,
        "deadline": deadline,
        "urgency": spec.urgency,
        "on_site": spec.role != "dba",
        "address": f"Mairie, {member.name}" if member.kind == MemberKind.COMMUNE else member.address,
        "skill_ids": [ctx.skills[s].id for s in spec.skills],
    }
    sending = spec.status != S.DRAFT
    # The quote of the billable part, as the form shows it before sending (a critical request does not wait).
    quote = quota_preview(member.id, spec.half_days, earliest, now=created, deadline=deadline) if sending else None
    req = create_request(
        member.id,
        actor=author,
        now=created,
        data=data,
        submit=sending,
        quote=quote,
        quote_accepted=spec.urgency != Urgency.CRITICAL,
    )
    made = Made(spec, req, author, expert)
    if spec.status == S.NEEDS_INFO:
        _thread(ctx, made, created)
    if spec.status in (S.DRAFT, S.SUBMITTED, S.NEEDS_INFO):
        return made
    decided = created + timedelta(days=min(2, spec.created / 3), hours=2)
    if spec.status == S.REJECTED:
        reject_request(req, actor=ctx.coordinator, now=decided, reason=spec.note)
        return made
    # A cancelled request's note is why it was cancelled; the others' is the coordinator's approval note.
    note = "" if spec.status == S.CANCELLED else spec.note
    approve_request(req, actor=ctx.coordinator, now=decided, half_days=spec.approved, note=note)
    made.decided = decided
    due = quotes.quote_due_now(req, decided)
    if due is not None and spec.urgency != Urgency.CRITICAL:
        # The member accepts the quote of what outgrew the right the next hour: then it can be booked.
        made.decided = decided + timedelta(hours=1)
        accept_quote(req, actor=author, now=made.decided, quoted=due.half_days)
    return made


def _thread(ctx: Ctx, made: Made, created: datetime) -> None:
    asked = min(created + timedelta(days=1, hours=3), ctx.now - timedelta(hours=3))
    request_information(made.req, actor=ctx.coordinator, now=asked, message=QUESTION)
    answered = min(asked + timedelta(hours=5), ctx.now - timedelta(hours=2))
    answer_information(made.req, actor=made.author, now=answered, body=ANSWER)
    followed = min(asked + timedelta(days=1), ctx.now - timedelta(hours=1))
    request_information(made.req, actor=ctx.coordinator, now=followed, message=FOLLOW_UP)


# --- the scheduler's runs -----------------------------------------------------------------------


def _run_times(ctx: Ctx) -> list[datetime]:
    return [
        (ctx.now - timedelta(days=days_ago)).replace(hour=5, minute=0, second=0, microsecond=0)
        for days_ago in RUN_DAYS_AGO
    ]


def _run_scheduler(ctx: Ctx, made: list[Made]) -> None:
    """The scheduler's weekly runs, each planning the requests approved before it whose window it still
    reaches. A request approved after the last run waits for the next one, unless the data say it is
    booked already: that one, and a critical incident, the coordinator planned by a run of their own the
    hour after the approval."""
    runs: dict[tuple[datetime, bool], list[int]] = {}
    times = _run_times(ctx)
    for item in made:
        first_day = item.req.earliest
        at = next(
            (t for t in times if t > item.decided and t.date() < first_day <= t.date() + timedelta(weeks=12)),
            None,
        )
        if at is None and item.spec.status == S.APPROVED:
            continue  # approved after the last run: it waits for the next one
        by_hand = at is None or item.req.urgency == Urgency.CRITICAL
        if by_hand:
            at = item.decided + timedelta(hours=1)
        runs.setdefault((at, by_hand), []).append(item.req.id)
    last = max(times)
    for (at, by_hand), request_ids in sorted(runs.items()):
        # The last weekly run was the coordinator's, started from the planning page.
        actor = ctx.coordinator if by_hand or at == last else None
        run_allocation(actor=actor, now=at, mode=RunMode.COMMIT, request_ids=request_ids)


# --- delivery, reports, ratings, cancellations -----------------------------------------------------


def _delivered_at(ctx: Ctx, day: date) -> datetime:
    """The evening the expert records a past half-day (never later than a few minutes ago)."""
    moment = ctx.now - timedelta(days=(ctx.today - day).days) + timedelta(hours=8)
    return min(moment, ctx.now - timedelta(minutes=30))


def _follow_up(ctx: Ctx, made: Made) -> None:
    req, spec = made.req, made.spec
    if spec.status == S.CANCELLED:
        cancelled = max(made.decided + timedelta(days=1), ctx.now - timedelta(days=2))
        cancelled = min(cancelled, ctx.now - timedelta(hours=1))
        cancel_request(req, actor=made.author, now=cancelled, reason=spec.note)
        return
    past = sorted(
        (b for b in req.bookings if b.status == BookingStatus.PLANNED and b.date < ctx.today),
        key=lambda b: (b.date, b.half),
    )
    at = None
    for booking in past:
        at = _delivered_at(ctx, booking.date)
        record_delivery(booking, delivered=True, note="", actor=booking.expert.user, now=at, today=booking.date)
    if req.status != S.COMPLETED or at is None:
        return
    expert_user = past[-1].expert.user
    save_report(req, spec.report, actor=expert_user, now=min(at + timedelta(hours=1), ctx.now - timedelta(minutes=20)))
    if spec.status == S.RATED:
        rated = min(at + timedelta(days=2), ctx.now - timedelta(minutes=10))
        rate_request(req, actor=made.author, now=rated, rating=spec.rating, comment=spec.comment)
