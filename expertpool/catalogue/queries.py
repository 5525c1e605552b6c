"""Read-side of the marketplace: experts matching the filters, their ratings and next free half-day.

Every function answers for many experts at once in a fixed number of queries, so the page costs the
same whether the pool has ten experts or two hundred.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from expertpool.availability import first_free_half_days
from expertpool.extensions import db
from expertpool.models import (
    Booking,
    Expert,
    InterventionRequest,
    Role,
    Skill,
)
from expertpool.models.enums import BookingStatus
from expertpool.models.expert import expert_roles, expert_skills
from expertpool.text_search import Field, search

# A rating is shown once this many rated interventions back it: one unhappy mayor is not a verdict.
MIN_RATINGS_SHOWN = 3
# How far ahead "next free half-day" looks (in weeks); beyond it the card says "not before…".
FREE_SLOT_HORIZON_WEEKS = 26
MAX_SEARCH_LENGTH = 100
# Ranking: a word found in the name counts more than in the roles and skills, which count more than the bio.
NAME_WEIGHT, PROFILE_WEIGHT, BIO_WEIGHT = 100, 10, 1


@dataclass(frozen=True, slots=True)
class Rating:
    average: float
    count: int

    @property
    def shown(self) -> bool:
        return self.count >= MIN_RATINGS_SHOWN


@dataclass(frozen=True, slots=True)
class FreeSlot:
    day: date
    half: str


@dataclass(frozen=True, slots=True)
class ExpertCard:
    expert: Expert
    rating: Rating | None
    next_free: FreeSlot | None


def find_experts(
    *, text: str = "", role_id: int | None = None, skill_id: int | None = None, mode: str = ""
) -> list[Expert]:
    """Active experts matching the search (name, roles and skills, bio: best match first) and filters,
    roles and skills loaded."""
    stmt = (
        select(Expert)
        .where(Expert.active.is_(True))
        .options(selectinload(Expert.roles), selectinload(Expert.skills))
        .order_by(Expert.display_name, Expert.id)
    )
    found = search(
        [
            Field(Expert.search_name, NAME_WEIGHT),
            Field(Expert.search_profile, PROFILE_WEIGHT),
            Field(Expert.search_bio, BIO_WEIGHT),
        ],
        (text or "")[:MAX_SEARCH_LENGTH],
        db.engine.dialect.name,
    )
    if found is not None:
        stmt = stmt.where(found.where).order_by(None).order_by(found.rank.desc(), Expert.display_name, Expert.id)
    if role_id:
        stmt = stmt.where(Expert.id.in_(select(expert_roles.c.expert_id).where(expert_roles.c.role_id == role_id)))
    if skill_id:
        stmt = stmt.where(Expert.id.in_(select(expert_skills.c.expert_id).where(expert_skills.c.skill_id == skill_id)))
    if mode == "on_site":
        stmt = stmt.where(Expert.works_on_site.is_(True))
    elif mode == "remote":
        stmt = stmt.where(Expert.works_remote.is_(True))
    return list(db.session.scalars(stmt))


def ratings(expert_ids: list[int]) -> dict[int, Rating]:
    """{expert_id: Rating} over the rated requests each expert delivered at least one half-day of."""
    if not expert_ids:
        return {}
    # One row per (expert, request) whatever the number of half-days delivered.
    served = (
        select(Booking.request_id, Booking.expert_id)
        .where(Booking.expert_id.in_(expert_ids), Booking.status == BookingStatus.DELIVERED)
        .distinct()
        .subquery()
    )
    rows = db.session.execute(
        select(served.c.expert_id, func.avg(InterventionRequest.rating), func.count(InterventionRequest.id))
        .join(InterventionRequest, InterventionRequest.id == served.c.request_id)
        .where(InterventionRequest.rating.is_not(None))
        .group_by(served.c.expert_id)
    ).all()
    return {expert_id: Rating(float(avg), int(count)) for expert_id, avg, count in rows}


def next_free_half_days(
    experts: list[Expert], start: date, region: str, weeks: int = FREE_SLOT_HORIZON_WEEKS
) -> dict[int, FreeSlot | None]:
    """{expert_id: first free half-day from `start`} (availability.py: pattern, holidays, leave, bookings)."""
    first = first_free_half_days(experts, start, start + timedelta(weeks=weeks), region)
    return {expert_id: FreeSlot(*slot) if slot else None for expert_id, slot in first.items()}


def expert_cards(
    experts: list[Expert], *, start: date, region: str, free_before: date | None = None
) -> list[ExpertCard]:
    """The marketplace cards; with `free_before`, only experts with a free half-day before that date."""
    rated = ratings([e.id for e in experts])
    free = next_free_half_days(experts, start, region)
    cards = [ExpertCard(e, rated.get(e.id), free.get(e.id)) for e in experts]
    if free_before is not None:
        cards = [c for c in cards if c.next_free is not None and c.next_free.day <= free_before]
    return cards


def filter_choices() -> tuple[list[Role], list[Skill]]:
    return (
        list(db.session.scalars(select(Role).order_by(Role.label))),
        list(db.session.scalars(select(Skill).order_by(Skill.name))),
    )


def load_expert(expert_id: int) -> Expert | None:
    return db.session.scalar(
        select(Expert)
        .where(Expert.id == expert_id, Expert.active.is_(True))
        .options(selectinload(Expert.roles), selectinload(Expert.skills))
    )
