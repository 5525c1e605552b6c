"""Who may do what: `can_<verb>(user, obj)` rules used by views and templates, and coarse role gates.

Views answer 404 (not 403) when an object belongs to another member or expert, so that ids cannot be
probed; they answer 403 when a whole page belongs to another role.
"""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from expertpool.models import BookingStatus, RequestStatus, UserRole

STAFF = (UserRole.COORDINATOR, UserRole.ADMIN)


def roles_required(*roles: str):
    """Coarse gate for a whole view: login first, then 403 for the other roles."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = roles_required(*STAFF)
admin_required = roles_required(UserRole.ADMIN)
member_required = roles_required(UserRole.MEMBER)
expert_required = roles_required(UserRole.EXPERT)


def is_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.role in STAFF)


def member_ids_visible_to(user) -> set[int]:
    """The member structures whose requests and balance `user` may follow: its own, and for an EPCI
    holding an envelope, also its communes (the roll-up)."""
    if not (user and user.is_authenticated and user.role == UserRole.MEMBER and user.member_id):
        return set()
    ids = {user.member_id}
    member = user.member
    if member is not None and member.holds_envelope:
        ids.update(child.id for child in member.children)
    return ids


def can_view_member(user, member) -> bool:
    return is_staff(user) or member.id in member_ids_visible_to(user)


def can_view_request(user, req) -> bool:
    if is_staff(user):
        return True
    if user.role == UserRole.MEMBER:
        return req.member_id in member_ids_visible_to(user)
    if user.role == UserRole.EXPERT and user.expert is not None:
        # A cancelled half-day no longer ties the expert to the request (its report, its messages).
        return any(b.expert_id == user.expert.id and b.status != BookingStatus.CANCELLED for b in req.bookings)
    return False


def can_edit_request(user, req) -> bool:
    """Members edit their own structure's requests until a coordinator has decided."""
    return user.role == UserRole.MEMBER and req.member_id == user.member_id and req.status in RequestStatus.EDITABLE


def can_cancel_request(user, req, today) -> bool:
    """Before the first booked half-day, and before completion."""
    if not (is_staff(user) or (user.role == UserRole.MEMBER and req.member_id == user.member_id)):
        return False
    if req.status not in RequestStatus.OPEN:
        return False
    return not any(b.status == BookingStatus.DELIVERED or (b.holds_slot and b.date <= today) for b in req.bookings)


def can_rate_request(user, req) -> bool:
    return user.role == UserRole.MEMBER and req.member_id == user.member_id and req.status == RequestStatus.COMPLETED


def can_message_request(user, req) -> bool:
    return is_staff(user) or (user.role == UserRole.MEMBER and req.member_id == user.member_id)


def can_view_agenda(user, expert) -> bool:
    return is_staff(user) or (user.role == UserRole.EXPERT and user.expert is not None and user.expert.id == expert.id)


def can_manage_expert_time(user, expert) -> bool:
    """Declare unavailability, record delivery, write reports: the expert, or the pool's staff."""
    return can_view_agenda(user, expert)


def can_edit_week_pattern(user, expert) -> bool:
    return is_staff(user)


def can_view_statement(user, member) -> bool:
    """Staff; the member's own users; an EPCI holding an envelope also its communes' (read-only)."""
    return is_staff(user) or member.id in member_ids_visible_to(user)


def can_export_user_data(user, person) -> bool:
    """RGPD access: a person downloads their own data; the staff produce it for a person who asks."""
    return user.id == person.id or is_staff(user)


def can_erase_user(user, person) -> bool:
    """RGPD erasure: member users erase themselves; the staff erase others (only an admin an admin)."""
    if user.id == person.id:
        return user.role == UserRole.MEMBER
    return is_staff(user) and (person.role != UserRole.ADMIN or user.role == UserRole.ADMIN)


# --- user accounts ---------------------------------------------------------------------------------

# The accounts a coordinator looks after; the staff's own accounts (and so the staff roles) are the admin's.
COORDINATOR_MANAGED_ROLES = (UserRole.MEMBER, UserRole.EXPERT)
ALL_ROLES = (UserRole.MEMBER, UserRole.EXPERT, UserRole.COORDINATOR, UserRole.ADMIN)


def grantable_roles(actor) -> tuple[str, ...]:
    """The roles `actor` may give (invite with, change to): only an admin grants coordinator and admin."""
    if actor.role == UserRole.ADMIN:
        return ALL_ROLES
    if actor.role == UserRole.COORDINATOR:
        return COORDINATOR_MANAGED_ROLES
    return ()


def can_grant_role(actor, role: str) -> bool:
    return role in grantable_roles(actor)


def can_manage_user(actor, user) -> bool:
    """Edit, deactivate, reactivate, re-invite: nobody their own account (no lock-out); a coordinator only
    members' and experts' accounts, so that removing a staff role is the admin's too."""
    if actor.id == user.id:
        return False
    if actor.role == UserRole.ADMIN:
        return True
    return actor.role == UserRole.COORDINATOR and user.role in COORDINATOR_MANAGED_ROLES


def can_decide_join_request(user, join_request) -> bool:
    """A request to join a member: that member's users, or the staff (always, and alone when it has none)."""
    if is_staff(user):
        return True
    return bool(
        user and user.is_authenticated and user.role == UserRole.MEMBER and user.member_id == join_request.member_id
    )


def init_template_globals(app) -> None:
    app.jinja_env.globals.update({name: obj for name, obj in globals().items() if name.startswith("can_")})
    app.jinja_env.globals["is_staff"] = is_staff
