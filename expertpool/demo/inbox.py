"""What the demo's people had read: the staff their notifications up to yesterday, the others up to ten
days ago (the notifications page's own service), so each inbox holds a few recent unread ones."""

from datetime import timedelta

from expertpool.demo.context import Ctx
from expertpool.notifications import mark_all_read
from expertpool.permissions import is_staff

STAFF_READ_UNTIL = timedelta(days=1)
OTHERS_READ_UNTIL = timedelta(days=10)


def read_inboxes(ctx: Ctx) -> None:
    for user in ctx.users.values():
        mark_all_read(user, now=ctx.now - (STAFF_READ_UNTIL if is_staff(user) else OTHERS_READ_UNTIL))
