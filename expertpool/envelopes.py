"""EPCI envelopes under the EPCI's control: the cap on each commune's draw, the EPCI's approval of draws,
and the notice to the EPCI when a commune starts drawing on its envelope.

The figures themselves (what a commune drew, what its cap leaves it) are the position's
(`quotas.Position.envelope_drawn`, `.envelope_cap`, `.envelope_available`): this module only writes the
EPCI's decisions, and every page and the scheduler read their effect from `quotas.py`.
Services flush and never commit; each change writes one audit row.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from expertpool import quotas
from expertpool.audit import record
from expertpool.extensions import db
from expertpool.models import (
    EnvelopeDraw,
    EnvelopeReview,
    InterventionRequest,
    Member,
    QuotaPeriod,
    RequestStatus,
    Urgency,
    User,
)
from expertpool.notifications import notify, notify_staff

# A review is asked while the request waits for the coordinator's decision.
REVIEWABLE_STATUSES = RequestStatus.AWAITING_DECISION


class NotACommuneOfTheEpci(LookupError):
    """The commune is not one of the EPCI's communes (the page answers 404)."""


class ReviewNotPending(Exception):
    """The request's envelope draw is not (or no longer) waiting for the EPCI."""


def epci_of(user) -> Member | None:
    """The EPCI whose envelope `user` manages: their own structure, when it holds an envelope."""
    member = getattr(user, "member", None)
    return member if member is not None and member.holds_envelope else None


def commune_of(epci: Member, commune_id: int) -> Member:
    commune = db.session.get(Member, commune_id)
    if commune is None or commune.parent_id != epci.id:
        raise NotACommuneOfTheEpci(commune_id)
    return commune


def _epci_users(epci: Member) -> list[User]:
    return list(
        db.session.scalars(select(User).where(User.member_id == epci.id, User.active.is_(True)).order_by(User.id))
    )


def _draw_row(period: QuotaPeriod, commune: Member) -> EnvelopeDraw:
    row = db.session.scalar(
        select(EnvelopeDraw).where(EnvelopeDraw.period_id == period.id, EnvelopeDraw.member_id == commune.id)
    )
    if row is None:
        row = EnvelopeDraw(period_id=period.id, member_id=commune.id)
        db.session.add(row)
    return row


# --- the EPCI's settings --------------------------------------------------------------------------


def set_cap(epci: Member, commune: Member, period: QuotaPeriod, cap: int | None, *, actor, now: datetime) -> bool:
    """Cap `commune`'s draw on `epci`'s envelope for `period` (half-days; None: no cap). False: unchanged."""
    if commune.parent_id != epci.id:
        raise NotACommuneOfTheEpci(commune.id)
    if cap is not None and cap < 0:
        raise ValueError(cap)
    row = _draw_row(period, commune)
    before = row.cap_half_days
    if before == cap:
        return False
    row.cap_half_days = cap
    db.session.flush()
    record(
        actor,
        "envelope.cap",
        row,
        now=now,
        before={"cap_half_days": before},
        after={"cap_half_days": cap, "period": period.name, "epci": epci.name, "commune": commune.name},
        member_id=commune.id,
    )
    return True


def set_approval_required(epci: Member, required: bool, *, actor, now: datetime) -> bool:
    """Whether the EPCI approves each draw on its envelope before the coordinator decides. Turned off,
    the draws still waiting for it no longer wait (the coordinator decides them as any other)."""
    if epci.envelope_draws_need_approval == required:
        return False
    epci.envelope_draws_need_approval = required
    released = [] if required else pending_reviews(epci)
    for req in released:
        req.envelope_review = None
    db.session.flush()
    record(
        actor,
        "envelope.approval_setting",
        epci,
        now=now,
        before={"envelope_draws_need_approval": not required},
        after={"envelope_draws_need_approval": required, "released_requests": [r.id for r in released]},
        member_id=epci.id,
    )
    return True


# --- reviews of draws -----------------------------------------------------------------------------


def ask_review_if_needed(req: InterventionRequest, *, now: datetime, link: str = "") -> bool:
    """At sending: when the commune's EPCI approves draws and part of the request would come from its
    envelope, the request waits for the EPCI first (its users are told). A critical request never waits."""
    epci = req.member.parent
    if epci is None or not epci.holds_envelope or not epci.envelope_draws_need_approval:
        return False
    if req.urgency == Urgency.CRITICAL or req.status not in REVIEWABLE_STATUSES:
        return False
    split = quotas.judge_request(req, now=now)
    if not split.envelope:
        return False
    req.envelope_review = EnvelopeReview.PENDING
    db.session.flush()
    params = {"member": req.member.name, "title": req.title, "days": split.envelope}
    for user in _epci_users(epci):
        notify(user, "envelope_review_requested", params, now=now, link=link)
    return True


def pending_reviews(epci: Member) -> list[InterventionRequest]:
    """The requests of the EPCI's communes whose envelope draw waits for it, the oldest first."""
    return list(
        db.session.scalars(
            select(InterventionRequest)
            .options(selectinload(InterventionRequest.member))  # the queue names each commune
            .join(Member, Member.id == InterventionRequest.member_id)
            .where(
                Member.parent_id == epci.id,
                InterventionRequest.envelope_review == EnvelopeReview.PENDING,
                InterventionRequest.status.in_(REVIEWABLE_STATUSES),
            )
            .order_by(InterventionRequest.submitted_at, InterventionRequest.id)
        )
    )


def review_draw(
    req: InterventionRequest,
    epci: Member,
    *,
    approve: bool,
    reason: str = "",
    actor,
    now: datetime,
    member_link: str = "",
    staff_link: str = "",
) -> None:
    """The EPCI approves or refuses (reason required) the request's draw on its envelope. Refused: the
    part beyond the commune's own right is over quota, and the commune is told; either way the
    coordinators may now decide."""
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValueError("reason")
    if req.member.parent_id != epci.id:
        raise NotACommuneOfTheEpci(req.member_id)
    if req.envelope_review != EnvelopeReview.PENDING or req.status not in REVIEWABLE_STATUSES:
        raise ReviewNotPending(req.envelope_review)
    drawn = quotas.judge_request(req, now=now).envelope
    before = {"envelope_review": req.envelope_review}
    req.envelope_review = EnvelopeReview.APPROVED if approve else EnvelopeReview.REFUSED
    req.envelope_review_reason = reason
    req.envelope_reviewed_at = now
    req.envelope_reviewed_by_id = getattr(actor, "id", None)
    db.session.flush()  # a concurrent change of the same request fails here (optimistic version)
    record(
        actor,
        "request.envelope_review",
        req,
        now=now,
        before=before,
        after={"envelope_review": req.envelope_review, "reason": reason, "envelope_half_days": drawn},
        member_id=req.member_id,
        request_id=req.id,
    )
    commune_users = list(
        db.session.scalars(select(User).where(User.member_id == req.member_id, User.active.is_(True)).order_by(User.id))
    )
    if approve:
        for user in commune_users:
            notify(user, "envelope_draw_approved", {"title": req.title, "days": drawn}, now=now, link=member_link)
    else:
        over = quotas.judge_request(req, now=now).over
        params = {"title": req.title, "reason": reason, "over": over}
        for user in commune_users:
            notify(user, "envelope_draw_refused", params, now=now, link=member_link)
    notify_staff(
        "envelope_reviewed",
        {"epci": epci.name, "member": req.member.name, "title": req.title},
        now=now,
        link=staff_link,
    )


# --- first draw of a period -----------------------------------------------------------------------


def notify_first_draws(member_ids, period: QuotaPeriod | None, *, now: datetime, link: str = "") -> list[Member]:
    """Tell the EPCI's users when one of its communes starts drawing on its envelope in `period` (booked
    or approved half-days from it): once per commune and period. Returns the communes that started."""
    ids = sorted(set(member_ids))
    if period is None or not ids:
        return []
    result = quotas.positions(ids, period, now=now)
    drawing = [m for m in ids if m in result.members and result.members[m].envelope_drawn > 0]
    if not drawing:
        return []
    already = set(
        db.session.scalars(
            select(EnvelopeDraw.member_id).where(
                EnvelopeDraw.period_id == period.id,
                EnvelopeDraw.member_id.in_(drawing),
                EnvelopeDraw.first_drawn_at.is_not(None),
            )
        )
    )
    started = []
    for commune in db.session.scalars(select(Member).where(Member.id.in_([m for m in drawing if m not in already]))):
        epci = commune.parent
        if epci is None or not epci.holds_envelope:
            continue
        _draw_row(period, commune).first_drawn_at = now
        params = {"member": commune.name, "period": period.name, "days": result.members[commune.id].envelope_drawn}
        for user in _epci_users(epci):
            notify(user, "envelope_first_draw", params, now=now, link=link)
        started.append(commune)
    db.session.flush()
    return started
