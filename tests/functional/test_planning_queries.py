"""The planning pages run the same number of SQL statements for 10 or 200 rows."""

from datetime import date, timedelta

import pytest
from factories import FIXED_NOW
from query_counter import QueryCounting

from expertpool.models import AllocationRun, RequestStatus, UserRole


def _data(factory, n):
    experts = [factory.expert(f"Expert {k}", skills=("postgresql",)) for k in range(10)]
    members = [factory.member(f"Commune {k}") for k in range(max(1, n // 2))]
    requests = [
        factory.request(members[k % len(members)], status=RequestStatus.SCHEDULED, half_days=1, skills=("postgresql",))
        for k in range(n)
    ]
    bookings = []
    for k, req in enumerate(requests):
        day = date(2027, 2, 1) + timedelta(days=k // 20)
        bookings.append(
            factory.booking(req, experts[k % 10], day, "am" if (k // 10) % 2 == 0 else "pm", to_reschedule=True)
        )
    plan = {
        "format": "expertpool-plan/1",
        "assignments": [
            {"request": f"r-{b.request_id}", "expert": f"e-{b.expert_id}", "date": b.date.isoformat(), "half": b.half}
            for b in bookings
        ],
        "unserved": [
            {
                "request": f"r-{r.id}",
                "half_days": 1,
                "reason": "capacity_shared_fairly",
                "message": "Capacité partagée.",
            }
            for r in requests
        ],
        "metrics": {},
    }
    plan["summary"] = {
        "members": [
            {
                "member_id": m.id,
                "period": "2027",
                "quota": 10,
                "used": 1,
                "proposed": 2,
                "demand": 3,
                "unserved": 1,
                "level_after": 0.3,
            }
            for m in members
        ],
        "experts": [{"expert_id": e.id, "free": 100, "proposed": 20, "load": 0.2} for e in experts],
    }
    runs = [
        factory._add(
            AllocationRun(
                mode="commit",
                status="done",
                horizon_start=date(2027, 1, 12),
                horizon_end=date(2027, 4, 4),
                started_at=FIXED_NOW,
                plan=plan,
                booked_half_days=n,
            )
        )
        for _ in range(min(n, 30))
    ]
    return runs[-1]


@pytest.mark.parametrize(
    "path",
    [
        "/planification/",
        "/planification/reservations",
        "/planification/historique",
        "/planification/passages/{run}",
        "/planification/reservations?a_deplacer=1",
    ],
)
def test_page_queries_do_not_grow_with_rows(app, db, factory, login, client, path):
    coordinator = factory.user(role=UserRole.COORDINATOR, email="coord@pool.example")
    login(coordinator)
    counts = []
    for n in (10, 200):
        run = _data(factory, n)
        client.get(path.format(run=run.id))  # warm-up: caches and first-request work are not the point
        counts.append(QueryCounting(db).get(client, path.format(run=run.id), fresh=False)[0])
    assert counts[0] == counts[1], counts
