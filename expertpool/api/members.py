"""The caller, member structures and their drawing-right positions (expertpool.quotas, the one definition),
quota periods and adjustments (expertpool.coordination.quota_periods, as the member page calls it)."""

from flask_babel import gettext as _

from expertpool import permissions, quotas
from expertpool.api import forms, schemas
from expertpool.api.access import allowed_or_404, get_or_404, require_staff, user
from expertpool.api.core import FIRST_ITEM_ID, PageArgs, bp, current_token, link, operation, page_of, page_schema
from expertpool.api_problems import ApiProblem, field_error
from expertpool.api_tokens import ADMIN, READ
from expertpool.coordination import quota_periods
from expertpool.coordination.forms.periods import AdjustmentForm
from expertpool.coordination.members import search_members
from expertpool.extensions import db
from expertpool.i18n import days_input as days_text
from expertpool.models import Member, MemberKind, QuotaPeriod
from expertpool.timeutil import now_utc, today_paris


class MemberListArgs(schemas.MemberFilters, PageArgs):
    pass


@bp.route("/me")
@operation(READ, "The token's user, its member structure and the token's scopes")
@bp.response(200, schemas.MeOut)
def me():
    caller = user()
    return {
        "id": caller.id,
        "name": caller.name,
        "email": caller.email,
        "role": caller.role,
        "locale": caller.locale,
        "member": caller.member,
        "expert_id": caller.expert.id if caller.expert is not None else None,
        "scopes": list(current_token().scopes),
    }


def period_or_404(period_id: int | None) -> QuotaPeriod | None:
    """The period asked for (404 if none has that id), else the current one (None between periods)."""
    periods = quotas.all_periods()
    if period_id is None:
        return quotas.period_for(today_paris(now_utc()), periods)
    period = next((p for p in periods if p.id == period_id), None)
    if period is None:
        raise ApiProblem(404)
    return period


def _position(member: Member, period: QuotaPeriod | None) -> dict:
    result = quotas.positions([member.id], period, now=now_utc())
    return {
        "member": member,
        "period": period,
        "position": result.members[member.id],
        "envelope": result.envelopes.get(member.id) if member.holds_envelope else None,
    }


@bp.route("/me/position")
@operation(READ, "The drawing-right position of the user's structure (member users)", errors=(404,))
@bp.arguments(schemas.PositionArgs, location="query", error_status_code=400)
@bp.response(200, schemas.MemberPositionOut)
def my_position(args):
    caller = user()
    if caller.member is None:
        raise ApiProblem(403)
    return _position(caller.member, period_or_404(args["period_id"]))


@bp.route("/members")
@operation(
    READ,
    "List the member structures (coordinators)",
    links={
        200: {
            "read": link("read_member", "Read the first member", member_id=FIRST_ITEM_ID),
            "position": link("member_position", "Its drawing-right position", member_id=FIRST_ITEM_ID),
        }
    },
)
@bp.arguments(MemberListArgs, location="query", error_status_code=400)
@bp.response(200, page_schema(schemas.MemberOut, "MemberPage"))
def list_members(args):
    require_staff()
    return page_of(search_members(q=args["q"], kind=args["kind"], active=args["active"]), args)


def _visible_member(member_id: int) -> Member:
    member = get_or_404(Member, member_id)
    allowed_or_404(permissions.can_view_member(user(), member))
    return member


@bp.route("/members/<int:member_id>")
@operation(READ, "Read a member structure (coordinators; a member user its own)", errors=(404,))
@bp.response(200, schemas.MemberOut)
def read_member(member_id: int):
    return _visible_member(member_id)


@bp.route("/members/<int:member_id>/position")
@operation(READ, "A member's drawing-right position for a period (the current one by default)", errors=(404,))
@bp.arguments(schemas.PositionArgs, location="query", error_status_code=400)
@bp.response(200, schemas.MemberPositionOut)
def member_position(args, member_id: int):
    return _position(_visible_member(member_id), period_or_404(args["period_id"]))


@bp.route("/quota-periods")
@operation(READ, "The quota periods")
@bp.response(200, schemas.PeriodOut(many=True))
def list_periods():
    return quotas.all_periods()


def _signed_days(half_days: int) -> str:
    """-3 → '-1,5': what the page's days field reads."""
    return ("-" if half_days < 0 else "") + days_text(abs(half_days))


@bp.route("/members/<int:member_id>/adjustments", methods=["POST"])
@operation(ADMIN, "Adjust a member's drawing right for a period, with a reason (coordinators)", errors=(404,))
@bp.arguments(schemas.AdjustmentIn, error_status_code=400)
@bp.response(201, schemas.AdjustmentOut)
def adjust(data, member_id: int):
    require_staff()
    member = get_or_404(Member, member_id)
    choices = [(p.id, p.name) for p in quotas.all_periods()]
    form = AdjustmentForm(
        formdata=forms.MultiDict(
            [
                ("period_id", str(data["period_id"])),
                ("kind", data["kind"]),
                ("delta", _signed_days(data["delta_half_days"])),
                ("reason", data["reason"]),
            ]
        ),
        meta={"csrf": False},
        period_choices=choices,
        envelope=member.kind == MemberKind.EPCI,
    )
    forms.check(form, {"delta": "delta_half_days"})
    period = db.session.get(QuotaPeriod, form.period_id.data)
    try:
        adjustment = quota_periods.adjust_quota(
            member,
            period,
            kind=form.kind.data,
            delta=form.delta.data,
            reason=form.reason.data,
            actor=user(),
            now=now_utc(),
        )
    except quota_periods.AdjustmentWouldBeNegative as exc:
        message = _("Cet ajustement rendrait le droit de tirage négatif.")
        raise ApiProblem(400, errors=[field_error("delta_half_days", message)]) from exc
    db.session.commit()
    return {
        "id": adjustment.id,
        "member_id": member.id,
        "period_id": period.id,
        "kind": form.kind.data,
        "delta": adjustment.delta_half_days,
        "reason": adjustment.reason,
        "created_at": adjustment.created_at,
    }
