"""Helpers of the member-journey tests (test_member_*): a small pool, form data, row and query counts."""

from dataclasses import dataclass

from sqlalchemy import func, select

from expertpool.models import AuditLog, Booking, InterventionRequest, Notification, RequestMessage, UserRole


@dataclass
class Pool:
    member: object
    user: object
    other_member: object
    other_user: object
    coordinator: object
    dba_user: object
    dba: object
    dsi: object
    period: object


def make_pool(factory) -> Pool:
    factory.settings(unit_price_cents=18000, auto_approve_max_half_days=0)
    member = factory.member("Saint-Malo-de-Phily", address="1 place de la Mairie, 35480 Saint-Malo-de-Phily")
    other = factory.member("Guichen")
    user = factory.user(member=member, name="Marie Maire")
    other_user = factory.user(member=other, name="Autre Secrétaire")
    coordinator = factory.user(role=UserRole.COORDINATOR, name="Claire Coord")
    dba_user, dba = factory.expert_user(
        "Alice Martin",
        roles=("dba",),
        skills=("PostgreSQL", "Sauvegardes"),
        bio="Administratrice de bases de données depuis quinze ans.",
    )
    dsi = factory.expert(
        "Bruno Durand",
        roles=("dsi",),
        skills=("Cybersécurité",),
        bio="DSI mutualisé, spécialiste de la sécurité des petites collectivités.",
    )
    factory.role("dba").label = "Administrateur de bases de données"
    factory.role("dsi").label = "DSI"
    period = factory.period(2027, members=(member, other), half_days=20)
    return Pool(member, user, other, other_user, coordinator, dba_user, dba, dsi, period)


def request_form(**overrides) -> dict:
    data = {
        "title": "Sauvegardes de la mairie",
        "description": "Nos sauvegardes ne sont plus vérifiées depuis un an.",
        "role": "",
        "preferred_expert": "",
        "days": "2",
        "earliest": "2027-01-18",
        "deadline": "2027-03-31",
        "urgency": "normal",
        "place": "on_site",
        "address": "1 place de la Mairie",
        "action": "draft",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def row_counts(db) -> dict:
    """Rows of every table the member journey writes to (to prove that bad input wrote nothing)."""
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (InterventionRequest, AuditLog, Notification, RequestMessage, Booking)
    }
