"""Helpers of the API tests: a token of each role, and calls with it."""

from expertpool import api_tokens
from expertpool.api_tokens import SCOPES
from expertpool.models import UserRole
from expertpool.timeutil import now_utc


def make_token(db, user, scopes=SCOPES, days=30) -> str:
    _token, secret = api_tokens.create(user, name="test", scopes=list(scopes), days=days, actor=user, now=now_utc())
    db.session.flush()
    return secret


def bearer(secret: str, **headers) -> dict:
    return {"Authorization": f"Bearer {secret}", **headers}


def role_users(factory):
    """One user of each role: two member structures (so one cannot see the other's), an expert, staff."""
    member_a, member_b = factory.member(name="Commune A"), factory.member(name="Commune B")
    expert_user, expert = factory.expert_user()
    return {
        "member": factory.user(UserRole.MEMBER, member=member_a),
        "other_member": factory.user(UserRole.MEMBER, member=member_b),
        "expert": expert_user,
        "coordinator": factory.user(UserRole.COORDINATOR),
        "admin": factory.user(UserRole.ADMIN),
        "_expert": expert,
        "_members": (member_a, member_b),
    }
