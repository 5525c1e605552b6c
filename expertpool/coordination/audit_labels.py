"""French words for the audit log page: actions, objects, fields and values instead of internal codes."""

from datetime import date

from flask_babel import lazy_gettext as _l

from expertpool.i18n import date_long, days_label, half_day_label, half_label, locale_code, money, number
from expertpool.labels import (
    BOOKING_STATUS_LABELS,
    LOCALE_LABELS,
    MEMBER_KIND_LABELS,
    POLICY_LABELS,
    ROLE_LABELS,
    ROW_KIND_LABELS,
    RUN_MODE_LABELS,
    STATUS_LABELS,
    UNAVAILABILITY_KIND_LABELS,
    URGENCY_LABELS,
    WEEKDAY_LABELS,
    field_label,
)
from expertpool.models.expert import WEEKDAYS

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
    # Written by the agenda's delivery (request.<status>): a half-day not delivered sends it back to planning.
    "request.approved": _l("Demande à replanifier"),
    "request.ask_information": _l("Précisions demandées"),
    "request.auto_approve": _l("Demande acceptée automatiquement"),
    "request.cancel": _l("Demande annulée"),
    "request.completed": _l("Demande terminée"),
    "request.create": _l("Demande créée"),
    "request.create_draft": _l("Brouillon créé"),
    "request.envelope_review": _l("Tirage sur l'enveloppe validé ou refusé par l'EPCI"),
    "request.in_progress": _l("Intervention commencée"),
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


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


def entity_label(table: str) -> str:
    return ENTITY_LABELS.get(table, table)


# Coded values whose French word depends on the field (and, for "kind" and "status", on the object).
_CODED_VALUES = {
    ("kind", "members"): MEMBER_KIND_LABELS,
    ("kind", "unavailabilities"): UNAVAILABILITY_KIND_LABELS,
    ("status", "bookings"): BOOKING_STATUS_LABELS,
    ("status", "intervention_requests"): STATUS_LABELS,
    ("role", "users"): ROLE_LABELS,
    ("policy", "quota_periods"): POLICY_LABELS,
    ("urgency", "intervention_requests"): URGENCY_LABELS,
    ("mode", "allocation_runs"): RUN_MODE_LABELS,
    ("locale", "users"): LOCALE_LABELS,
}

# Written in the row as the week pattern ("pattern") next to it: the bit mask means nothing to a reader.
_HIDDEN_NEXT_TO = {"week_mask": "pattern"}


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
    if key.endswith("_ids") and isinstance(value, list):
        return ", ".join(f"n° {item}" for item in value) or "—"
    if key == "population_bands" and isinstance(value, list):
        return _population_bands(value)
    if key == "pattern" and isinstance(value, dict):
        return _week_pattern(value)
    labels = _CODED_VALUES.get((key, entity_type))
    if labels is not None and isinstance(value, str):
        return str(labels.get(value, value))
    if key == "half" and value in ("am", "pm"):
        return half_label(value)
    if (key == "date" or key.endswith("_date") or key.startswith("horizon_")) and isinstance(value, str):
        try:
            return date_long(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, dict):
        # Counts by kind of row ("rows" of an export or a purge), or a nested record: words, not keys.
        return ", ".join(f"{_row_kind_or_field(k)} : {value_label(k, v)}" for k, v in value.items()) or "—"
    if isinstance(value, list):
        return ", ".join(value_label(key, item) for item in value) or "—"
    if isinstance(value, int):
        return number(value)
    return str(value)


def _list(parts: list[str]) -> str:
    """Items of a list that have commas of their own: ' ; ' in French, '; ' in English."""
    return (" ; " if locale_code() == "fr" else "; ").join(parts) or "—"


def _row_kind_or_field(key: str) -> str:
    return str(ROW_KIND_LABELS[key]) if key in ROW_KIND_LABELS else field_label(key)


def _population_bands(bands: list) -> str:
    """'jusqu'à 2 000 habitants : 2 jours ; au-delà : 5 jours'."""
    parts = []
    for band in bands:
        days = days_label(band.get("half_days"))
        limit = band.get("max_population")
        if limit is None:
            parts.append(str(_l("au-delà : %(days)s", days=days)))
        else:
            parts.append(str(_l("jusqu'à %(population)s habitants : %(days)s", population=number(limit), days=days)))
    return _list(parts)


def _week_pattern(pattern: dict) -> str:
    """'Lundi : matin, après-midi ; Mardi : matin'."""
    parts = []
    for index, day in enumerate(WEEKDAYS):
        halves = pattern.get(day) or []
        if halves:
            parts.append(f"{WEEKDAY_LABELS[index]} : {', '.join(half_label(h) for h in halves)}")
    return _list(parts)


def value_items(values: dict | None, entity_type: str = "") -> list[tuple[str, str]]:
    """(field, value) pairs of an audit row's before/after, as a coordinator reads them; a booking's
    date and half read as one half-day, "10 mai 2027 (matin)", as in every other history."""
    values = values or {}
    merged = "date" in values and values.get("half") in ("am", "pm")
    items = []
    for key, value in values.items():
        if merged and key == "half":
            continue
        if _HIDDEN_NEXT_TO.get(key) in values:
            continue
        if merged and key == "date":
            items.append((field_label(key), half_day_label(value, values["half"])))
        else:
            items.append((field_label(key), value_label(key, value, entity_type)))
    return items
