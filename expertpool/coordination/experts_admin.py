"""Managing the pool's experts (profile, roles, skills, weekly pattern, rate) and the lists of roles and skills."""

from datetime import date, datetime

from sqlalchemy import func, select, update

from expertpool import position_store, week_patterns
from expertpool.audit import record, snapshot
from expertpool.extensions import db
from expertpool.models import Booking, BookingStatus, Expert, Role, Skill, User, UserRole
from expertpool.models.expert import HALVES, WEEKDAYS, expert_skills, week_bit
from expertpool.models.request import request_skills
from expertpool.rescheduling import tell_members_to_reschedule
from expertpool.timeutil import today_paris

EXPERT_FIELDS = ("display_name", "user_id", "bio", "day_rate_cents", "week_mask", "works_on_site", "works_remote")


class ExpertUserTaken(ValueError):
    """The chosen user account is already linked to another expert."""


def mask_from_slots(slots: list[str]) -> int:
    """'mon-am', 'tue-pm'… (the 14 checkboxes) → the expert's week mask."""
    mask = 0
    for slot in slots:
        day, _sep, half = slot.partition("-")
        if day in WEEKDAYS and half in HALVES:
            mask |= week_bit(WEEKDAYS.index(day), half)
    return mask


def slots_from_mask(mask: int) -> list[str]:
    return [f"{day}-{half}" for i, day in enumerate(WEEKDAYS) for half in HALVES if mask & week_bit(i, half)]


def linkable_users(expert: Expert | None = None) -> list[User]:
    """Expert accounts not yet linked to another expert profile."""
    taken = select(Expert.user_id).where(Expert.user_id.is_not(None))
    if expert is not None and expert.id is not None:
        taken = taken.where(Expert.id != expert.id)
    return list(
        db.session.scalars(select(User).where(User.role == UserRole.EXPERT, User.id.not_in(taken)).order_by(User.name))
    )


def skills_by_name(names: list[str]) -> list[Skill]:
    """Existing skills (whatever the case) and new ones for the names not known yet."""
    if not names:
        return []
    known = {
        s.name.lower(): s
        for s in db.session.scalars(select(Skill).where(func.lower(Skill.name).in_([n.lower() for n in names])))
    }
    result = []
    for name in names:
        skill = known.get(name.lower())
        if skill is None:
            skill = Skill(name=name)
            db.session.add(skill)
            known[name.lower()] = skill
        result.append(skill)
    return result


def _expert_state(expert: Expert) -> dict:
    return {
        **snapshot(expert, *EXPERT_FIELDS),
        "roles": [r.code for r in expert.roles],
        "skills": [s.name for s in expert.skills],
    }


def _apply(expert: Expert, data: dict) -> None:
    if data.get("user_id"):
        owner = db.session.scalar(select(Expert).where(Expert.user_id == data["user_id"]))
        if owner is not None and owner is not expert:
            raise ExpertUserTaken(owner.display_name)
    for name in EXPERT_FIELDS:
        if name in data and name != "week_mask":
            setattr(expert, name, data[name])
    if "role_ids" in data:
        expert.roles = (
            list(db.session.scalars(select(Role).where(Role.id.in_(data["role_ids"])))) if data["role_ids"] else []
        )
    if "skill_names" in data:
        expert.skills = skills_by_name(data["skill_names"])


def create_expert(data: dict, *, actor, now: datetime) -> Expert:
    expert = Expert(created_at=now)
    if "week_mask" in data:
        expert.week_mask = data["week_mask"]
    # Added only once filled in: the look-ups in _apply would otherwise autoflush a half-made row.
    with db.session.no_autoflush:
        _apply(expert, data)
    db.session.add(expert)
    db.session.flush()
    week_patterns.join(expert, since=today_paris(now))
    record(actor, "expert.create", expert, now=now, after=_expert_state(expert), expert_id=expert.id)
    return expert


def update_expert(expert: Expert, data: dict, *, actor, now: datetime) -> bool:
    before = _expert_state(expert)
    _apply(expert, data)
    if "week_mask" in data:  # the pattern's history goes with it (the replay of the past reads it)
        week_patterns.set_week_mask(expert, data["week_mask"], now=now)
    db.session.flush()
    after = _expert_state(expert)
    if before == after:
        return False
    changed = [k for k in after if before.get(k) != after[k]]
    record(
        actor,
        "expert.update",
        expert,
        now=now,
        before={k: before.get(k) for k in changed},
        after={k: after[k] for k in changed},
        expert_id=expert.id,
    )
    return True


def deactivate_expert(expert: Expert, *, actor, now: datetime, today: date) -> int:
    """Take an expert out of the pool: future planned bookings are flagged for rescheduling (never deleted)."""
    if not expert.active:
        return 0
    expert.active = False
    week_patterns.leave(expert, today=today)
    to_flag = (
        Booking.expert_id == expert.id,
        Booking.status == BookingStatus.PLANNED,
        Booking.date >= today,
        Booking.to_reschedule.is_(False),
    )
    bookings = list(db.session.scalars(select(Booking).where(*to_flag)))
    flagged = db.session.execute(
        update(Booking)
        .where(*to_flag)
        .values(to_reschedule=True, sequence=Booking.sequence + 1, updated_at=now)
        # Flagged half-days still count as planned: no drawing-right position moves.
        .execution_options(synchronize_session="fetch", **position_store.TOUCHED)
    ).rowcount
    db.session.flush()
    tell_members_to_reschedule(bookings, now=now)
    record(
        actor,
        "expert.deactivate",
        expert,
        now=now,
        before={"active": True},
        after={"active": False, "bookings_to_reschedule": flagged},
        expert_id=expert.id,
    )
    return flagged


def reactivate_expert(expert: Expert, *, actor, now: datetime) -> bool:
    if expert.active:
        return False
    expert.active = True
    week_patterns.join(expert, since=today_paris(now))
    db.session.flush()
    record(
        actor,
        "expert.reactivate",
        expert,
        now=now,
        before={"active": False},
        after={"active": True},
        expert_id=expert.id,
    )
    return True


# --- roles and skills ------------------------------------------------------------------------------


def save_role(role: Role | None, data: dict, *, actor, now: datetime) -> Role:
    fields = ("code", "label", "description")
    creating = role is None
    role = role or Role()
    before = None if creating else snapshot(role, *fields)
    for name in fields:
        setattr(role, name, data[name])
    if creating:
        db.session.add(role)
    elif before == snapshot(role, *fields):
        return role
    db.session.flush()
    record(
        actor, "role.create" if creating else "role.update", role, now=now, before=before, after=snapshot(role, *fields)
    )
    return role


def save_skill(skill: Skill | None, name: str, *, actor, now: datetime) -> Skill:
    creating = skill is None
    skill = skill or Skill()
    before = None if creating else {"name": skill.name}
    if not creating and skill.name == name:
        return skill
    skill.name = name
    if creating:
        db.session.add(skill)
    db.session.flush()
    record(actor, "skill.create" if creating else "skill.rename", skill, now=now, before=before, after={"name": name})
    return skill


def skill_usage() -> dict[int, int]:
    """{skill_id: experts + requests using it}, to tell which skills may be deleted."""
    counts: dict[int, int] = {}
    for table in (expert_skills, request_skills):
        for skill_id, n in db.session.execute(select(table.c.skill_id, func.count()).group_by(table.c.skill_id)):
            counts[skill_id] = counts.get(skill_id, 0) + n
    return counts


def delete_skill(skill: Skill, *, actor, now: datetime) -> bool:
    """Only an unused skill may go (the history of requests keeps its skills)."""
    if skill_usage().get(skill.id):
        return False
    record(actor, "skill.delete", skill, now=now, before={"name": skill.name})
    db.session.delete(skill)
    db.session.flush()
    return True


def role_usage() -> dict[int, int]:
    from expertpool.models.expert import expert_roles

    return dict(db.session.execute(select(expert_roles.c.role_id, func.count()).group_by(expert_roles.c.role_id)).all())
