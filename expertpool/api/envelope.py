"""An EPCI's decisions on its envelope: whether draws need its approval, the draws waiting for it, approve
or refuse one (with a reason), and each commune's cap — expertpool.envelopes, as the envelope pages call
it, with their rules: only a user of the EPCI acts, on its own communes (a commune's user gets 404, other
roles 403).

Scopes: reading is `read`; the setting, deciding a draw and setting a cap are `requests:write`. The scopes
follow whose pages a token acts on: `coordination:write` is the pool staff's decisions (its queue,
planning), `requests:write` a member structure's writing on its requests, and an EPCI's users are member
users deciding on their communes' requests (the pages under /mon-espace/enveloppe), not the pool's staff.
"""

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from expertpool import envelopes, quotas
from expertpool.api import forms, schemas
from expertpool.api.access import MEMBER, require_role, user
from expertpool.api.core import PageArgs, bp, check_if_match, operation, page_of_list, page_schema
from expertpool.api.members import period_or_404
from expertpool.api.requests import load_details, load_visible
from expertpool.api_problems import ApiProblem
from expertpool.api_tokens import READ, REQUESTS_WRITE
from expertpool.envelope.forms import CapForm, RefuseDrawForm
from expertpool.extensions import db
from expertpool.i18n import days_input as days_text
from expertpool.models import InterventionRequest, Member, QuotaPeriod
from expertpool.timeutil import now_utc

# --- the caller's EPCI ----------------------------------------------------------------------------


def _my_epci() -> Member:
    """The EPCI the token's user manages (403 for a role other than member, 404 for a commune's user)."""
    require_role(MEMBER)
    epci = envelopes.epci_of(user())
    if epci is None:
        raise ApiProblem(404)
    return epci


def _draw(req: InterventionRequest, split: quotas.RequestSplit) -> dict:
    return {
        "request": req,
        "commune": req.member,
        "review": req.envelope_review,
        "reason": req.envelope_review_reason or "",
        "reviewed_at": req.envelope_reviewed_at,
        "own": split.own,
        "envelope": split.envelope,
        "over": split.over,
    }


# --- the EPCI's approval setting ------------------------------------------------------------------


def _setting(epci: Member) -> dict:
    return {"epci": epci, "draws_need_approval": epci.envelope_draws_need_approval}


@bp.route("/envelope/approval-setting")
@operation(READ, "Whether each draw of the EPCI's communes on its envelope needs the EPCI's approval")
@bp.response(200, schemas.ApprovalSettingOut)
def read_approval_setting():
    return _setting(_my_epci())


@bp.route("/envelope/approval-setting", methods=["PUT"])
@operation(
    REQUESTS_WRITE,
    "Choose whether draws need the EPCI's approval (turned off, the draws waiting for it go to the coordinators)",
    errors=(412, 428),
    writes=True,
)
@bp.arguments(schemas.ApprovalSettingIn, error_status_code=400)
@bp.response(200, schemas.ApprovalSettingOut)
def write_approval_setting(data):
    epci = _my_epci()
    check_if_match(schemas.ApprovalSettingOut, _setting(epci))
    envelopes.set_approval_required(epci, data["draws_need_approval"], actor=user(), now=now_utc())
    db.session.commit()
    return _setting(epci)


# --- the draws waiting for the EPCI ---------------------------------------------------------------


@bp.route("/envelope/reviews")
@operation(READ, "The draws on the user's EPCI envelope waiting for its approval (the oldest first)")
@bp.arguments(PageArgs, location="query", error_status_code=400)
@bp.response(200, page_schema(schemas.EnvelopeDrawOut, "EnvelopeDrawPage"))
def envelope_reviews(args):
    page = page_of_list(envelopes.pending_reviews(_my_epci()), args)
    load_details(page["items"], InterventionRequest.member)  # each draw names its commune
    splits = quotas.request_splits(page["items"], now_utc())
    page["items"] = [_draw(req, splits[req.id]) for req in page["items"]]
    return page


def _reviewable(request_id: int) -> tuple[Member, InterventionRequest]:
    """The caller's EPCI and a request of one of its communes (404 for any other, as on the page)."""
    epci = _my_epci()
    req = load_visible(request_id)
    if req.member.parent_id != epci.id:
        raise ApiProblem(404)
    check_if_match(schemas.RequestOut, req)  # the ETag of GET /requests/{request_id}
    return epci, req


def _review(epci: Member, req: InterventionRequest, *, approve: bool, reason: str = "") -> dict:
    now = now_utc()
    try:
        envelopes.review_draw(
            req,
            epci,
            approve=approve,
            reason=reason,
            actor=user(),
            now=now,
            member_link=url_for("requests.detail", request_id=req.id),
            staff_link=url_for("coordination.request_detail", request_id=req.id),
        )
        db.session.commit()
    except (envelopes.ReviewNotPending, StaleDataError) as exc:
        raise ApiProblem(409, _("Ce tirage n'attend plus votre validation.")) from exc
    return _draw(req, quotas.request_splits([req], now)[req.id])


REVIEW_ERRORS = (404, 409, 412, 428)


@bp.route("/envelope/reviews/<int:request_id>/approve", methods=["POST"])
@operation(REQUESTS_WRITE, "Approve a commune's draw on the EPCI's envelope", errors=REVIEW_ERRORS, writes=True)
@bp.response(200, schemas.EnvelopeDrawOut)
def approve_draw(request_id: int):
    epci, req = _reviewable(request_id)
    return _review(epci, req, approve=True)


@bp.route("/envelope/reviews/<int:request_id>/refuse", methods=["POST"])
@operation(
    REQUESTS_WRITE,
    "Refuse a commune's draw on the EPCI's envelope, with a reason (the part beyond its own right is then over quota)",
    errors=REVIEW_ERRORS,
    writes=True,
)
@bp.arguments(schemas.RefuseDrawIn, error_status_code=400)
@bp.response(200, schemas.EnvelopeDrawOut)
def refuse_draw(data, request_id: int):
    epci, req = _reviewable(request_id)
    # The page's form: the same rule (a reason, 2000 characters at most) and the same messages.
    form = forms.check(forms.filled(RefuseDrawForm, [("reason", data["reason"])]))
    return _review(epci, req, approve=False, reason=form.reason.data)


# --- the communes' caps ---------------------------------------------------------------------------


def _commune(commune_id: int) -> tuple[Member, Member]:
    epci = _my_epci()
    try:
        return epci, envelopes.commune_of(epci, commune_id)
    except envelopes.NotACommuneOfTheEpci as exc:
        raise ApiProblem(404) from exc


def _cap(epci: Member, commune: Member, period: QuotaPeriod) -> dict:
    """The cap and the draw as the envelope page shows them (expertpool.quotas, the one position)."""
    position = quotas.positions([epci.id, commune.id], period, now=now_utc()).members.get(commune.id)
    position = position or quotas.Position()
    return {
        "commune": commune,
        "epci": epci,
        "period": period,
        "cap": position.envelope_cap,
        "drawn": position.envelope_drawn,
        "cap_left": position.envelope_cap_left,
    }


@bp.route("/envelope/communes/<int:commune_id>/cap")
@operation(READ, "A commune's cap on the EPCI's envelope for a period (the current one by default)", errors=(404,))
@bp.arguments(schemas.CapArgs, location="query", error_status_code=400)
@bp.response(200, schemas.CapOut)
def read_cap(args, commune_id: int):
    epci, commune = _commune(commune_id)
    period = period_or_404(args["period_id"])
    if period is None:  # between two periods: no cap to read
        raise ApiProblem(404)
    return _cap(epci, commune, period)


@bp.route("/envelope/communes/<int:commune_id>/cap", methods=["PUT"])
@operation(REQUESTS_WRITE, "Set or remove a commune's cap on the EPCI's envelope", errors=(404, 412, 428), writes=True)
@bp.arguments(schemas.CapIn, error_status_code=400)
@bp.response(200, schemas.CapOut)
def write_cap(data, commune_id: int):
    epci, commune = _commune(commune_id)
    period = period_or_404(data["period_id"])
    check_if_match(schemas.CapOut, _cap(epci, commune, period))
    cap = data["cap_half_days"]
    form = forms.filled(CapForm, [("cap", "" if cap is None else days_text(cap)), ("period", str(period.id))])
    forms.check(form, {"cap": "cap_half_days", "period": "period_id"})
    envelopes.set_cap(epci, commune, period, form.cap.data, actor=user(), now=now_utc())
    db.session.commit()
    return _cap(epci, commune, period)
