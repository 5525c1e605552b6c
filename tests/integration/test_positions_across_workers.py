"""A drawing-right change written through one web worker is seen at once by another one.

Two app instances stand for two gunicorn workers (each its own engine, pool of connections and session)
on the same database. The data is committed for real (a rolled-back test transaction is invisible to a
second connection) and deleted afterwards. Nothing caches a position per process: the coordinator home
and the dashboard of the second worker read the figure the first one has just committed.
"""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from expertpool import create_app
from expertpool.models import (
    AuditLog,
    Booking,
    Expert,
    InterventionRequest,
    Member,
    PoolSettings,
    Quota,
    QuotaAdjustment,
    QuotaPeriod,
    RequestStatus,
    Role,
    User,
    UserRole,
)
from expertpool.models.expert import expert_roles

NOW = datetime(2033, 3, 1, 9, 0, tzinfo=UTC)  # a year no other test uses, so the home shows this period


@pytest.fixture
def committed(app, database_url):
    """A commune with a right of 3 half-days and 3 booked (exactly used up), committed; deleted afterwards."""
    engine = sa.create_engine(database_url)
    with Session(engine) as session:
        had_settings = session.get(PoolSettings, 1) is not None
        if not had_settings:
            session.add(PoolSettings(id=1, unit_price_cents=18000))
        role = Role(code="workers-dba", label="DBA")
        member = Member(name="Commune des deux workers", kind="commune", insee_code="99902")
        period = QuotaPeriod(name="workers", start_date=date(2033, 1, 1), end_date=date(2033, 12, 31))
        coordinator = User(email="workers-coord@example.org", name="Coordinatrice", role=UserRole.COORDINATOR)
        session.add_all([role, member, period, coordinator])
        session.flush()
        expert = Expert(display_name="Expert des workers")
        expert.roles = [role]
        quota = Quota(period_id=period.id, member_id=member.id, entitled_half_days=3)
        req = InterventionRequest(
            member_id=member.id,
            role_id=role.id,
            title="Réseau",
            half_days=3,
            approved_half_days=3,
            earliest=date(2033, 2, 1),
            deadline=date(2033, 3, 31),
            status=RequestStatus.SCHEDULED,
            submitted_at=NOW - timedelta(days=40),
        )
        session.add_all([expert, quota, req])
        session.flush()
        for day, half in ((date(2033, 2, 7), "am"), (date(2033, 2, 7), "pm"), (date(2033, 2, 8), "am")):
            session.add(Booking(request_id=req.id, expert_id=expert.id, date=day, half=half))
        session.commit()
        created = {
            "settings": not had_settings,
            "role": role.id,
            "member": member.id,
            "period": period.id,
            "coordinator": coordinator.id,
            "login": coordinator.get_id(),
            "expert": expert.id,
            "quota": quota.id,
            "request": req.id,
        }
    try:
        yield created
    finally:
        with engine.begin() as conn:
            # Core statements: the ORM guard that keeps the audit log append-only is for the app, not cleanup.
            conn.execute(sa.delete(AuditLog).where(AuditLog.actor_id == created["coordinator"]))
            conn.execute(sa.delete(AuditLog).where(AuditLog.member_id == created["member"]))
            conn.execute(sa.delete(QuotaAdjustment).where(QuotaAdjustment.quota_id == created["quota"]))
            conn.execute(sa.delete(Booking).where(Booking.request_id == created["request"]))
            conn.execute(sa.delete(InterventionRequest).where(InterventionRequest.id == created["request"]))
            conn.execute(sa.delete(Quota).where(Quota.period_id == created["period"]))
            conn.execute(sa.delete(QuotaPeriod).where(QuotaPeriod.id == created["period"]))
            conn.execute(sa.delete(expert_roles).where(expert_roles.c.expert_id == created["expert"]))
            conn.execute(sa.delete(Expert).where(Expert.id == created["expert"]))
            conn.execute(sa.delete(User).where(User.id == created["coordinator"]))
            conn.execute(sa.delete(Member).where(Member.id == created["member"]))
            conn.execute(sa.delete(Role).where(Role.id == created["role"]))
            if created["settings"]:
                conn.execute(sa.delete(PoolSettings).where(PoolSettings.id == 1))
        engine.dispose()


def _coordinator(worker, login_id):
    client = worker.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = login_id
        session["_fresh"] = True
    return client


def _over_quota_section(client) -> str:
    home = client.get("/coordination/").get_data(as_text=True)
    section = re.search(r'id="hors-droit-titre".*?</section>', home, re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section)).replace("\u202f", " ").replace("\xa0", " ")


def _total(dashboard: str, key: str) -> str:
    value = re.search(rf'data-total="{key}">(.*?)</dd>', dashboard, re.S).group(1)
    return value.replace("\u202f", " ").replace("\xa0", " ").strip()


def test_a_quota_cut_through_one_worker_is_read_at_once_by_another(app, committed, database_url, monkeypatch):
    monkeypatch.setattr("expertpool.coordination.home.now_utc", lambda: NOW)
    writer = app
    reader = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    member, period = committed["member"], committed["period"]
    reading = _coordinator(reader, committed["login"])
    writing = _coordinator(writer, committed["login"])
    try:
        # The reader has served both pages once (anything it kept in memory would now be stale).
        assert "Commune des deux workers" not in _over_quota_section(reading)
        dashboard = reading.get(f"/rapports/?period={period}&show=over").get_data(as_text=True)
        assert f'data-member="{member}"' not in dashboard
        assert _total(dashboard, "over_quota_members") == "0" and _total(dashboard, "entitled") == "1,5 jour"

        # The writer cuts the right by one half-day: 3 booked on a right of 2, one half-day over quota.
        response = writing.post(
            f"/coordination/membres/{member}/ajuster",
            data={"period_id": str(period), "kind": "own", "delta": "-0,5", "reason": "Contribution réduite"},
        )
        assert response.status_code == 303

        section = _over_quota_section(reading)
        assert "Commune des deux workers" in section
        assert "0,5 jour hors droit de tirage" in section
        dashboard = reading.get(f"/rapports/?period={period}&show=over").get_data(as_text=True)
        row = re.search(rf'<tr[^>]*data-member="{member}".*?</tr>', dashboard, re.S).group(0)
        assert '<td class="text-end" data-col="entitled">1</td>' in row  # a right of 1 day now
        assert '<td class="text-end" data-col="planned">1,5</td>' in row
        # The pool's totals (SQL sums over the positions the writer stored in its transaction) moved too.
        assert _total(dashboard, "over_quota_members") == "1" and _total(dashboard, "entitled") == "1 jour"
    finally:
        with reader.app_context():
            from expertpool.extensions import db

            db.engine.dispose()
