"""Read-side of the member's space: its requests, upcoming half-days, what needs its action.

Relations a page shows are eager-loaded, so a page costs the same number of queries for 10 or 200 rows.
"""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from expertpool.extensions import db
from expertpool.models import (
    Booking,
    BookingStatus,
    Expert,
    InterventionRequest,
    Notification,
    RequestMessage,
    RequestStatus,
    Role,
    Skill,
)

PER_PAGE = 50
# What a member must act on: answer a question, send a draft, rate a finished intervention.


def load_request(request_id: int) -> InterventionRequest | None:
    """A request with everything its detail page shows."""
    return db.session.scalar(
        select(InterventionRequest)
        .where(InterventionRequest.id == request_id)
        .options(
            joinedload(InterventionRequest.member),
            joinedload(InterventionRequest.role),
            joinedload(InterventionRequest.preferred_expert),
            selectinload(InterventionRequest.skills),
            selectinload(InterventionRequest.bookings).joinedload(Booking.expert),
            selectinload(InterventionRequest.messages).joinedload(RequestMessage.author),
        )
        # Fresh from the database even if the session already holds the request (long-lived sessions).
        .execution_options(populate_existing=True)
    )


def requests_page(member_ids: set[int], *, status: str | None = None, page: int = 1):
    """One page of the members' requests, newest first, with what the list shows loaded."""
    stmt = (
        select(InterventionRequest)
        .where(InterventionRequest.member_id.in_(sorted(member_ids)))
        .options(
            joinedload(InterventionRequest.member),
            joinedload(InterventionRequest.role),
            joinedload(InterventionRequest.preferred_expert),
            selectinload(InterventionRequest.bookings).joinedload(Booking.expert),
        )
        .order_by(InterventionRequest.created_at.desc(), InterventionRequest.id.desc())
    )
    if status:
        stmt = stmt.where(InterventionRequest.status == status)
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def upcoming_bookings(member_ids: set[int], today: date, limit: int = 10) -> list[Booking]:
    """The next planned half-days of the members' requests (who comes when)."""
    return list(
        db.session.scalars(
            select(Booking)
            .join(InterventionRequest, InterventionRequest.id == Booking.request_id)
            .where(
                InterventionRequest.member_id.in_(sorted(member_ids)),
                Booking.status == BookingStatus.PLANNED,
                Booking.date >= today,
            )
            .options(joinedload(Booking.expert), joinedload(Booking.request))
            .order_by(Booking.date, Booking.half, Booking.id)
            .limit(limit)
        )
    )


def requests_needing_action(member_id: int, limit: int = 20) -> list[InterventionRequest]:
    return list(
        db.session.scalars(
            select(InterventionRequest)
            .where(
                InterventionRequest.member_id == member_id,
                InterventionRequest.status.in_(RequestStatus.NEEDS_MEMBER_ACTION),
            )
            .order_by(InterventionRequest.updated_at.desc(), InterventionRequest.id.desc())
            .limit(limit)
        )
    )


def latest_notifications(user, limit: int = 5) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def form_choices() -> tuple[list[Role], list[Expert], list[Skill]]:
    """Roles, active experts (with their roles) and skills offered by the request form."""
    roles = list(db.session.scalars(select(Role).order_by(Role.label)))
    experts = list(
        db.session.scalars(
            select(Expert)
            .where(Expert.active.is_(True))
            .options(selectinload(Expert.roles))
            .order_by(Expert.display_name, Expert.id)
        )
    )
    skills = list(db.session.scalars(select(Skill).order_by(Skill.name)))
    return roles, experts, skills
