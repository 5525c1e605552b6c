"""The demo pool's people, structures and requests, read from expertpool/demo_data/ (one file a kind)."""

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from expertpool.models import (
    MemberKind,
    RequestStatus,
    Urgency,
)

DEMO_PASSWORD = "demo-pool-bretagne-2027"  # noqa: S105 - the published demo password, printed by seed-demo
DEMO_DOMAIN = "demo.expertpool.fr"
POOL_NAME = "Finistère Numérique Partagé"
UNIT_PRICE_CENTS = 18_000  # 180 € HT per half-day

ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
COORDINATOR_EMAIL = f"coordination@{DEMO_DOMAIN}"
EXPERT_EMAIL = f"expert@{DEMO_DOMAIN}"
MAYOR_EMAIL = f"mairie@{DEMO_DOMAIN}"
EPCI_EMAIL = f"epci@{DEMO_DOMAIN}"

# One login per role (the EPCI's user is a member user too); `seed-demo` and the README print these.
DEMO_LOGINS = [
    ("admin", ADMIN_EMAIL, DEMO_PASSWORD),
    ("coordinator", COORDINATOR_EMAIL, DEMO_PASSWORD),
    ("expert", EXPERT_EMAIL, DEMO_PASSWORD),
    ("member", MAYOR_EMAIL, DEMO_PASSWORD),
    ("member", EPCI_EMAIL, DEMO_PASSWORD),
]

IROISE = "Pays d'Iroise Communauté"
ABERS = "Communauté de communes du Pays des Abers"

# The pool's data lives in expertpool/demo_data/ (one file a kind of thing); these read it.
DATA = Path(__file__).resolve().parent.parent / "demo_data"


def _json(name: str) -> list[dict]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


# {name: SIREN}: the real SIREN numbers of the two EPCI.
EPCIS = {row["name"]: row["siren"] for row in _json("epcis.json")}

# (name, INSEE code, municipal population, EPCI or None)
with (DATA / "communes.csv").open(encoding="utf-8", newline="") as _file:
    COMMUNES = [(r["name"], r["insee"], int(r["population"]), r["epci"] or None) for r in csv.DictReader(_file)]

# (name, kind, town, yearly contribution in euros) — invented structures.
OTHER_MEMBERS = [
    (r["name"], MemberKind(r["kind"]), r["town"], r["contribution_euros"]) for r in _json("other_members.json")
]

MAYOR_COMMUNE = "Tréglonou"

ROLES = [(r["code"], r["label"], r["description"]) for r in _json("roles.json")]

# (display name, email local part, roles, skills, day rate €, week pattern, bio)
FULL = dict.fromkeys(range(5), ("am", "pm"))


def _week(pattern) -> dict[int, tuple[str, ...]]:
    return FULL if pattern == "full" else {int(day): tuple(halves) for day, halves in pattern.items()}


EXPERTS = [
    (
        e["display_name"],
        e["email"],
        tuple(e["roles"]),
        tuple(e["skills"]),
        e["day_rate_euros"],
        _week(e["week"]),
        e["bio"],
    )
    for e in _json("experts.json")
]

# Member users besides the two demo logins: (member name, name, email local part).
OTHER_MEMBER_USERS = [(r["member"], r["name"], r["email"]) for r in _json("member_users.json")]


# --- requests, bookings, threads -------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One demo request: who asks what, in which state, and where its half-days sit (days from today)."""

    member: str
    role: str
    title: str
    status: str
    half_days: int
    skills: tuple[str, ...] = ()
    urgency: str = Urgency.NORMAL
    expert: int | None = None  # index into EXPERTS of the expert who comes (or is preferred)
    start: int = 0  # where its window starts, in days from today (negative: in the past)
    booked: int | None = None  # 0: cancelled before the scheduler's next run booked anything
    approved: int | None = None  # approved_half_days when the coordinator adjusted the request
    created: int = 30  # days ago
    note: str = ""  # rejection / cancellation reason, or approval note
    rating: int | None = None
    comment: str = ""
    report: str = ""
    description: str = ""
    this_week: bool = False  # `start` counts from this week's Monday, so the agenda's week is never empty


S = RequestStatus

_EXPERT_INDEX = {e[0]: index for index, e in enumerate(EXPERTS)}


def _spec(row: dict) -> "Spec":
    """A request of requests.json: its expert by name (an index into EXPERTS here), skills as a tuple."""
    values = {**row, "skills": tuple(row.get("skills", ()))}
    if values.get("expert") is not None:
        values["expert"] = _EXPERT_INDEX[values["expert"]]
    return Spec(**values)


REQUESTS = [_spec(row) for row in _json("requests.json")]

# When the scheduler ran (days ago, at 5 a.m.): every week or two; the last run was the coordinator's.
RUN_DAYS_AGO = (91, 77, 63, 49, 35, 21, 14, 7, 2)
