"""A member's requests: list, read, create, update a draft, send, cancel, messages, rate.

Every change goes through expertpool.requests.services, and the request's fields are checked by the
page's own RequestForm (same rules, same messages, in the caller's language).
"""

from flask import request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from expertpool import permissions
from expertpool.api import forms, schemas
from expertpool.api.access import MEMBER, allowed_or_404, require_role, user
from expertpool.api.core import (
    FIRST_ITEM_ID,
    THE_ETAG,
    THE_ID,
    PageArgs,
    bp,
    check_if_match,
    link,
    operation,
    page_of,
    page_schema,
)
from expertpool.api_problems import ApiProblem, field_error
from expertpool.api_tokens import READ, REQUESTS_WRITE
from expertpool.extensions import db
from expertpool.i18n import days_input as days_text
from expertpool.models import InterventionRequest, PoolSettings, RequestStatus, Urgency
from expertpool.requests import queries, services
from expertpool.requests.forms import RequestForm
from expertpool.timeutil import now_utc, today_paris

# The page form's fields, by the API's names for them (field errors name the API's).
FORM_FIELDS = {
    "title": "title",
    "description": "description",
    "role": "role_id",
    "preferred_expert": "preferred_expert_id",
    "skills": "skill_ids",
    "days": "half_days",
    "earliest": "earliest",
    "deadline": "deadline",
    "urgency": "urgency",
    "place": "on_site",
    "address": "address",
    "accept_quote": "accept_quote",
}


class RequestListArgs(schemas.RequestFilters, PageArgs):
    pass


def load_visible(request_id: int) -> InterventionRequest:
    """A request the token's user may see (404 otherwise, as on the pages)."""
    req = queries.load_request(request_id)
    allowed_or_404(req is not None and permissions.can_view_request(user(), req))
    return req


def load_details(requests: list, *also) -> None:
    """The skills and half-days of a page of requests in two queries (and one per relationship in `also`),
    for lists whose own query leaves them (the coordinators' queue, the EPCI's draws): a page's queries do
    not grow with its rows. Reloaded over what was loaded, so name in `also` what the list still reads."""
    ids = [req.id for req in requests]
    if ids:
        details = (InterventionRequest.skills, InterventionRequest.bookings, *also)
        db.session.scalars(
            select(InterventionRequest)
            .where(InterventionRequest.id.in_(ids))
            .options(*(selectinload(relationship) for relationship in details))
            .execution_options(populate_existing=True)
        ).all()


def load_own(request_id: int) -> InterventionRequest:
    """A request of the user's own structure (an EPCI follows its communes' read-only)."""
    require_role(MEMBER)
    req = load_visible(request_id)
    allowed_or_404(req.member_id == user().member_id)
    return req


def _conflict(detail: str | None = None) -> ApiProblem:
    return ApiProblem(409, detail)


# --- links: how a client goes from one answer to the next call ------------------------------------

# What a request's own answer (GET /requests/{request_id}) leads to: the changes take its ETag in If-Match.
FROM_A_REQUEST = {
    "update": link(
        "update_request", "Update it (a draft or a request not yet decided)", request_id=THE_ID, if_match=THE_ETAG
    ),
    "send": link("send_request", "Send the draft", request_id=THE_ID, if_match=THE_ETAG),
    "cancel": link("cancel_request", "Cancel it", request_id=THE_ID, if_match=THE_ETAG),
    "rate": link("rate_request", "Rate the completed intervention", request_id=THE_ID),
    "messages": link("list_messages", "Read its message thread", request_id=THE_ID),
    "write": link("post_message", "Write in its thread", request_id=THE_ID),
    "approve": link("approve", "Approve it (coordinators)", request_id=THE_ID, if_match=THE_ETAG),
    "reject": link("reject", "Reject it (coordinators)", request_id=THE_ID, if_match=THE_ETAG),
    "ask_information": link(
        "ask_information", "Ask the member for information (coordinators)", request_id=THE_ID, if_match=THE_ETAG
    ),
    "approve_draw": link(
        "approve_draw", "Approve the draw on the EPCI's envelope", request_id=THE_ID, if_match=THE_ETAG
    ),
    "refuse_draw": link("refuse_draw", "Refuse the draw on the EPCI's envelope", request_id=THE_ID, if_match=THE_ETAG),
}
# After a change: read the request again, for its new ETag.
READ_IT_AGAIN = {200: {"read": link("read_request", "Read it again (its new ETag)", request_id=THE_ID)}}
READ_THE_FIRST = {200: {"read": link("read_request", "Read the first request of the page", request_id=FIRST_ITEM_ID)}}


# --- reading --------------------------------------------------------------------------------------


@bp.route("/requests")
@operation(READ, "List the requests the user may follow (its structure's; all for coordinators)", links=READ_THE_FIRST)
@bp.arguments(RequestListArgs, location="query", error_status_code=400)
@bp.response(200, page_schema(schemas.RequestOut, "RequestPage"))
def list_requests(args):
    caller = user()
    stmt = select(InterventionRequest).options(
        selectinload(InterventionRequest.skills), selectinload(InterventionRequest.bookings)
    )
    if not permissions.is_staff(caller):
        require_role(MEMBER)
        stmt = stmt.where(InterventionRequest.member_id.in_(sorted(permissions.member_ids_visible_to(caller))))
    if args["status"]:
        stmt = stmt.where(InterventionRequest.status == args["status"])
    if args["member_id"]:
        stmt = stmt.where(InterventionRequest.member_id == args["member_id"])
    stmt = stmt.order_by(InterventionRequest.created_at.desc(), InterventionRequest.id.desc())
    return page_of(stmt, args)


@bp.route("/requests/<int:request_id>")
@operation(READ, "Read a request", errors=(404,), links={200: FROM_A_REQUEST})
@bp.response(200, schemas.RequestOut)
def read_request(request_id: int):
    return load_visible(request_id)


# --- writing --------------------------------------------------------------------------------------


def _checked_form(data: dict, req: InterventionRequest | None) -> RequestForm:
    """The page's form filled from the JSON body and validated (the same rules as the page)."""
    now = now_utc()
    today = today_paris(now)
    pairs = [
        ("title", data["title"]),
        ("description", data["description"]),
        ("role", "" if data["role_id"] is None else str(data["role_id"])),
        ("preferred_expert", "" if data["preferred_expert_id"] is None else str(data["preferred_expert_id"])),
        *(("skills", str(skill)) for skill in data["skill_ids"]),
        ("days", days_text(data["half_days"])),
        ("earliest", data["earliest"].isoformat()),
        ("deadline", data["deadline"].isoformat()),
        ("urgency", data["urgency"]),
        ("place", "on_site" if data["on_site"] else "remote"),
        ("address", data["address"]),
        *((("accept_quote", "y"),) if data["accept_quote"] else ()),
    ]
    form = forms.filled(
        RequestForm,
        pairs,
        today=today,
        original_earliest=req.earliest if req is not None else None,
        holidays_region=PoolSettings.load(db.session).holidays_region,
    )
    form.set_choices(*queries.form_choices())
    return forms.check(form, FORM_FIELDS)


def _quote_for(form: RequestForm, req: InterventionRequest | None, send: bool, accepted: bool):
    """Billable work is sent only with its quote accepted (a critical request never waits): the page's rule."""
    if not send:
        return None
    now = now_utc()
    position = services.quota_preview(
        user().member_id,
        form.half_days,
        form.earliest.data,
        now=now,
        deadline=form.deadline.data,
        request_id=req.id if req else None,
    )
    if not position.over:
        return None
    if form.urgency.data != Urgency.CRITICAL and not accepted:
        message = _("Cochez cette case pour accepter le devis, ou réduisez le nombre de jours demandés.")
        raise ApiProblem(400, errors=[field_error("accept_quote", message)])
    return position


@bp.route("/requests", methods=["POST"])
@operation(
    REQUESTS_WRITE,
    "Create a request of the user's structure (a draft, or sent at once)",
    links={
        201: {
            "read": link("read_request", "Read it (its ETag)", request_id=THE_ID),
            "messages": link("list_messages", "Read its message thread", request_id=THE_ID),
        }
    },
)
@bp.arguments(schemas.RequestIn, error_status_code=400)
@bp.response(201, schemas.RequestOut)
def create_request(data):
    require_role(MEMBER)
    form = _checked_form(data, None)
    quote = _quote_for(form, None, data["send"], data["accept_quote"])
    req = services.create_request(
        user().member_id,
        actor=user(),
        now=now_utc(),
        data=form.data_for_service(),
        submit=data["send"],
        quote=quote,
        quote_accepted=data["accept_quote"],
    )
    db.session.commit()
    return queries.load_request(req.id), 201, {"Location": f"{request.path}/{req.id}"}


@bp.route("/requests/<int:request_id>", methods=["PUT"])
@operation(
    REQUESTS_WRITE,
    "Update a request not yet decided (send it with `send`)",
    errors=(404, 409, 412, 428),
    writes=True,
    links=READ_IT_AGAIN,
)
@bp.arguments(schemas.RequestIn, error_status_code=400)
@bp.response(200, schemas.RequestOut)
def update_request(data, request_id: int):
    req = load_own(request_id)
    check_if_match(schemas.RequestOut, req)
    if not permissions.can_edit_request(user(), req):
        raise _conflict(_("Cette demande ne peut plus être modifiée : elle a déjà été traitée."))
    return _save(req, data, send=data["send"] and req.status == RequestStatus.DRAFT)


def _save(req: InterventionRequest, data: dict, *, send: bool) -> InterventionRequest:
    """Check `data` with the page's form, then update (and maybe send) through the page's service."""
    form = _checked_form(data, req)
    quote = _quote_for(form, req, send, data["accept_quote"])
    try:
        services.update_request(
            req,
            actor=user(),
            now=now_utc(),
            data=form.data_for_service(),
            submit=send,
            quote=quote,
            quote_accepted=data["accept_quote"],
        )
    except services.RequestStateError as exc:
        raise _conflict() from exc
    db.session.commit()
    return queries.load_request(req.id)


@bp.route("/requests/<int:request_id>/send", methods=["POST"])
@operation(
    REQUESTS_WRITE, "Send a draft to the coordinators", errors=(404, 409, 412, 428), writes=True, links=READ_IT_AGAIN
)
@bp.arguments(schemas.SendIn, error_status_code=400)
@bp.response(200, schemas.RequestOut)
def send_request(data, request_id: int):
    req = load_own(request_id)
    check_if_match(schemas.RequestOut, req)
    if req.status != RequestStatus.DRAFT or not permissions.can_edit_request(user(), req):
        raise _conflict()
    fields = {
        "title": req.title,
        "description": req.description,
        "role_id": req.role_id,
        "preferred_expert_id": req.preferred_expert_id,
        "skill_ids": [skill.id for skill in req.skills],
        "half_days": req.half_days,
        "earliest": req.earliest,
        "deadline": req.deadline,
        "urgency": req.urgency,
        "on_site": req.on_site,
        "address": req.address,
        "accept_quote": data["accept_quote"],
    }
    return _save(req, fields, send=True)


@bp.route("/requests/<int:request_id>/cancel", methods=["POST"])
@operation(
    REQUESTS_WRITE,
    "Cancel a request before its first half-day",
    errors=(404, 409, 412, 428),
    writes=True,
    links=READ_IT_AGAIN,
)
@bp.arguments(schemas.CancelIn, error_status_code=400)
@bp.response(200, schemas.RequestOut)
def cancel_request(data, request_id: int):
    req = load_own(request_id)
    check_if_match(schemas.RequestOut, req)
    try:
        services.cancel_request(req, actor=user(), now=now_utc(), reason=data["reason"])
    except services.RequestStateError as exc:
        raise _conflict(
            _("Cette demande ne peut plus être annulée : une demi-journée a déjà commencé ou elle est terminée.")
        ) from exc
    db.session.commit()
    return queries.load_request(req.id)


@bp.route("/requests/<int:request_id>/rating", methods=["POST"])
@operation(REQUESTS_WRITE, "Rate a completed intervention (1 to 5)", errors=(404, 409), links=READ_IT_AGAIN)
@bp.arguments(schemas.RatingIn, error_status_code=400)
@bp.response(200, schemas.RequestOut)
def rate_request(data, request_id: int):
    req = load_own(request_id)
    try:
        services.rate_request(req, actor=user(), now=now_utc(), rating=data["rating"], comment=data["comment"])
    except services.RequestStateError as exc:
        raise _conflict(_("Cette intervention ne peut pas (ou plus) être évaluée.")) from exc
    db.session.commit()
    return queries.load_request(req.id)


@bp.route("/requests/<int:request_id>/messages")
@operation(READ, "Read a request's message thread", errors=(404,))
@bp.response(200, schemas.MessageOut(many=True))
def list_messages(request_id: int):
    return load_visible(request_id).messages


@bp.route("/requests/<int:request_id>/messages", methods=["POST"])
@operation(
    REQUESTS_WRITE,
    "Write in a request's thread (answers a request for information)",
    errors=(404,),
    links={201: {"messages": link("list_messages", "Read the thread", request_id="$request.path.request_id")}},
)
@bp.arguments(schemas.MessageIn, error_status_code=400)
@bp.response(201, schemas.MessageOut)
def post_message(data, request_id: int):
    req = load_own(request_id)
    allowed_or_404(permissions.can_message_request(user(), req))
    if not data["body"].strip():
        raise ApiProblem(400, errors=[field_error("body", _("Écrivez votre message."))])
    message = services.post_message(req, actor=user(), now=now_utc(), body=data["body"])
    db.session.commit()
    return message
