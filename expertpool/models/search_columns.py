"""Keeps the folded search columns (text_search.fold) in step with what they copy, at every flush.

The columns are written here and nowhere else: a name typed in a form, a role renamed by a coordinator or
a user anonymised by the erasure of personal data all go through a flush, so the search never finds a row
by a text it no longer holds.
"""

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from expertpool.models.expert import Expert, Role, Skill, expert_roles, expert_skills
from expertpool.models.member import Member
from expertpool.models.user import User
from expertpool.text_search import fold


def fold_expert(expert: Expert) -> None:
    expert.search_name = fold(expert.display_name)
    expert.search_profile = fold(
        *(f"{role.code} {role.label} {role.description}" for role in expert.roles),
        *(skill.name for skill in expert.skills),
    )
    expert.search_bio = fold(expert.bio)


def _experts_of(session: Session, roles: list[Role], skills: list[Skill]) -> list[Expert]:
    """The experts holding any of these (renamed) roles or skills."""
    ids: set[int] = set()
    if roles:
        role_ids = [r.id for r in roles if r.id is not None]
        ids |= set(session.scalars(select(expert_roles.c.expert_id).where(expert_roles.c.role_id.in_(role_ids))))
    if skills:
        skill_ids = [s.id for s in skills if s.id is not None]
        ids |= set(session.scalars(select(expert_skills.c.expert_id).where(expert_skills.c.skill_id.in_(skill_ids))))
    return list(session.scalars(select(Expert).where(Expert.id.in_(ids)))) if ids else []


@event.listens_for(Session, "before_flush")
def _fold_changed_rows(session: Session, _context, _instances) -> None:
    changed = [*session.new, *session.dirty]
    experts = {id(obj): obj for obj in changed if isinstance(obj, Expert)}
    renamed_roles = [obj for obj in session.dirty if isinstance(obj, Role)]
    renamed_skills = [obj for obj in session.dirty if isinstance(obj, Skill)]
    # Reading roles and skills may load them: that must not flush the session being flushed.
    with session.no_autoflush:
        if renamed_roles or renamed_skills:
            for expert in _experts_of(session, renamed_roles, renamed_skills):
                experts.setdefault(id(expert), expert)
        for expert in experts.values():
            fold_expert(expert)
    for obj in changed:
        if isinstance(obj, Member | User):
            obj.search_name = fold(obj.name)
