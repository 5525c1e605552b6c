"""Two coordinators approving the same request at the same moment (PostgreSQL, real threads, committed data).

The usual rolled-back test transaction cannot show a race: this test commits its own data through its own
engine, runs two threads (each with its own app context, session and logged-in client), then deletes
what it created.
"""

import threading
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from expertpool import approval
from expertpool.models import (
    AuditLog,
    InterventionRequest,
    Member,
    Notification,
    OutboxMail,
    PoolSettings,
    Quota,
    QuotaPeriod,
    RequestStatus,
    Role,
    User,
    UserRole,
)

CONFLICT = "traitée par un autre coordinateur"


@pytest.fixture
def committed(app, database_url, db_kind):
    """Setup data committed for real; everything created is deleted afterwards (audit rows included)."""
    if db_kind != "postgresql":
        pytest.skip("the race needs PostgreSQL's row locks (run with --db postgresql)")
    engine = sa.create_engine(database_url)
    created: dict[str, list[int]] = {}
    with Session(engine) as session:
        had_settings = session.get(PoolSettings, 1) is not None
        if not had_settings:
            session.add(PoolSettings(id=1))
        member = Member(name="Commune concurrente", kind="commune", insee_code="99901")
        role = session.scalar(sa.select(Role).where(Role.code == "race-dba")) or Role(code="race-dba", label="DBA")
        session.add_all([member, role])
        session.flush()
        coordinators = [
            User(email=f"race-coord-{i}@example.org", name=f"Coordinateur {i}", role=UserRole.COORDINATOR)
            for i in range(2)
        ]
        author = User(email="race-member@example.org", name="Maire", role=UserRole.MEMBER, member_id=member.id)
        period = QuotaPeriod(name="race", start_date=date(2031, 1, 1), end_date=date(2031, 12, 31))
        session.add_all([*coordinators, author, period])
        session.flush()
        session.add(Quota(period_id=period.id, member_id=member.id, entitled_half_days=10))
        req = InterventionRequest(
            member_id=member.id,
            role_id=role.id,
            title="Course",
            half_days=4,
            earliest=date(2031, 2, 1),
            deadline=date(2031, 3, 1),
            status=RequestStatus.SUBMITTED,
            created_by_id=author.id,
        )
        session.add(req)
        session.commit()
        created = {
            "member": member.id,
            "role": role.id,
            "period": period.id,
            "request": req.id,
            "users": [u.id for u in (*coordinators, author)],
            "settings": not had_settings,
            "sessions": [u.get_id() for u in coordinators],
        }
    try:
        yield created, engine
    finally:
        with engine.begin() as conn:
            users = created["users"]
            # Core statements: the ORM guard that keeps the audit log append-only is for the app, not cleanup.
            conn.execute(sa.delete(AuditLog).where(AuditLog.request_id == created["request"]))
            conn.execute(sa.delete(AuditLog).where(AuditLog.actor_id.in_(users)))
            conn.execute(sa.delete(Notification).where(Notification.user_id.in_(users)))
            conn.execute(sa.delete(OutboxMail).where(OutboxMail.recipient.like("race-%@example.org")))
            conn.execute(sa.text("DELETE FROM request_messages WHERE request_id = :r"), {"r": created["request"]})
            conn.execute(sa.delete(InterventionRequest).where(InterventionRequest.id == created["request"]))
            conn.execute(sa.delete(Quota).where(Quota.period_id == created["period"]))
            conn.execute(sa.delete(QuotaPeriod).where(QuotaPeriod.id == created["period"]))
            conn.execute(sa.delete(User).where(User.id.in_(users)))
            conn.execute(sa.delete(Member).where(Member.id == created["member"]))
            conn.execute(sa.delete(Role).where(Role.id == created["role"]))
            if created["settings"]:
                conn.execute(sa.delete(PoolSettings).where(PoolSettings.id == 1))
        engine.dispose()


@pytest.mark.postgres
def test_two_coordinators_approve_at_once_one_wins(app, committed, monkeypatch):
    created, engine = committed
    barrier = threading.Barrier(2, timeout=20)
    original = approval._lock_drawing_rights
    waited = threading.local()

    def both_have_read_the_request(*args, **kwargs):
        # Both coordinators have loaded the request as 'submitted' before either takes the drawing-right
        # lock and writes (only the first decision waits here).
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(approval, "_lock_drawing_rights", both_have_read_the_request)
    responses = [None, None]

    def coordinator(i: int) -> None:
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = created["sessions"][i]
            session["_fresh"] = True
        with app.app_context():
            responses[i] = client.post(
                f"/coordination/demandes/{created['request']}/accepter", data={"days": "2", "note": f"coordinateur {i}"}
            )

    threads = [threading.Thread(target=coordinator, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [303, 409], statuses
    loser = next(r for r in responses if r.status_code == 409)
    assert CONFLICT in loser.get_data(as_text=True)
    with Session(engine) as session:
        req = session.get(InterventionRequest, created["request"])
        assert req.status == RequestStatus.APPROVED
        assert req.version == 2
        approvals = session.scalar(
            sa.select(sa.func.count(AuditLog.id)).where(
                AuditLog.request_id == created["request"], AuditLog.action == "request.approve"
            )
        )
        assert approvals == 1
        assert (
            session.scalar(sa.select(sa.func.count(AuditLog.id)).where(AuditLog.request_id == created["request"])) == 1
        )
