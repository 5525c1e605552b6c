"""Why a request is not (fully) served: machine reasons and the French sentences members read."""

from __future__ import annotations

from datetime import date

from .model import ROLE_LABELS, Problem, Request

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip

WINDOW_BEYOND_HORIZON = "window_beyond_horizon"
DEADLINE_PASSED = "deadline_passed"
NO_ELIGIBLE_EXPERT = "no_eligible_expert"
NO_ELIGIBLE_EXPERT_FREE = "no_eligible_expert_free_in_window"
CRITICAL_CAPACITY_EXHAUSTED = "critical_capacity_exhausted"
QUOTA_EXHAUSTED = "quota_exhausted_capacity_to_within_quota"
CAPACITY_SHARED_FAIRLY = "capacity_shared_fairly"
NOT_SCHEDULED = "not_scheduled"  # the baselines' catch-all: they do not analyse why

REASONS = (
    WINDOW_BEYOND_HORIZON,
    DEADLINE_PASSED,
    NO_ELIGIBLE_EXPERT,
    NO_ELIGIBLE_EXPERT_FREE,
    CRITICAL_CAPACITY_EXHAUSTED,
    QUOTA_EXHAUSTED,
    CAPACITY_SHARED_FAIRLY,
    NOT_SCHEDULED,
)


def french_date(day: date) -> str:
    """'26 février', '1er mars': the way a French letter writes a date."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]}"


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


def half_days_label(count: int) -> str:
    """'1 demi-journée', '3 demi-journées'."""
    return f"{count} demi-journée" if count == 1 else f"{count} demi-journées"


def role_plural(role: str) -> str:
    return {"chef_projet": "chefs de projet"}.get(role, role_label(role))


def message(reason: str, request: Request, problem: Problem, missing: int) -> str:
    """The French sentence explaining `reason` for the `missing` half-days of `request`."""
    label = role_label(request.role)
    deadline = french_date(request.deadline)
    remaining = half_days_label(missing)
    skills = ", ".join(sorted(request.skills))
    with_skills = f" maîtrisant {skills}" if skills else ""
    if reason == WINDOW_BEYOND_HORIZON:
        return (
            f"{remaining.capitalize()} de votre demande tombent après le {french_date(problem.horizon_end)}, "
            "fin de la période planifiée : elles seront planifiées lors d'un prochain passage."
        )
    if reason == DEADLINE_PASSED:
        return (
            f"L'échéance du {deadline} est antérieure à la période planifiée "
            f"(qui commence le {french_date(problem.horizon_start)}) : merci de la mettre à jour."
        )
    if reason == NO_ELIGIBLE_EXPERT:
        return (
            f"Le pool ne compte aucun {label}{with_skills} : {remaining} ne peuvent pas être planifiées. "
            "Votre coordinateur peut vous proposer une autre solution."
        )
    if reason == NO_ELIGIBLE_EXPERT_FREE:
        earliest = french_date(request.earliest)
        return f"Aucun {label}{with_skills} n'est disponible entre le {earliest} et le {deadline}."
    if reason == CRITICAL_CAPACITY_EXHAUSTED:
        return (
            f"Même en urgence critique, aucun {label}{with_skills} n'est plus libre avant le {deadline} : "
            f"{remaining} restent à planifier. Votre coordinateur est prévenu."
        )
    if reason == QUOTA_EXHAUSTED:
        return (
            "Votre droit de tirage est épuisé et la capacité du pool est allée aux membres dans leur droit : "
            f"{remaining} restent hors droit de tirage, sans {label} libre avant le {deadline}."
        )
    if reason == CAPACITY_SHARED_FAIRLY:
        return (
            f"Le pool est complet : tous les {role_plural(request.role)} disponibles avant le {deadline} "
            "sont partagés entre les membres au même niveau de leur droit de tirage ; "
            f"{remaining} restent à planifier."
        )
    return f"{remaining.capitalize()} n'ont pas pu être planifiées avant le {deadline}."
