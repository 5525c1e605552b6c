"""The benchmark pool in a database the harness serves: `bench_pool`'s pool plus the people who read it.

It adds what the pages need to have something to show: a member user (of the member with most
bookings), an expert user, feed tokens, a queue of waiting requests and an audit trail of submissions.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from expertpool.bench_database import fresh_postgres_url  # noqa: F401 - the harness imports it from here

QUEUE_SIZE = 170  # waiting requests in the approval queue, as measured on a regional pool
# The API's main lists, each read with its own `read` token of the role that reads it: one token per list
# keeps each under the per-token rate limit (300 calls a minute) while the harness fetches it ~110 times.
API_READERS = {
    "api experts": "member",
    "api requests": "member",
    "api queue": "coordinator",
    "api members": "coordinator",
}


@dataclass(frozen=True)
class BenchPool:
    url: str
    member_id: int
    expert_id: int
    request_id: int
    period_id: int
    member_feed: str
    expert_feed: str
    users: dict[str, str]  # role → Flask-Login id ("<user id>:<session token>")
    tokens: dict[str, str]  # API page name (API_READERS) → the secret of a `read` token of its reader
    figures: dict


def build_pool(url: str, *, scale: str, seed: int = 2027) -> BenchPool:
    from expertpool import api_tokens, create_app
    from expertpool.bench_pool import build_database
    from expertpool.extensions import db
    from expertpool.models import (
        AuditLog,
        Booking,
        Expert,
        InterventionRequest,
        Member,
        QuotaPeriod,
        RequestStatus,
        User,
        UserRole,
    )
    from expertpool.timeutil import now_utc

    figures = build_database(url, seed, scale)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        session = db.session
        by_member = (
            sa.select(InterventionRequest.member_id, sa.func.count(Booking.id))
            .join(Booking, Booking.request_id == InterventionRequest.id)
            .group_by(InterventionRequest.member_id)
            .order_by(sa.func.count(Booking.id).desc())
        )
        member_id = session.execute(by_member).first()[0]
        by_expert = sa.select(Booking.expert_id).group_by(Booking.expert_id).order_by(sa.func.count().desc())
        expert_id = session.scalar(by_expert.limit(1))
        request_id = session.scalar(
            sa.select(Booking.request_id)
            .join(InterventionRequest, InterventionRequest.id == Booking.request_id)
            .where(InterventionRequest.member_id == member_id)
            .group_by(Booking.request_id)
            .order_by(sa.func.count().desc())
            .limit(1)
        )
        member_user = User(email="mairie@bench.example", name="Mairie", role=UserRole.MEMBER, member_id=member_id)
        expert_user = User(email="expert@bench.example", name="Expert", role=UserRole.EXPERT)
        session.add_all([member_user, expert_user])
        session.flush()
        expert = session.get(Expert, expert_id)
        expert.user_id = expert_user.id
        expert.feed_token = secrets.token_urlsafe(32)
        member = session.get(Member, member_id)
        member.feed_token = secrets.token_urlsafe(32)
        # The approval queue: requests nothing was booked for go back to waiting for a decision.
        unbooked = (
            sa.select(InterventionRequest.id)
            .where(
                InterventionRequest.status == RequestStatus.APPROVED,
                ~sa.exists().where(Booking.request_id == InterventionRequest.id),
            )
            .order_by(InterventionRequest.id)
            .limit(QUEUE_SIZE)
        )
        waiting = list(session.scalars(unbooked))
        session.execute(
            sa.update(InterventionRequest)
            .where(InterventionRequest.id.in_(waiting))
            .values(status=RequestStatus.SUBMITTED, approved_half_days=None)
        )
        submissions = session.execute(
            sa.select(InterventionRequest.id, InterventionRequest.member_id, InterventionRequest.submitted_at)
        ).all()
        session.execute(
            sa.insert(AuditLog),
            [
                {
                    "at": at,
                    "actor_id": member_user.id,
                    "action": "request.submit",
                    "entity_type": "intervention_requests",
                    "entity_id": rid,
                    "member_id": mid,
                    "request_id": rid,
                    "before": {"status": "draft"},
                    "after": {"status": "submitted"},
                }
                for rid, mid, at in submissions
            ],
        )
        coordinator = session.scalar(sa.select(User).where(User.role == UserRole.COORDINATOR))
        readers = {"member": member_user, "coordinator": coordinator}
        tokens = {
            page: api_tokens.create(
                readers[role],
                name=f"load harness: {page}",
                scopes=[api_tokens.READ],
                days=None,
                actor=readers[role],  # each user creates its own token, as on the profile page
                now=now_utc(),
            )[1]
            for page, role in API_READERS.items()
        }
        pool = BenchPool(
            url=url,
            member_id=member_id,
            expert_id=expert_id,
            request_id=request_id,
            period_id=session.scalar(sa.select(QuotaPeriod.id)),
            member_feed=member.feed_token,
            expert_feed=expert.feed_token,
            users={
                "member": member_user.get_id(),
                "expert": expert_user.get_id(),
                "coordinator": coordinator.get_id(),
            },
            tokens=tokens,
            figures={**figures, "waiting_requests": len(waiting), "audit_rows": len(submissions)},
        )
        session.commit()
        if url.startswith("postgresql"):
            # A pool that grew over the years has statistics (autovacuum keeps them); one just bulk-loaded
            # has none, and PostgreSQL would plan its queries blind.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("ANALYZE"))
        db.engine.dispose()
    return pool
