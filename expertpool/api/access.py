"""Loading what a call names, with the pages' rules: 404 for what the token's user may not see, 403 for a
role the operation is not for (expertpool.permissions decides, as on the pages)."""

from flask_login import current_user

from expertpool import permissions
from expertpool.api_problems import ApiProblem
from expertpool.extensions import db
from expertpool.models import UserRole


def user():
    return current_user._get_current_object()


def require_role(*roles: str) -> None:
    if user().role not in roles:
        raise ApiProblem(403)


def require_staff() -> None:
    require_role(*permissions.STAFF)


def get_or_404(model, ident: int):
    obj = db.session.get(model, ident)
    if obj is None:
        raise ApiProblem(404)
    return obj


def allowed_or_404(allowed: bool) -> None:
    if not allowed:
        raise ApiProblem(404)


MEMBER = UserRole.MEMBER
EXPERT = UserRole.EXPERT
