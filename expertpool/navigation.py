"""The navigation bar of each role, and the labels every template shares."""

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from expertpool.compliance import CONFORMITY_LABELS, conformity
from expertpool.labels import STATUS_LABELS, URGENCY_LABELS, booking_state, booking_status_label, is_to_reschedule
from expertpool.models import PoolSettings, RequestStatus, UserRole

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
    ("planning.timeline", _l("Calendrier des experts")),
    ("scenarios.index", _l("Scénarios")),
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
    from expertpool.booked_interventions import booked_interventions
    from expertpool.extensions import db
    from expertpool.interventions import run_text
    from expertpool.notifications import notification_text, unread_count
    from expertpool.periods import not_open_message
    from expertpool.permissions import init_template_globals

    init_template_globals(app)
    # Globals too, not only context: macros imported without context (status_badge…) read them.
    # RequestStatus for its named sets (`req.status in RequestStatus.FINISHED`), never a list of strings.
    app.jinja_env.globals.update(
        status_labels=STATUS_LABELS, urgency_labels=URGENCY_LABELS, RequestStatus=RequestStatus
    )
    app.jinja_env.filters["notification_text"] = notification_text
    app.jinja_env.filters["period_not_open"] = not_open_message
    app.jinja_env.filters.update(
        booking_state=booking_state, booking_status=booking_status_label, is_to_reschedule=is_to_reschedule
    )
    app.jinja_env.filters["interventions"] = booked_interventions
    app.jinja_env.globals["run_text"] = run_text

    @app.context_processor
    def _shared_context():
        authenticated = current_user.is_authenticated
        settings = PoolSettings.load(db.session)
        return {
            "pool_name": settings.name,
            # The footer says what the accessibility statement says, never more.
            "accessibility_status": CONFORMITY_LABELS[conformity(settings.accessibility_rate)],
            "nav_items": nav_items(),
            "unread_notifications": unread_count(current_user) if authenticated else 0,
            "status_labels": STATUS_LABELS,
            "urgency_labels": URGENCY_LABELS,
        }
