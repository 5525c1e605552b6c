"""Demo data: a pool in Finistère with real communes, eight experts and a year of requests.

Everything is placed relative to `now`, so the app looks alive whenever the demo is loaded: past
weeks hold delivered half-days with reports and ratings, coming weeks hold planned ones. The seed is
idempotent (a second run changes nothing) and deterministic (a fixed random seed).

Commune names, INSEE codes and municipal populations are the real ones (INSEE legal populations of
2018 to 2021, checked against public sources); the two EPCI SIREN numbers are real and pass the check
digit; communes, associations and the school get no SIREN. People, associations and the school are
invented.

The data are in expertpool/demo_data/ (data.py reads them); the builders are people.py, rights.py,
requests.py and inbox.py, run in that order by `seed`. They call the app's own services (accounts, coordination,
approval, the scheduler's runs, the agenda's delivery, the requests' rating) at the past moments things
happened: the audit rows, notifications and mails are the ones those services write.
"""

import logging
import random
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import func, select

from expertpool import audit
from expertpool.admin.services import update_settings
from expertpool.calendars import public_holidays
from expertpool.demo.context import Ctx
from expertpool.demo.data import (
    ADMIN_EMAIL,
    DEMO_DOMAIN,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    MAYOR_EMAIL,
    POOL_NAME,
    UNIT_PRICE_CENTS,
)
from expertpool.demo.inbox import read_inboxes
from expertpool.demo.people import seed_experts, seed_member_users, seed_members, seed_staff
from expertpool.demo.requests import seed_requests
from expertpool.demo.rights import seed_drawing_rights
from expertpool.extensions import db
from expertpool.models import PoolSettings, User
from expertpool.timeutil import today_paris

__all__ = ["ADMIN_EMAIL", "DEMO_LOGINS", "DEMO_PASSWORD", "MAYOR_EMAIL", "POOL_NAME", "demo_exists", "seed"]


@contextmanager
def _quiet_mail_log():
    """The services mail what they do (kept in the outbox without SMTP): a line each would bury the
    output of `make run` under some two hundred lines."""
    mail_log = logging.getLogger("expertpool.mail")
    level = mail_log.level
    mail_log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        mail_log.setLevel(level)


def demo_exists() -> bool:
    return db.session.scalar(select(func.count(User.id)).where(User.email == ADMIN_EMAIL)) > 0


def seed(*, now: datetime, force: bool = False) -> bool:
    """Load the demo pool once. Returns False (changing nothing) when it is there already, or when the
    database holds other accounts and `force` is not given (never mix demo data into a real pool)."""
    if demo_exists():
        return False
    if not force and db.session.scalar(select(func.count(User.id))) > 0:
        return False
    from expertpool.auth.services import hash_password

    settings = PoolSettings.load(db.session)
    # Named at installation, before the first account (its invitation names the pool).
    pool = {"name": POOL_NAME, "contact_email": f"contact@{DEMO_DOMAIN}", "unit_price_cents": UNIT_PRICE_CENTS}
    update_settings(settings, pool, actor=None, now=now - timedelta(days=730))
    today = today_paris(now)
    rng = random.Random(29)  # noqa: S311 - a reproducible demo, nothing secret
    ctx = Ctx(now=now, today=today, region=settings.holidays_region, rng=rng)
    ctx.holidays = public_holidays(ctx.region, today - timedelta(days=400), today + timedelta(days=400))
    password_hash = hash_password(DEMO_PASSWORD)  # argon2 is slow on purpose: hash once, share it

    with _quiet_mail_log():
        seed_staff(ctx, password_hash)
        seed_members(ctx)
        seed_member_users(ctx, password_hash)
        seed_experts(ctx, password_hash)
        period = seed_drawing_rights(ctx)
        seed_requests(ctx)
        read_inboxes(ctx)
    # Set last, as a coordinator would once the pool runs: small requests sent from now on are approved
    # at once (the demo's history was decided by hand).
    update_settings(
        settings, {"auto_approve_max_half_days": 2}, actor=ctx.users[ADMIN_EMAIL], now=now - timedelta(minutes=5)
    )
    db.session.flush()
    audit.record(
        ctx.users[ADMIN_EMAIL],
        "demo.seed",
        settings,
        now=now,
        after={"pool": POOL_NAME, "period": period.name, "members": len(ctx.members), "experts": len(ctx.experts)},
    )
    db.session.flush()
    return True
