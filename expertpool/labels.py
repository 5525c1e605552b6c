"""The one registry of labels for statuses and kinds, shared by pages, exports, the audit log, mails and feeds."""

from flask_babel import lazy_gettext as _l

from expertpool.models.enums import (
    BookingStatus,
    MemberKind,
    QuotaPolicy,
    RequestStatus,
    RunMode,
    UnavailabilityKind,
    Urgency,
    UserRole,
)

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

UNAVAILABILITY_KIND_LABELS = {
    UnavailabilityKind.LEAVE: _l("Congés"),
    UnavailabilityKind.TRAINING: _l("Formation"),
    UnavailabilityKind.OTHER_WORK: _l("Autre mission"),
    UnavailabilityKind.OTHER: _l("Autre"),
}

# "à replanifier" is not a status of its own: a planned booking flagged `to_reschedule` (its expert
# became unavailable). It still holds the member's drawing right until moved or cancelled.
TO_RESCHEDULE = "to_reschedule"

BOOKING_STATUS_LABELS = {
    BookingStatus.PLANNED: _l("planifiée"),
    BookingStatus.DELIVERED: _l("réalisée"),
    BookingStatus.NOT_DELIVERED: _l("non réalisée"),
    BookingStatus.CANCELLED: _l("annulée"),
    TO_RESCHEDULE: _l("à replanifier"),
}


def booking_state(booking) -> str:
    """The state a reader should see: 'to_reschedule' for a flagged planned booking, else its status."""
    if booking.status == BookingStatus.PLANNED and booking.to_reschedule:
        return TO_RESCHEDULE
    return booking.status


def booking_status_label(booking) -> str:
    """'planifiée', 'réalisée', 'non réalisée', 'annulée' or 'à replanifier' (reader's language)."""
    state = booking_state(booking)
    return str(BOOKING_STATUS_LABELS.get(state, state))


def is_to_reschedule(booking) -> bool:
    return booking_state(booking) == TO_RESCHEDULE


MEMBER_KIND_LABELS = {
    MemberKind.COMMUNE: _l("Commune"),
    MemberKind.EPCI: _l("Intercommunalité (EPCI)"),
    MemberKind.ASSOCIATION: _l("Association"),
    MemberKind.SCHOOL: _l("Établissement scolaire"),
    MemberKind.HOSPITAL: _l("Établissement de santé"),
    MemberKind.COMPANY: _l("Entreprise"),
    MemberKind.OTHER: _l("Autre"),
}

ROLE_LABELS = {
    UserRole.MEMBER: _l("Membre"),
    UserRole.EXPERT: _l("Expert"),
    UserRole.COORDINATOR: _l("Coordinateur"),
    UserRole.ADMIN: _l("Administrateur"),
}

POLICY_LABELS = {
    QuotaPolicy.FIXED: _l("Nombre fixe de jours"),
    QuotaPolicy.PROPORTIONAL: _l("Proportionnel à la cotisation"),
    QuotaPolicy.POPULATION: _l("Par tranche de population"),
}

RUN_MODE_LABELS = {
    RunMode.PREVIEW: _l("aperçu"),
    RunMode.COMMIT: _l("enregistré"),
}

LOCALE_LABELS = {"fr": "Français", "en": "English"}  # each language in its own words

WEEKDAY_LABELS = (_l("Lundi"), _l("Mardi"), _l("Mercredi"), _l("Jeudi"), _l("Vendredi"), _l("Samedi"), _l("Dimanche"))

# The words for the fields of the models and of the audit log's before/after values (the audit log and
# the import preview show these, never a column name). tests/unit/test_field_labels.py checks that
# every field the code audits has one.
FIELD_LABELS = {
    "accessibility_audit_date": _l("date de l'audit d'accessibilité"),
    "accessibility_audit_method": _l("méthode de l'audit d'accessibilité"),
    "accessibility_contact": _l("contact accessibilité"),
    "accessibility_exceptions": _l("dérogations d'accessibilité"),
    "accessibility_plan_url": _l("schéma pluriannuel d'accessibilité"),
    "accessibility_rate": _l("taux de conformité"),
    "active": _l("actif"),
    "address": _l("adresse"),
    "adjusted_half_days": _l("ajustement"),
    "allocation_run_id": _l("passage n°"),
    "am_end": _l("fin du matin"),
    "am_start": _l("début du matin"),
    "anonymised": _l("anonymisé"),
    "approval_note": _l("note"),
    "approved_half_days": _l("jours accordés"),
    "auto_approve_max_half_days": _l("acceptation automatique jusqu'à"),
    "bio": _l("présentation"),
    "contact_shown": _l("contact montré aux membres"),
    "instant_booking_max_half_days": _l("réservation immédiate jusqu'à"),
    "preferred_half_days": _l("demi-journées préférées"),
    "work_phone": _l("téléphone professionnel"),
    "body": _l("message"),
    "booked": _l("demi-journées planifiées"),
    "booked_half_days": _l("jours planifiés"),
    "bookings_to_reschedule": _l("demi-journées à replanifier"),
    "cancellation_reason": _l("motif d'annulation"),
    "carried_over_half_days": _l("report"),
    "carry_over_cap_half_days": _l("plafond de report"),
    "contact_email": _l("e-mail de contact"),
    "contribution_cents": _l("cotisation"),
    "created": _l("créées"),
    "created_ids": _l("structures créées"),
    "date": _l("date"),
    "day_rate_cents": _l("tarif journalier"),
    "deadline": _l("au plus tard le"),
    "delta_half_days": _l("écart"),
    "description": _l("description"),
    "display_name": _l("nom affiché"),
    "dpo_contact": _l("délégué à la protection des données"),
    "earliest": _l("au plus tôt le"),
    "email": _l("e-mail"),
    "end_date": _l("fin"),
    "entitled_half_days": _l("droit de tirage"),
    "error": _l("erreur"),
    "expert_id": _l("expert n°"),
    "experts": _l("experts"),
    "experts_added": _l("experts ajoutés"),
    "experts_removed": _l("experts retirés"),
    "fixed_half_days": _l("jours par structure"),
    "flagged_booking_ids": _l("demi-journées à replanifier"),
    "had_password": _l("avait un mot de passe"),
    "had_token": _l("avait un lien"),
    "half": _l("demi-journée"),
    "half_days": _l("jours demandés"),
    "has_token": _l("a un lien"),
    "holds_envelope": _l("détient l'enveloppe"),
    "holidays_region": _l("zone des jours fériés"),
    "horizon_end": _l("fin de la période planifiée"),
    "horizon_start": _l("début de la période planifiée"),
    "horizon_weeks": _l("période planifiée (semaines)"),
    "host": _l("hébergeur"),
    "identity_id": _l("identité n°"),
    "insee_code": _l("code INSEE"),
    "invited_at": _l("invité le"),
    "issuer": _l("fournisseur d'identité"),
    "kind": _l("type"),
    "locale": _l("langue"),
    "member_id": _l("structure n°"),
    "member_right": _l("droit voté pour une structure"),
    "member_rights": _l("droits votés par structure"),
    "members": _l("structures"),
    "message": _l("message"),
    "mode": _l("mode"),
    "name": _l("nom"),
    "not_carried": _l("non repris"),
    "next_period_warning_weeks": _l("alerte d'ouverture de période (semaines)"),
    "note": _l("note"),
    "on_site": _l("sur place"),
    "outside_window": _l("hors de la fenêtre de la demande"),
    "over_quota_half_days": _l("hors droit de tirage"),
    "parent_id": _l("EPCI"),
    "pattern": _l("semaine type"),
    "period": _l("période"),
    "phone": _l("téléphone"),
    "pm_end": _l("fin de l'après-midi"),
    "pm_start": _l("début de l'après-midi"),
    "policy": _l("calcul"),
    "pool": _l("pool"),
    "population": _l("population"),
    "population_bands": _l("tranches de population"),
    "preferred_expert_id": _l("expert souhaité n°"),
    "publication_director": _l("directeur de la publication"),
    "publisher": _l("éditeur"),
    "quote_half_days": _l("devis (jours)"),
    "quote_unit_price_cents": _l("devis (prix unitaire)"),
    "quotas": _l("droits de tirage"),
    "rating": _l("note"),
    "rating_comment": _l("commentaire"),
    "reason": _l("motif"),
    "rejected": _l("rejetées"),
    "rejection_reason": _l("motif du refus"),
    "released_bookings": _l("demi-journées libérées"),
    "report": _l("compte rendu"),
    "report_by_id": _l("compte rendu par (compte n°)"),
    "request_status": _l("état de la demande"),
    "retention_audit_months": _l("conservation du journal (mois)"),
    "retention_closed_requests_months": _l("conservation des demandes closes (mois)"),
    "retention_notifications_months": _l("conservation des notifications (mois)"),
    "retention_outbox_months": _l("conservation des e-mails (mois)"),
    "retention_sign_in_months": _l("conservation des connexions (mois)"),
    "role": _l("rôle"),
    "role_id": _l("rôle n°"),
    "rows": _l("lignes"),
    "scheduler_cron": _l("horaire du planificateur"),
    "security_contact": _l("contact sécurité"),
    "siren": _l("SIREN"),
    "siret": _l("SIRET"),
    "start_date": _l("début"),
    "status": _l("état"),
    "subject": _l("identifiant chez le fournisseur"),
    "title": _l("titre"),
    "to_reschedule": _l("à replanifier"),
    "total_half_days": _l("total"),
    "unavailability_id": _l("indisponibilité n°"),
    "unchanged": _l("inchangées"),
    "unit_price_cents": _l("prix unitaire"),
    "unserved_half_days": _l("jours non servis"),
    "updated": _l("mises à jour"),
    "updated_ids": _l("structures mises à jour"),
    "urgency": _l("urgence"),
    "user_id": _l("compte n°"),
    "week_mask": _l("semaine type"),
    "works_on_site": _l("intervient sur place"),
    "works_remote": _l("intervient à distance"),
    "envelope_draws_need_approval": _l("tirages sur l'enveloppe à valider"),
    "envelope_review": _l("avis de l'EPCI"),
    "cap_half_days": _l("plafond"),
    "commune": _l("commune"),
    "epci": _l("EPCI"),
    "released_requests": _l("demandes qui n'attendent plus l'EPCI"),
    "base": _l("point de départ"),
    "billable_booked_half_days": _l("demi-journées facturables planifiées"),
    "changes": _l("changements"),
    "envelope_half_days": _l("jours sur l'enveloppe"),
    "events": _l("événements"),
    "expires_at": _l("expiration"),
    "revoked": _l("révoqué"),
    "scopes": _l("portées"),
    "url": _l("adresse"),
}


# What an export, an erasure or a purge counted ("rows" in its audit row), by the key it counts under.
ROW_KIND_LABELS = {
    "account": _l("compte"),
    "agenda": _l("demi-journées d'agenda"),
    "allocation_runs": _l("passages du planificateur"),
    "audit_log": _l("lignes du journal"),
    "bookings": _l("demi-journées"),
    "closed_request_messages": _l("messages de demandes closes"),
    "closed_request_texts": _l("textes de demandes closes"),
    "decisions": _l("décisions"),
    "expert_profile": _l("profil d'expert"),
    "join_requests": _l("demandes d'accès"),
    "last_sign_in": _l("dernières connexions"),
    "mails": _l("e-mails"),
    "membership": _l("structure"),
    "mentions": _l("mentions du nom"),
    "messages": _l("messages"),
    "notifications": _l("notifications"),
    "outbox_mails": _l("e-mails envoyés"),
    "provider_identities": _l("identités de connexion"),
    "quota_adjustments": _l("ajustements de droit de tirage"),
    "ratings": _l("évaluations"),
    "reports": _l("comptes rendus"),
    "requests": _l("demandes"),
    "sign_in_failures": _l("échecs de connexion"),
    "unavailability": _l("indisponibilités"),
    "week_pattern_history": _l("semaines types successives"),
}


def field_label(key: str) -> str:
    """The reader's word for a field; an unknown key reads as a generic word rather than a column name."""
    label = FIELD_LABELS.get(key)
    return str(label) if label is not None else str(_l("autre champ"))


def field_labels(keys) -> str:
    """'population, cotisation': changed fields as a reader lists them."""
    return ", ".join(field_label(key) for key in keys)
