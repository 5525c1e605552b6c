"""Erasure and departure (RGPD art. 17): a person is anonymised, the records the pool must keep stay.

What happens to each kind of data is written in the register (privacy.registry): deleted, scrubbed, or
kept. The bookings, delivered half-days, statements and the audit trail stay, pointing to "Ancien
utilisateur n°…"; sessions and calendar feeds die.

The audit log is append-only with ONE documented exception, made here: erasure replaces the person's
name, email and texts inside the before/after snapshots of existing audit rows (ids, actions and dates
stay), and records that it did so, with counts, in a new audit row.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import JSON, Text, cast, delete, func, or_, select, update

from expertpool import audit, week_patterns
from expertpool.extensions import db
from expertpool.models import Booking, User, UserRole
from expertpool.models.enums import BookingStatus
from expertpool.privacy.export import subject_of
from expertpool.privacy.registry import DELETE, ERASED_TEXT, FREE_TEXT, MENTIONS, PERSONAL_DATA, SCRUB, Subject
from expertpool.timeutil import today_paris

# Shorter names and texts would match inside unrelated words and texts.
MIN_NAME_LENGTH = 3
MIN_TEXT_LENGTH = 6
LIKE_ESCAPE = "!"


@dataclass
class ErasureRefused(Exception):
    reasons: list[str]
    bookings: list[Booking] = field(default_factory=list)


def future_bookings(user: User, *, now: datetime) -> list[Booking]:
    """An expert's half-days still to come: they must be moved or cancelled before the expert leaves."""
    if user.expert is None:
        return []
    return list(
        db.session.scalars(
            select(Booking)
            .where(
                Booking.expert_id == user.expert.id,
                Booking.status.in_(BookingStatus.HOLDING),
                Booking.date >= today_paris(now),
            )
            .order_by(Booking.date, Booking.half)
        )
    )


def _is_last_admin(user: User) -> bool:
    if user.role != UserRole.ADMIN:
        return False
    others = db.session.scalar(
        select(func.count(User.id)).where(
            User.role == UserRole.ADMIN, User.active.is_(True), User.anonymised_at.is_(None), User.id != user.id
        )
    )
    return not others


def erasure_obstacles(user: User, *, now: datetime) -> ErasureRefused | None:
    """Why the person cannot be anonymised now (None: nothing stands in the way)."""
    reasons = []
    if user.anonymised_at is not None:
        reasons.append(_("Les données de ce compte sont déjà effacées."))
    if _is_last_admin(user):
        reasons.append(_("C'est le dernier administrateur du pool : nommez d'abord un autre administrateur."))
    bookings = future_bookings(user, now=now)
    if bookings:
        reasons.append(
            ngettext(
                "L'expert a encore %(num)d demi-journée planifiée : déplacez-la ou annulez-la d'abord.",
                "L'expert a encore %(num)d demi-journées planifiées : déplacez-les ou annulez-les d'abord.",
                len(bookings),
            )
        )
    return ErasureRefused(reasons, bookings) if reasons else None


def anonymise(user: User, *, actor: User, now: datetime) -> dict[str, int]:
    """Erase the person following the register; counts per kind of data. Raises ErasureRefused."""
    refused = erasure_obstacles(user, now=now)
    if refused is not None:
        raise refused
    subject = subject_of(user)
    names = {subject.name, *([user.expert.display_name] if user.expert is not None else [])}
    texts = _their_texts(subject)
    if user.expert is not None and user.expert.active:  # the scrub below takes the expert out of the pool
        week_patterns.leave(user.expert, today=today_paris(now))
    counts: dict[str, int] = {}
    for entry in PERSONAL_DATA:
        if entry.on_erase == DELETE:
            counts[entry.key] = db.session.execute(delete(entry.model).where(entry.rows(subject))).rowcount
        elif entry.on_erase == SCRUB:
            counts[entry.key] = _scrub(entry, subject, now)
    db.session.flush()
    counts["mentions"] = _scrub_mentions(subject, names, texts)
    db.session.expire_all()  # the Core updates above bypassed the identity map
    audit.record(
        actor,
        "user.anonymise",
        user,
        now=now,
        after={"anonymised": True, "rows": counts},
        member_id=subject.member_id,
        expert_id=subject.expert_id,
    )
    db.session.flush()
    return counts


def _rows(entry, subject: Subject):
    return db.session.scalars(select(entry.model).where(entry.rows(subject)).order_by(entry.model.id)).all()


def _their_texts(subject: Subject) -> set[str]:
    """The free texts the person wrote, to find them wherever they are quoted (audit snapshots…)."""
    texts = set()
    for entry in PERSONAL_DATA:
        columns = entry.free_text_columns()
        if entry.on_erase != SCRUB or not columns:
            continue
        for row in _rows(entry, subject):
            values = (getattr(row, column) for column in columns)
            texts.update(v.strip() for v in values if v and len(v.strip()) >= MIN_TEXT_LENGTH)
    return texts


def _scrub(entry, subject: Subject, now: datetime) -> int:
    rows = _rows(entry, subject)
    for row in rows:
        for column, replacement in entry.scrub.items():
            if replacement is FREE_TEXT:
                value = ERASED_TEXT if getattr(row, column) else getattr(row, column)
            elif callable(replacement):
                value = replacement(row, subject, now)
            else:
                value = replacement
            setattr(row, column, value)
    return len(rows)


def _replacer(subject: Subject, names: set[str], texts: set[str]):
    patterns = [(re.compile(re.escape(subject.email), re.IGNORECASE), subject.pseudonym_email)]
    for name in sorted(names, key=len, reverse=True):
        if len(name.strip()) >= MIN_NAME_LENGTH:
            pattern = re.compile(r"(?<!\w)" + re.escape(name.strip()) + r"(?!\w)", re.IGNORECASE)
            patterns.append((pattern, subject.pseudonym))

    def clean(value: str) -> str:
        if any(text in value for text in texts):
            return ERASED_TEXT
        for pattern, replacement in patterns:
            value = pattern.sub(replacement, value)
        return value

    return clean


def _walk(value, clean):
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_walk(v, clean) for v in value]
    if isinstance(value, dict):
        return {k: _walk(v, clean) for k, v in value.items()}
    return value


def _like_any(expression, needles: set[str]):
    def escaped(text: str) -> str:
        for char in (LIKE_ESCAPE, "%", "_"):
            text = text.replace(char, LIKE_ESCAPE + char)
        return f"%{text.lower()}%"

    return or_(*(func.lower(expression).like(escaped(n), escape=LIKE_ESCAPE) for n in needles))


def _scrub_mentions(subject: Subject, names: set[str], texts: set[str]) -> int:
    """Replace the person's name and email where other rows quote them, and their texts inside the
    snapshots (JSON columns); rows changed. Other people's texts are not matched against the person's
    texts: two requests may well share a title."""
    name_needles = {subject.email, *(n.strip() for n in names if len(n.strip()) >= MIN_NAME_LENGTH)}
    clean_text, clean_snapshot = _replacer(subject, names, set()), _replacer(subject, names, texts)
    changed = 0
    for model, column_name in MENTIONS:
        table = model.__table__
        column = table.c[column_name]
        if isinstance(column.type, JSON):
            # JSON is stored with non-ASCII characters escaped (\u00e9): look for both spellings.
            needles = name_needles | texts
            needles |= {json.dumps(n)[1:-1] for n in needles}
            searched, clean = cast(column, Text), clean_snapshot
        else:
            needles, searched, clean = name_needles, column, clean_text
        found = db.session.execute(select(table.c.id, column).where(_like_any(searched, needles))).all()
        for row_id, value in found:
            new_value = _walk(value, clean)
            if new_value != value:
                # A Core update: for the audit log, this is the documented exception to append-only.
                db.session.execute(update(table).where(table.c.id == row_id).values({column_name: new_value}))
                changed += 1
    return changed
