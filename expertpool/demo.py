"""Demo data: a pool in Finistère (placeholder until the full demo lands)."""

from expertpool.extensions import db
from expertpool.models import PoolSettings, User

DEMO_PASSWORD = "demo-expertpool"
DEMO_LOGINS = [
    ("admin", "admin@demo.expertpool.fr", DEMO_PASSWORD),
]


def seed(*, now, force=False) -> bool:
    from sqlalchemy import select

    from expertpool.auth.services import hash_password

    if db.session.scalar(select(User).limit(1)) is not None and not force:
        return False
    PoolSettings.load(db.session)
    db.session.add(User(email="admin@demo.expertpool.fr", name="Admin", role="admin",
                        password_hash=hash_password(DEMO_PASSWORD), created_at=now))
    return True
