"""Reading notifications: one opened, or all of them at once (what had arrived by then, nothing later)."""

from datetime import timedelta

from factories import FIXED_NOW
from sqlalchemy import select

from expertpool.models import Notification
from expertpool.notifications import mark_all_read, mark_read, notify, unread_count


def test_marking_all_read_reads_what_had_arrived_and_leaves_later_ones_unread(db, factory):
    user = factory.user()
    other = factory.user()
    params = {"member": "Tréglonou", "title": "Sauvegardes"}
    for days_ago in (5, 3, 1):
        notify(user, "request_submitted", params, now=FIXED_NOW - timedelta(days=days_ago), link="/")
    notify(other, "request_submitted", params, now=FIXED_NOW - timedelta(days=5), link="/")
    db.session.flush()

    mark_all_read(user, now=FIXED_NOW - timedelta(days=2))

    notes = db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()
    read = sorted((FIXED_NOW - n.created_at.replace(tzinfo=FIXED_NOW.tzinfo)).days for n in notes if n.read_at)
    assert read == [3, 5]
    assert unread_count(user) == 1 and unread_count(other) == 1


def test_opening_a_notification_keeps_the_first_reading(db, factory):
    user = factory.user()
    note = notify(user, "request_submitted", {"member": "Brest", "title": "Réseau"}, now=FIXED_NOW, link="/")
    mark_read(note, now=FIXED_NOW + timedelta(hours=1))
    mark_read(note, now=FIXED_NOW + timedelta(hours=5))
    assert note.read_at == FIXED_NOW + timedelta(hours=1)
