"""French words for the audit log page: actions, objects, fields and values instead of internal codes."""

from datetime import date

from flask_babel import lazy_gettext as _l

from expertpool.coordination.forms import KIND_LABELS as MEMBER_KIND_LABELS
from expertpool.coordination.forms import POLICY_LABELS, ROLE_LABELS
from expertpool.i18n import date_long, days_label, half_day_label, half_label, money
from expertpool.labels import BOOKING_STATUS_LABELS, STATUS_LABELS, UNAVAILABILITY_KIND_LABELS

ACTION_LABELS = {
    "allocation.run": _l("Passage du planificateur"),
    "booking.assigned": _l("Demi-journée attribuée"),
    "booking.cancel": _l("Demi-journée annulée"),
    "booking.cancelled": _l("Demi-journée annulée"),
    "booking.delivered": _l("Demi-journée réalisée"),
    "booking.move": _l("Demi-journée déplacée"),
    "booking.moved": _l("Demi-journée déplacée"),
    "booking.not_delivered": _l("Demi-journée non réalisée"),
    "booking.planned": _l("Demi-journée planifiée"),
    "booking.reminder": _l("Rappel envoyé"),
    "booking.to_reschedule": _l("Demi-journée à replanifier"),
    "demo.seed": _l("Données de démonstration"),
    "envelope.approval_setting": _l("Validation des tirages sur l'enveloppe modifiée"),
    "envelope.cap": _l("Plafond de tirage sur l'enveloppe"),
    "expert.create": _l("Expert créé"),
    "expert.deactivate": _l("Expert désactivé"),
    "expert.reactivate": _l("Expert réactivé"),
    "expert.update": _l("Expert modifié"),
    "expert.week_pattern": _l("Semaine type modifiée"),
    "feed_token.create": _l("Lien d'agenda créé"),
    "feed_token.regenerate": _l("Lien d'agenda renouvelé"),
    "feed_token.revoke": _l("Lien d'agenda révoqué"),
    "member.create": _l("Structure créée"),
    "member.deactivate": _l("Structure désactivée"),
    "member.import": _l("Import CSV de structures"),
    "member.reactivate": _l("Structure réactivée"),
    "member.update": _l("Structure modifiée"),
    "period.open": _l("Période ouverte"),
    "quota.adjust": _l("Droit de tirage ajusté"),
    "quota_period.open": _l("Période ouverte"),
    "quota_period.update": _l("Période modifiée"),
    "request.answer_information": _l("Réponse du membre"),
    "request.approve": _l("Demande acceptée"),
    "request.ask_information": _l("Précisions demandées"),
    "request.auto_approve": _l("Demande acceptée automatiquement"),
    "request.cancel": _l("Demande annulée"),
    "request.completed": _l("Demande terminée"),
    "request.create": _l("Demande créée"),
    "request.create_draft": _l("Brouillon créé"),
    "request.envelope_review": _l("Tirage sur l'enveloppe validé ou refusé par l'EPCI"),
    "request.message": _l("Message sur une demande"),
    "request.rate": _l("Intervention évaluée"),
    "request.reject": _l("Demande refusée"),
    "request.report": _l("Compte rendu d'intervention"),
    "request.schedule": _l("Demande planifiée"),
    "request.scheduled": _l("Demande planifiée"),
    "request.submit": _l("Demande envoyée"),
    "request.update": _l("Demande modifiée"),
    "role.create": _l("Rôle créé"),
    "role.update": _l("Rôle modifié"),
    "settings.update": _l("Paramètres modifiés"),
    "skill.create": _l("Compétence créée"),
    "skill.delete": _l("Compétence supprimée"),
    "skill.rename": _l("Compétence renommée"),
    "unavailability.create": _l("Indisponibilité déclarée"),
    "unavailability.delete": _l("Indisponibilité supprimée"),
    "unavailability.update": _l("Indisponibilité modifiée"),
    "user.accept_invitation": _l("Invitation acceptée"),
    "user.change_password": _l("Mot de passe changé"),
    "user.create": _l("Compte créé"),
    "user.deactivate": _l("Compte désactivé"),
    "user.invite": _l("Compte invité"),
    "user.profile": _l("Profil modifié"),
    "user.reactivate": _l("Compte réactivé"),
    "user.resend_invitation": _l("Invitation renvoyée"),
    "user.reset_password": _l("Mot de passe réinitialisé"),
    "user.role": _l("Rôle du compte changé"),
    "user.set_password": _l("Mot de passe défini"),
}

ENTITY_LABELS = {
    "allocation_runs": _l("Passage"),
    "bookings": _l("Demi-journée"),
    "envelope_draws": _l("Tirage sur l'enveloppe"),
    "experts": _l("Expert"),
    "intervention_requests": _l("Demande"),
    "members": _l("Structure"),
    "pool_settings": _l("Paramètres"),
    "quota_periods": _l("Période"),
    "quotas": _l("Droit de tirage"),
    "roles": _l("Rôle"),
    "skills": _l("Compétence"),
    "unavailabilities": _l("Indisponibilité"),
    "users": _l("Compte"),
}

FIELD_LABELS = {
    "adjusted_half_days": _l("ajustement"),
    "allocation_run_id": _l("passage n°"),
    "approval_note": _l("note"),
    "approved_half_days": _l("jours accordés"),
    "booked_half_days": _l("jours planifiés"),
    "cancellation_reason": _l("motif d'annulation"),
    "contribution_cents": _l("cotisation"),
    "date": _l("date"),
    "day_rate_cents": _l("tarif journalier"),
    "display_name": _l("nom affiché"),
    "email": _l("e-mail"),
    "envelope_draws_need_approval": _l("tirages sur l'enveloppe à valider"),
    "envelope_review": _l("avis de l'EPCI"),
    "cap_half_days": _l("plafond"),
    "commune": _l("commune"),
    "epci": _l("EPCI"),
    "end_date": _l("fin"),
    "expert_id": _l("expert n°"),
    "experts": _l("experts"),
    "half": _l("demi-journée"),
    "half_days": _l("jours demandés"),
    "insee_code": _l("code INSEE"),
    "kind": _l("type"),
    "member_id": _l("structure n°"),
    "members": _l("structures"),
    "message": _l("message"),
    "name": _l("nom"),
    "outside_window": _l("hors de la fenêtre de la demande"),
    "next_period_warning_weeks": _l("alerte d'ouverture de période (semaines)"),
    "over_quota_half_days": _l("hors droit de tirage"),
    "period": _l("période"),
    "policy": _l("calcul"),
    "pool": _l("pool"),
    "population": _l("population"),
    "rating": _l("note"),
    "reason": _l("motif"),
    "rejection_reason": _l("motif du refus"),
    "released_requests": _l("demandes qui n'attendent plus l'EPCI"),
    "role": _l("rôle"),
    "siren": _l("SIREN"),
    "start_date": _l("début"),
    "status": _l("état"),
    "to_reschedule": _l("à replanifier"),
    "unit_price_cents": _l("prix unitaire"),
    "week_mask": _l("semaine type"),
}


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


def entity_label(table: str) -> str:
    return ENTITY_LABELS.get(table, table)


def field_label(key: str) -> str:
    return FIELD_LABELS.get(key, key)


# Coded values whose French word depends on the field (and, for "kind" and "status", on the object).
_CODED_VALUES = {
    ("kind", "members"): MEMBER_KIND_LABELS,
    ("kind", "unavailabilities"): UNAVAILABILITY_KIND_LABELS,
    ("status", "bookings"): BOOKING_STATUS_LABELS,
    ("status", "intervention_requests"): STATUS_LABELS,
    ("role", "users"): ROLE_LABELS,
    ("policy", "quota_periods"): POLICY_LABELS,
}


def value_label(key: str, value, entity_type: str = "") -> str:
    """A before/after value as a coordinator reads it: days, euros, dates, French words, "oui"/"non"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_l("oui") if value else _l("non"))
    if key.endswith("_half_days") and isinstance(value, int):
        return days_label(value)
    if key.endswith("_cents") and isinstance(value, int):
        return money(value)
    labels = _CODED_VALUES.get((key, entity_type))
    if labels is not None and isinstance(value, str):
        return str(labels.get(value, value))
    if key == "half" and value in ("am", "pm"):
        return half_label(value)
    if (key == "date" or key.endswith("_date")) and isinstance(value, str):
        try:
            return date_long(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def value_items(values: dict | None, entity_type: str = "") -> list[tuple[str, str]]:
    """(field, value) pairs of an audit row's before/after, as a coordinator reads them; a booking's
    date and half read as one half-day, "10 mai 2027 (matin)", as in every other history."""
    values = values or {}
    merged = "date" in values and values.get("half") in ("am", "pm")
    items = []
    for key, value in values.items():
        if merged and key == "half":
            continue
        if merged and key == "date":
            items.append((field_label(key), half_day_label(value, values["half"])))
        else:
            items.append((field_label(key), value_label(key, value, entity_type)))
    return items
