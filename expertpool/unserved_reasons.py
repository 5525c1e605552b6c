"""The engine's unserved reason codes as sentences, in the reader's language and written for that reader.

The engine (expertpool/allocation/explain.py) returns a code and its facts; the member who asked reads a
sentence addressed to them, the coordinator a short operational one. Rows and plans written before the
codes carried parameters (expertpool-plan/1) keep their stored French text, shown as it is.
"""

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from flask_babel import gettext

from expertpool.i18n import day_month, days_label

MEMBER = "member"
COORDINATOR = "coordinator"

Sentence = Callable[[dict[str, str]], str]


def _who(params: Mapping[str, Any], role: str) -> str:
    """'DBA', or 'DBA maîtrisant PostgreSQL, Oracle' when the request needs skills."""
    skills = params.get("skills") or []
    if not skills:
        return role
    return gettext("%(role)s maîtrisant %(skills)s", role=role, skills=", ".join(skills))


# One sentence per code and reader; the values are those of _values() (dates already written out).
_MEMBER: dict[str, Sentence] = {
    "window_beyond_horizon": lambda v: gettext(
        "Le reste de votre demande (%(remaining)s) sera planifié lors d'un prochain passage : "
        "la période planifiée s'arrête le %(horizon_end)s.",
        **v,
    ),
    "deadline_passed": lambda v: gettext(
        "Votre échéance du %(deadline)s est antérieure à la période planifiée (qui commence le "
        "%(horizon_start)s) : merci de la mettre à jour.",
        **v,
    ),
    "no_eligible_expert": lambda v: gettext(
        "Le pool ne compte aucun %(who)s : il reste %(remaining)s qui ne peuvent pas être planifiés. "
        "Votre coordinateur peut vous proposer une autre solution.",
        **v,
    ),
    "no_eligible_expert_free_in_window": lambda v: gettext(
        "Aucun %(who)s n'est disponible avant votre échéance du %(deadline)s.", **v
    ),
    "critical_capacity_exhausted": lambda v: gettext(
        "Même en urgence critique, aucun %(who)s n'est plus libre avant votre échéance du %(deadline)s : "
        "il reste %(remaining)s à planifier. Votre coordinateur est prévenu.",
        **v,
    ),
    "quota_exhausted_capacity_to_within_quota": lambda v: gettext(
        "Votre droit de tirage est épuisé et la capacité du pool est allée aux membres dans leur droit : "
        "il reste %(remaining)s hors droit de tirage, sans %(role)s libre avant votre échéance du %(deadline)s.",
        **v,
    ),
    "quote_not_accepted": lambda v: (
        gettext(
            "Votre droit de tirage est épuisé et votre devis accepté couvre %(accepted)s hors droit de tirage, "
            "déjà planifiés : il reste %(remaining)s à planifier avant votre échéance du %(deadline)s, dès que "
            "vous aurez accepté le nouveau devis (page de la demande).",
            **v,
        )
        if v["accepted"]
        else gettext(
            "Votre droit de tirage est épuisé : il reste %(remaining)s hors droit de tirage, planifiés avant votre "
            "échéance du %(deadline)s dès que vous aurez accepté leur devis (page de la demande).",
            **v,
        )
    ),
    "capacity_shared_fairly": lambda v: gettext(
        "Le pool est complet : le temps de %(role)s disponible avant votre échéance du %(deadline)s est partagé "
        "entre les membres au même niveau de leur droit de tirage ; il reste %(remaining)s à planifier.",
        **v,
    ),
    "not_scheduled": lambda v: gettext("Il reste %(remaining)s à planifier avant votre échéance du %(deadline)s.", **v),
    # Not the engine's: the scheduler's own, for dates no open period covers (expertpool/periods.py).
    "period_not_open": lambda v: gettext(
        "La période %(name)s n'est pas encore ouverte : ces demi-journées seront planifiées à son ouverture.",
        name=v["period"],
    ),
}

_COORDINATOR: dict[str, Sentence] = {
    "window_beyond_horizon": lambda v: gettext(
        "Fenêtre au-delà de la période planifiée (fin le %(horizon_end)s) : %(remaining)s pour un prochain passage.",
        **v,
    ),
    "deadline_passed": lambda v: gettext(
        "Échéance (%(deadline)s) antérieure à la période planifiée (début le %(horizon_start)s) : "
        "à corriger avec le membre.",
        **v,
    ),
    "no_eligible_expert": lambda v: gettext("Aucun %(who)s dans le pool : %(remaining)s impossibles à planifier.", **v),
    "no_eligible_expert_free_in_window": lambda v: gettext(
        "Aucun %(who)s libre dans la fenêtre de la demande (échéance %(deadline)s).", **v
    ),
    "critical_capacity_exhausted": lambda v: gettext(
        "Urgence critique non couverte : aucun %(who)s libre avant l'échéance (%(deadline)s), reste %(remaining)s.",
        **v,
    ),
    "quota_exhausted_capacity_to_within_quota": lambda v: gettext(
        "Droit de tirage épuisé : la capacité de %(role)s avant l'échéance (%(deadline)s) est allée aux membres "
        "dans leur droit ; reste %(remaining)s hors droit.",
        **v,
    ),
    "quote_not_accepted": lambda v: (
        gettext(
            "Devis en attente d'acceptation : le devis accepté couvre %(accepted)s hors droit, déjà planifiés ; "
            "reste %(remaining)s (échéance %(deadline)s).",
            **v,
        )
        if v["accepted"]
        else gettext(
            "Devis en attente d'acceptation : aucun devis accepté pour la part hors droit ; reste %(remaining)s "
            "(échéance %(deadline)s).",
            **v,
        )
    ),
    "capacity_shared_fairly": lambda v: gettext(
        "Capacité de %(role)s saturée avant l'échéance (%(deadline)s), partagée entre les membres au même niveau "
        "de droit de tirage ; reste %(remaining)s.",
        **v,
    ),
    "not_scheduled": lambda v: gettext("Non planifié avant l'échéance (%(deadline)s) ; reste %(remaining)s.", **v),
    "period_not_open": lambda v: gettext(
        "Période %(name)s pas encore ouverte : %(remaining)s attendent son ouverture.",
        name=v["period"],
        remaining=v["remaining"],
    ),
}

_SENTENCES = {MEMBER: _MEMBER, COORDINATOR: _COORDINATOR}


def _values(params: Mapping[str, Any], half_days: int, role_label: str | None) -> dict[str, str]:
    role = role_label or str(params.get("role", ""))
    values = {"remaining": days_label(half_days), "role": role, "who": _who(params, role)}
    if "accepted_billable" in params:  # "" when no quote was accepted (the sentences say so otherwise)
        accepted = int(params["accepted_billable"])
        values["accepted"] = days_label(accepted) if accepted else ""
    if "period" in params:
        values["period"] = str(params["period"])
    for name in ("earliest", "deadline", "horizon_start", "horizon_end"):
        if name in params:
            values[name] = day_month(date.fromisoformat(params[name]))
    return values


def unserved_sentence(
    reason: str,
    params: Mapping[str, Any] | None,
    half_days: int,
    *,
    audience: str,
    role_label: str | None = None,
    stored_message: str = "",
) -> str:
    """The sentence explaining why `half_days` of a request are unserved, for `audience` (MEMBER or
    COORDINATOR). `role_label` is the role's name in the pool (the code stands in without it);
    `stored_message` is the French text of a row or plan written before reasons carried parameters."""
    sentence = _SENTENCES[audience].get(reason)
    if params is None or sentence is None:
        return stored_message or gettext("Reste à planifier : %(remaining)s.", remaining=days_label(half_days))
    try:
        return sentence(_values(params, half_days, role_label))
    except (KeyError, TypeError, ValueError):  # a hand-edited plan: never a 500 for one sentence
        return stored_message or gettext("Reste à planifier : %(remaining)s.", remaining=days_label(half_days))


def request_unserved_sentence(req, *, audience: str) -> str:
    """The stored explanation of an intervention request for `audience`; "" when it has none.

    `unserved_params` holds the reason's parameters plus `half_days`, the amount left unserved."""
    if not req.unserved_reason and not req.unserved_message:
        return ""
    params = req.unserved_params
    return unserved_sentence(
        req.unserved_reason,
        params,
        int((params or {}).get("half_days", 0)),
        audience=audience,
        role_label=req.role.label if req.role else None,
        stored_message=req.unserved_message,
    )


def plan_entry_sentence(entry: Mapping[str, Any], req=None) -> str:
    """The coordinator's sentence for one `unserved` entry of a stored plan (/2: code and parameters;
    /1: its French message). `req` is the intervention request, for its role's name, when it still exists."""
    role = getattr(req, "role", None)
    return unserved_sentence(
        str(entry.get("reason", "")),
        entry.get("params"),
        int(entry.get("half_days", 0)),
        audience=COORDINATOR,
        role_label=role.label if role is not None else None,
        stored_message=str(entry.get("message", "")),
    )


# The reasons in a word, for tables that add up half-days per reason (a scenario's comparison).
_SHORT = {
    "window_beyond_horizon": lambda: gettext("fenêtre au-delà de la période planifiée"),
    "deadline_passed": lambda: gettext("échéance déjà passée"),
    "no_eligible_expert": lambda: gettext("aucun expert du profil dans le pool"),
    "no_eligible_expert_free_in_window": lambda: gettext("aucun expert libre dans la fenêtre"),
    "critical_capacity_exhausted": lambda: gettext("urgence critique non couverte"),
    "quota_exhausted_capacity_to_within_quota": lambda: gettext("droit de tirage épuisé"),
    "capacity_shared_fairly": lambda: gettext("capacité saturée, partagée équitablement"),
    "not_scheduled": lambda: gettext("non planifié"),
    "period_not_open": lambda: gettext("période pas encore ouverte"),
}


def reason_short_label(reason: str) -> str:
    """A reason code in a few words, in the reader's language (the code itself when unknown)."""
    label = _SHORT.get(reason)
    return label() if label else reason


def init_app(app) -> None:
    """Templates write `req|unserved_for_member`, `req|unserved_for_coordinator`, `unserved_plan_entry(item, req)`."""
    app.jinja_env.filters.update(
        unserved_for_member=lambda req: request_unserved_sentence(req, audience=MEMBER),
        unserved_for_coordinator=lambda req: request_unserved_sentence(req, audience=COORDINATOR),
    )
    app.jinja_env.globals.update(unserved_plan_entry=plan_entry_sentence)
