"""Test data builders: `factory.member(...)`, `factory.user(...)`, … with sensible defaults.

Every builder flushes, so ids exist, and never commits (the test's transaction is rolled back).
"""

import itertools
from datetime import UTC, date, datetime, timedelta

from expertpool import week_patterns
from expertpool.models import (
    Booking,
    BookingStatus,
    Expert,
    InterventionRequest,
    Member,
    PoolSettings,
    Quota,
    QuotaPeriod,
    RequestStatus,
    Role,
    Skill,
    Unavailability,
    User,
    UserRole,
)

FIXED_NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)  # a Monday morning, Paris winter time
KNOWN_PASSWORD = "correct horse battery"


class Factory:
    def __init__(self, session):
        self.session = session
        self._seq = itertools.count(1)

    def _add(self, obj):
        self.session.add(obj)
        self.session.flush()
        return obj

    def settings(self, **values) -> PoolSettings:
        settings = PoolSettings.load(self.session)
        for key, value in values.items():
            setattr(settings, key, value)
        self.session.flush()
        return settings

    def member(self, name=None, **values) -> Member:
        n = next(self._seq)
        values.setdefault("kind", "commune")
        values.setdefault("insee_code", f"{29000 + n:05d}"[-5:])
        values.setdefault("population", 1000 + n)
        return self._add(Member(name=name or f"Commune {n}", **values))

    def user(self, role=UserRole.MEMBER, member=None, password=None, **values) -> User:
        n = next(self._seq)
        if role == UserRole.MEMBER and member is None:
            member = self.member()
        values.setdefault("email", f"user{n}@example.org")
        values.setdefault("name", f"Utilisateur {n}")
        user = User(role=role, member_id=member.id if member else None, **values)
        if password:
            from expertpool.auth.services import hash_password

            user.password_hash = hash_password(password)
        return self._add(user)

    def role(self, code="dba", label=None) -> Role:
        existing = self.session.query(Role).filter_by(code=code).one_or_none()
        return existing or self._add(Role(code=code, label=label or code.upper()))

    def skill(self, name) -> Skill:
        existing = self.session.query(Skill).filter_by(name=name).one_or_none()
        return existing or self._add(Skill(name=name))

    def expert(self, name=None, roles=("dba",), skills=(), user=None, since=date(2000, 1, 1), **values) -> Expert:
        """An expert in the pool since `since` on its pattern (its history, as the app's writers keep it)."""
        n = next(self._seq)
        expert = Expert(display_name=name or f"Expert {n}", user_id=user.id if user else None, **values)
        expert.roles = [self.role(code) for code in roles]
        expert.skills = [self.skill(s) for s in skills]
        expert = self._add(expert)
        if values.get("active", True):
            week_patterns.join(expert, since=since, session=self.session)
            self.session.flush()
        return expert

    def expert_user(self, name=None, **values) -> tuple[User, Expert]:
        user = self.user(role=UserRole.EXPERT, name=name or "Expert")
        return user, self.expert(name=user.name, user=user, **values)

    def period(self, year=2027, members=(), half_days=20, **values) -> QuotaPeriod:
        period = self.session.query(QuotaPeriod).filter_by(start_date=date(year, 1, 1)).one_or_none()
        if period is None:
            period = self._add(
                QuotaPeriod(
                    name=str(year),
                    start_date=date(year, 1, 1),
                    end_date=date(year, 12, 31),
                    fixed_half_days=half_days,
                    **values,
                )
            )
        for member in members:
            self.quota(member, period, half_days)
        return period

    def quota(self, member, period, entitled, **values) -> Quota:
        return self._add(Quota(member_id=member.id, period_id=period.id, entitled_half_days=entitled, **values))

    def request(
        self,
        member=None,
        role="dba",
        status=RequestStatus.SUBMITTED,
        half_days=4,
        earliest=date(2027, 1, 12),
        deadline=date(2027, 3, 31),
        created_by=None,
        skills=(),
        **values,
    ) -> InterventionRequest:
        member = member or self.member()
        req = InterventionRequest(
            member_id=member.id,
            role_id=self.role(role).id,
            title=values.pop("title", "Migration PostgreSQL"),
            half_days=half_days,
            earliest=earliest,
            deadline=deadline,
            status=status,
            created_by_id=created_by.id if created_by else None,
            submitted_at=values.pop("submitted_at", FIXED_NOW - timedelta(days=3)),
            **values,
        )
        req.skills = [self.skill(s) for s in skills]
        return self._add(req)

    def booking(self, request, expert, day, half="am", status=BookingStatus.PLANNED, **values) -> Booking:
        return self._add(
            Booking(request_id=request.id, expert_id=expert.id, date=day, half=half, status=status, **values)
        )

    def unavailability(self, expert, start, end=None, half=None, **values) -> Unavailability:
        return self._add(
            Unavailability(expert_id=expert.id, start_date=start, end_date=end or start, half=half, **values)
        )


# The form of a 2028 period by population bands (≤ 1 000: 4 days, ≤ 10 000: 10 days, above: 20 days).
POPULATION_PERIOD_FORM = {
    "name": "2028",
    "start_date": "2028-01-01",
    "end_date": "2028-12-31",
    "policy": "population",
    "fixed_days": "",
    "unit_price": "180",
    "carry_over_cap": "2",
    "bands-0-max_population": "1000",
    "bands-0-days": "4",
    "bands-1-max_population": "10000",
    "bands-1-days": "10",
    "bands-2-max_population": "",
    "bands-2-days": "20",
}
