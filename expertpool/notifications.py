"""In-app notifications stored as a kind and its parameters, put in words in the reader's language when
shown, and mailed (in the recipient's language) when the event matters enough to interrupt.

Every kind is listed in `KINDS` with the function that writes its sentence (French msgids through
gettext, so the catalogue translates them) and, for the kinds that are mailed, the mail's subject.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from expertpool.extensions import db
from expertpool.i18n import days_label, half_day_label, money
from expertpool.interventions import group_interventions, intervention_text
from expertpool.mail import render_mail, send_mail
from expertpool.models import Expert, Notification, User, UserRole

MAX_SLOTS_IN_MESSAGE = 12


def N_(msgid: str) -> str:
    """Mark a msgid for extraction (babel's default keyword); it is translated when the notification is read."""
    return msgid


@dataclass(frozen=True)
class Kind:
    sentence: str | Callable[[dict], str]  # a French msgid, or params -> the sentence in the current locale
    mail_subject: object = None  # a lazy msgid: the kind is also mailed

    def text(self, params: dict) -> str:
        if callable(self.sentence):
            return self.sentence(params)
        return gettext(self.sentence, **{name: _formatted(name, value) for name, value in params.items()})


def _formatted(name: str, value):
    """Parameters are stored raw (JSON): half-days and dates are written in the reader's locale."""
    if name == "slots":
        return slots_text(value)
    if name in ("days", "over"):
        return days_label(value)
    if name == "amount":  # cents
        return money(value)
    return value


def slot_params(bookings: Iterable, *, with_expert: bool = True) -> list[dict]:
    """Half-days as JSON-safe parameters, grouped in interventions (DESIGN.md):
    [{"first": "2027-01-18", "last": "2027-01-21", "count": 8, "half": "am", "expert": "Soizic Guéguen"}, …]
    in date order. `with_expert=False` when the reader is the expert, or the sentence already names them."""
    from expertpool.booked_interventions import expert_works  # it reads models that import this module

    items = list(bookings)
    runs = group_interventions(items, expert_works(items))
    names = {}
    if with_expert and runs:
        ids = {run.expert_id for run in runs}
        names = dict(db.session.execute(select(Expert.id, Expert.display_name).where(Expert.id.in_(ids))).all())
    params = []
    for run in runs:
        item = {"first": run.first[0].isoformat(), "last": run.last[0].isoformat(), "count": run.count}
        item["half"] = run.first[1]
        if run.expert_id in names:
            item["expert"] = names[run.expert_id]
        params.append(item)
    return params


def slots_text(slots: list) -> str:
    """'18–21 janvier 2027, 8 demi-journées, Soizic Guéguen ; …' in the current locale. Notifications stored
    before interventions hold half-days ([["2027-01-18", "am"], …]): those read 'lundi 18 janvier 2027 (matin)'."""
    parts = [_slot_text(slot) for slot in slots[:MAX_SLOTS_IN_MESSAGE]]
    if len(slots) > MAX_SLOTS_IN_MESSAGE:
        parts.append("…")
    # Interventions hold commas of their own: a semicolon parts them (with its French space before it).
    return (gettext(" ; ") if slots and isinstance(slots[0], dict) else ", ").join(parts)


def _slot_text(slot) -> str:
    if isinstance(slot, dict):
        first, last = date.fromisoformat(slot["first"]), date.fromisoformat(slot["last"])
        return intervention_text(first, last, int(slot["count"]), slot.get("expert"), slot.get("half"))
    day, half = slot
    return half_day_label(day, half, weekday=True)


def _approved(p: dict) -> str:
    days, title = days_label(p["days"]), p["title"]
    if p.get("asked") is not None:  # more than asked: the member reads both figures, and why
        if p.get("over"):
            return gettext(
                "Votre demande « %(title)s » est acceptée pour %(days)s (vous aviez demandé %(asked)s), "
                "dont %(over)s hors droit de tirage. Motif : %(reason)s",
                title=title,
                days=days,
                asked=days_label(p["asked"]),
                over=days_label(p["over"]),
                reason=p["reason"],
            )
        return gettext(
            "Votre demande « %(title)s » est acceptée pour %(days)s (vous aviez demandé %(asked)s). Motif : %(reason)s",
            title=title,
            days=days,
            asked=days_label(p["asked"]),
            reason=p["reason"],
        )
    if p.get("over"):
        return gettext(
            "Votre demande « %(title)s » est acceptée pour %(days)s, dont %(over)s hors droit de tirage.",
            title=title,
            days=days,
            over=days_label(p["over"]),
        )
    return gettext("Votre demande « %(title)s » est acceptée pour %(days)s.", title=title, days=days)


def _to_reschedule(p: dict) -> str:
    return ngettext(
        "%(expert)s est indisponible : %(num)d demi-journée planifiée est à replanifier.",
        "%(expert)s est indisponible : %(num)d demi-journées planifiées sont à replanifier.",
        p["count"],
        expert=p["expert"],
    )


_PLANNING_CHANGE = _l("Changement dans le planning")
_REMINDER = _l("Rappel : intervention demain")

KINDS: dict[str, Kind] = {
    # to the coordinators and administrators (in-app only)
    "request_submitted": Kind(N_("%(member)s a envoyé la demande « %(title)s ».")),
    "webhook_disabled": Kind(
        N_("Le webhook %(url)s échoue depuis un jour : il est désactivé. Les événements sont conservés.")
    ),
    "request_cancelled": Kind(N_("%(member)s a annulé la demande « %(title)s ».")),
    "request_message": Kind(N_("%(member)s a écrit au sujet de la demande « %(title)s ».")),
    "request_answered": Kind(N_("%(member)s a répondu sur la demande « %(title)s ».")),
    "booking.to_reschedule": Kind(_to_reschedule),
    "join_request.staff": Kind(N_("%(name)s (%(email)s) demande à rejoindre %(member)s.")),
    "envelope_reviewed": Kind(
        N_("%(epci)s a répondu sur le tirage de %(member)s pour « %(title)s » : la demande peut être décidée.")
    ),
    # to an EPCI's users (mailed): draws of its communes on its envelope
    "envelope_review_requested": Kind(
        N_("%(member)s demande %(days)s sur l'enveloppe de votre intercommunalité pour « %(title)s » : à valider."),
        _l("Un tirage sur votre enveloppe est à valider"),
    ),
    "envelope_first_draw": Kind(
        N_("%(member)s commence à tirer sur l'enveloppe de votre intercommunalité (%(period)s) : %(days)s."),
        _l("Une commune tire sur votre enveloppe"),
    ),
    "quote.accepted": Kind(N_("%(member)s a accepté le devis de la demande « %(title)s » : %(over)s, %(amount)s HT.")),
    "quote.acknowledged": Kind(
        N_("%(member)s a pris connaissance du prix de l'urgence « %(title)s » : %(over)s, %(amount)s HT.")
    ),
    # to a member's users (mailed)
    "request_approved": Kind(_approved, _l("Demande acceptée")),
    "booking.to_reschedule.member": Kind(
        N_(
            "L'expert prévu pour « %(title)s » est indisponible : %(slots)s à replanifier. "
            "Le pool vous indiquera la nouvelle date."
        ),
        _l("Intervention à replanifier"),
    ),
    "join_request": Kind(
        N_("%(name)s (%(email)s) demande à rejoindre %(member)s."), _l("Demande d'accès à votre espace")
    ),
    "envelope_draw_approved": Kind(
        N_("Votre intercommunalité accepte que %(days)s de « %(title)s » soient pris sur son enveloppe.")
    ),
    "envelope_draw_refused": Kind(
        N_(
            "Votre intercommunalité refuse que « %(title)s » soit pris sur son enveloppe : la part au-delà de "
            "votre droit de tirage (%(over)s) sera hors droit de tirage, facturable. Motif : %(reason)s"
        ),
        _l("Tirage sur l'enveloppe refusé"),
    ),
    "quote.to_accept": Kind(
        N_(
            "Nouveau devis pour « %(title)s » : %(over)s hors droit de tirage, %(amount)s HT. Ces demi-journées "
            "seront planifiées une fois le devis accepté sur la page de la demande."
        ),
        _l("Devis à accepter"),
    ),
    "request_rejected": Kind(N_("Votre demande « %(title)s » est refusée : %(reason)s"), _l("Demande refusée")),
    "request_needs_info": Kind(
        N_("Le coordinateur demande des précisions sur votre demande « %(title)s » : %(message)s"),
        _l("Précisions demandées"),
    ),
    "request.scheduled": Kind(
        N_("Vos demi-journées sont planifiées pour « %(title)s » : %(slots)s."),
        _l("Vos demi-journées sont planifiées"),
    ),
    "booking.reminder": Kind(N_("Rappel : %(expert)s intervient demain pour « %(title)s », %(slots)s."), _REMINDER),
    "request.rate": Kind(
        N_("L'intervention « %(title)s » est terminée : donnez votre avis."),
        _l("Intervention terminée : votre avis compte"),
    ),
    # to the member's users and the experts concerned (mailed)
    "booking.moved": Kind(N_("La demi-journée « %(title)s » est déplacée au %(slots)s."), _PLANNING_CHANGE),
    "booking.cancelled": Kind(N_("La demi-journée « %(title)s » du %(slots)s est annulée."), _PLANNING_CHANGE),
    # to experts (mailed)
    "booking.assigned": Kind(
        N_("De nouvelles demi-journées sont inscrites à votre agenda : %(slots)s."),
        _l("Nouvelles interventions planifiées"),
    ),
    "booking_cancelled": Kind(
        N_("%(member)s a annulé l'intervention « %(title)s ». Vos demi-journées sont libérées : %(slots)s."),
        _l("Intervention annulée"),
    ),
    "booking.reminder_expert": Kind(N_("Rappel : demain, %(slots)s chez %(members)s."), _REMINDER),
}


def notification_text(note: Notification) -> str:
    """The notification in the current locale; rows written before kinds had parameters keep their text."""
    kind = KINDS.get(note.kind)
    if note.params is None or kind is None:
        return note.message or ""
    return kind.text(note.params)


def notify(user: User, kind: str, params: dict, *, now: datetime, link: str = "") -> Notification:
    """Add a notification of `kind` for `user`, and mail it (in the user's language) when the kind is mailed."""
    spec = KINDS[kind]  # an unknown kind is a programming error: fail in the tests, not in front of a user
    note = Notification(user_id=user.id, kind=kind, params=dict(params), link=link, created_at=now)
    db.session.add(note)
    if spec.mail_subject is not None and user.active:
        with force_locale(user.locale or "fr"):
            subject, body = render_mail(
                "notification",
                name=user.name,
                subject=str(spec.mail_subject),
                message=spec.text(note.params),
                link=absolute(link),
            )
        send_mail(user.email, subject, body, now=now, kind=kind)
    return note


def absolute(link: str) -> str:
    return current_app.config["EXPERTPOOL_BASE_URL"].rstrip("/") + link if link.startswith("/") else link


def notify_staff(kind: str, params: dict, *, now: datetime, link: str = "") -> None:
    """Tell every active coordinator and administrator (in-app only: they see it on their home page)."""
    staff = db.session.scalars(
        select(User).where(User.role.in_((UserRole.COORDINATOR, UserRole.ADMIN)), User.active.is_(True))
    )
    for user in staff:
        notify(user, kind, params, now=now, link=link)


def mark_read(note: Notification, *, now: datetime) -> None:
    """The reader opened it (the first time counts)."""
    if note.read_at is None:
        note.read_at = now


def mark_all_read(user: User, *, now: datetime) -> None:
    """Mark read everything `user` had received by `now` (the notifications page's button)."""
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None), Notification.created_at <= now)
        .values(read_at=now)
    )


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )
