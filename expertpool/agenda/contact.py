"""The expert's work phone and the contact members see, changed by the expert (or the pool's staff)."""

from datetime import datetime

from expertpool.audit import record
from expertpool.extensions import db
from expertpool.models import Expert


def set_contact(expert: Expert, *, work_phone: str, contact_shown: str, actor, now: datetime) -> bool:
    """Save the contact settings; False (and nothing written) when nothing changed."""
    before = {"work_phone": expert.work_phone, "contact_shown": expert.contact_shown}
    after = {"work_phone": work_phone.strip(), "contact_shown": contact_shown}
    if before == after:
        return False
    expert.work_phone, expert.contact_shown = after["work_phone"], after["contact_shown"]
    db.session.flush()
    record(actor, "expert.contact", expert, now=now, before=before, after=after, expert_id=expert.id)
    return True
