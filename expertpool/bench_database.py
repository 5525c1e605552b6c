"""A fresh PostgreSQL database for a benchmark (the load harness, the scheduler's bench), when one answers."""

import sqlalchemy as sa


def fresh_postgres_url(admin_url: str, database: str) -> str | None:
    """Drop and create `database` on the server of `admin_url`; None when no PostgreSQL answers."""
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
    except sa.exc.OperationalError:
        return None
    finally:
        engine.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + database
