"""Benchmark of the members CSV import preview (target: 2,000 rows in under 2 seconds)."""

import random
import time
from contextlib import contextmanager

from stdnum import luhn

from expertpool.coordination.member_import import apply_import, build_preview
from expertpool.extensions import db
from expertpool.timeutil import now_utc


def valid_siren(rng: random.Random) -> str:
    body = "".join(str(rng.randint(0, 9)) for _ in range(8))
    return body + luhn.calc_check_digit(body)


def generate_csv(rows: int = 2000, *, seed: int = 7, epcis: int = 20, encoding: str = "cp1252") -> bytes:
    """A CSV as a French spreadsheet writes it: `;`, decimal commas, accents, a few EPCI and their communes."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    lines = ["Nom;Type;Code INSEE;SIREN;Population;Cotisation;EPCI"]
    for i in range(epcis):
        lines.append(
            f"Communauté de communes n°{i};EPCI;{90000 + i:05d};{valid_siren(rng)};"
            f"{rng.randint(5000, 90000)};{rng.randint(10, 99)} {rng.randint(0, 999):03d},50;"
        )
    for i in range(rows - epcis):
        parent = f"{90000 + rng.randrange(epcis):05d}" if rng.random() < 0.7 else ""
        lines.append(
            f"Commune de Saint-Étienne-{i};commune;{10000 + i:05d};{valid_siren(rng)};"
            f"{rng.randint(50, 30000)};{rng.randint(100, 9000)},{rng.randint(0, 99):02d};{parent}"
        )
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@contextmanager
def _app_context():
    """A throwaway app on an in-memory SQLite database (the caller's database is never touched)."""
    from expertpool import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()


def bench_import_preview(rows: int = 2000) -> dict:
    """Time the preview of a generated `rows`-row CSV; returns the figures (seconds and rows per second)."""
    data = generate_csv(rows)
    with _app_context():
        start = time.perf_counter()
        preview = build_preview(data)
        seconds = time.perf_counter() - start
        # The same file again once the members exist: every row is matched and compared (re-import).
        apply_import(preview, actor=None, now=now_utc())
        db.session.commit()
        start = time.perf_counter()
        again = build_preview(data)
        seconds_again = time.perf_counter() - start
    return {
        "name": "member_import_preview",
        "rows": rows,
        "bytes": len(data),
        "seconds": round(seconds, 3),
        "rows_per_second": round(rows / seconds) if seconds else None,
        "target_seconds": 2.0,
        "reimport_seconds": round(seconds_again, 3),
        "ok": max(seconds, seconds_again) < 2.0,
        "counts": preview.counts,
        "reimport_counts": again.counts,
    }


if __name__ == "__main__":  # pragma: no cover - `python -m expertpool.coordination.bench`
    print(bench_import_preview())
