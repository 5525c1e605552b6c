"""The navigation bar of each role, and the labels every template shares."""

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from expertpool.labels import booking_state, booking_status_label, is_to_reschedule
from expertpool.models import PoolSettings, RequestStatus, Urgency, UserRole

_MEMBER = [
    ("requests.dashboard", _l("Mon espace")),
    ("catalogue.index", _l("Les experts")),
    ("requests.index", _l("Mes demandes")),
    ("reports.member_statement", _l("Bilan")),
    ("feeds.member_calendar", _l("Calendrier")),
]
_EXPERT = [
    ("agenda.index", _l("Mon agenda")),
    ("agenda.assignments", _l("Mes interventions")),
    ("catalogue.index", _l("Les experts")),
]
_COORDINATOR = [
    ("coordination.home", _l("Accueil")),
    ("coordination.queue", _l("Demandes")),
    ("planning.index", _l("Planification")),
    ("coordination.members", _l("Membres")),
    ("coordination.experts", _l("Experts")),
    ("coordination.users", _l("Utilisateurs")),
    ("reports.dashboard", _l("Rapports")),
    ("coordination.audit", _l("Journal")),
]
_ADMIN = [*_COORDINATOR, ("admin.settings", _l("Paramètres"))]

NAV_BY_ROLE = {
    UserRole.MEMBER: _MEMBER,
    UserRole.EXPERT: _EXPERT,
    UserRole.COORDINATOR: _COORDINATOR,
    UserRole.ADMIN: _ADMIN,
}

STATUS_LABELS = {
    RequestStatus.DRAFT: _l("Brouillon"),
    RequestStatus.SUBMITTED: _l("Envoyée"),
    RequestStatus.NEEDS_INFO: _l("Précisions demandées"),
    RequestStatus.APPROVED: _l("Acceptée"),
    RequestStatus.REJECTED: _l("Refusée"),
    RequestStatus.SCHEDULED: _l("Planifiée"),
    RequestStatus.IN_PROGRESS: _l("En cours"),
    RequestStatus.COMPLETED: _l("Terminée"),
    RequestStatus.RATED: _l("Évaluée"),
    RequestStatus.CANCELLED: _l("Annulée"),
}

URGENCY_LABELS = {
    Urgency.NORMAL: _l("Normale"),
    Urgency.HIGH: _l("Haute"),
    Urgency.CRITICAL: _l("Critique (incident de sécurité)"),
}


def nav_items() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    items = []
    for endpoint, label in NAV_BY_ROLE.get(current_user.role, []):
        # A feature not registered (yet) simply has no menu entry.
        if endpoint in current_app.view_functions:
            items.append({"url": url_for(endpoint), "label": label, "active": request.endpoint == endpoint})
    return items


def init_app(app) -> None:
    from expertpool.extensions import db
    from expertpool.notifications import unread_count
    from expertpool.permissions import init_template_globals

    init_template_globals(app)
    # Globals too, not only context: macros imported without context (status_badge…) read them.
    app.jinja_env.globals.update(status_labels=STATUS_LABELS, urgency_labels=URGENCY_LABELS)
    app.jinja_env.filters.update(
        booking_state=booking_state, booking_status=booking_status_label, is_to_reschedule=is_to_reschedule
    )

    @app.context_processor
    def _shared_context():
        authenticated = current_user.is_authenticated
        return {
            "pool_name": PoolSettings.load(db.session).name,
            "nav_items": nav_items(),
            "unread_notifications": unread_count(current_user) if authenticated else 0,
            "status_labels": STATUS_LABELS,
            "urgency_labels": URGENCY_LABELS,
        }
