"""How a member reaches the expert of a planned intervention, as the expert chose to be reached.

The expert decides what members see (work email, work phone, or both); the expert always sees the
member's contact and address on their assignments. One rule, read by the request page and the mails.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from expertpool.extensions import db
from expertpool.models import Booking, BookingStatus, ContactShown, Expert, User

# Digits, spaces, dots, dashes, brackets and a leading +: what people write a phone number with.
PHONE_PATTERN = re.compile(r"^\+?[0-9 .()\-]{6,30}$")


@dataclass(frozen=True, slots=True)
class ExpertContact:
    name: str
    email: str | None
    phone: str | None

    @property
    def phone_link(self) -> str:
        """The number as a tel: link wants it (no spaces, dots or brackets)."""
        return re.sub(r"[^0-9+]", "", self.phone or "")


def is_valid_phone(text: str) -> bool:
    return bool(PHONE_PATTERN.match(text.strip())) and sum(c.isdigit() for c in text) >= 6


def contact_of(expert: Expert, email: str | None) -> ExpertContact:
    """What the member sees of `expert`, whose work email is `email`; a phone choice without a phone
    falls back to the email, so that a member is never left with no way to reach the expert."""
    phone = expert.work_phone or None
    show_phone = expert.contact_shown in (ContactShown.PHONE, ContactShown.BOTH) and phone is not None
    show_email = expert.contact_shown in (ContactShown.EMAIL, ContactShown.BOTH) or not show_phone
    return ExpertContact(expert.display_name, email if show_email else None, phone if show_phone else None)


def planned_expert_contacts(bookings: Iterable[Booking]) -> list[ExpertContact]:
    """The contacts of the experts holding a planned half-day among `bookings` (a request's), in one query."""
    experts = {b.expert_id: b.expert for b in bookings if b.status == BookingStatus.PLANNED and not b.to_reschedule}
    if not experts:
        return []
    user_ids = [e.user_id for e in experts.values() if e.user_id is not None]
    emails: dict[int, str] = {}
    if user_ids:
        emails = dict(db.session.execute(select(User.id, User.email).where(User.id.in_(user_ids))).all())
    return [
        contact_of(expert, emails.get(expert.user_id))
        for expert in sorted(experts.values(), key=lambda e: (e.display_name, e.id))
    ]
