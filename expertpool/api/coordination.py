"""The coordinators' queue and decisions: approve (adjusting the days), reject with a reason, ask for
information — expertpool.approval, as the decision page calls it."""

from flask_babel import gettext as _

from expertpool import approval
from expertpool.api import schemas
from expertpool.api.access import require_staff, user
from expertpool.api.core import PageArgs, bp, check_if_match, operation, page_of_list, page_schema
from expertpool.api.requests import READ_IT_AGAIN, READ_THE_FIRST, load_details, load_visible
from expertpool.api_problems import ApiProblem, field_error
from expertpool.api_tokens import COORDINATION_WRITE, READ
from expertpool.coordination.queue import conflict_message, waiting_requests
from expertpool.extensions import db
from expertpool.requests import queries
from expertpool.timeutil import now_utc


@bp.route("/queue")
@operation(READ, "The requests waiting for a decision (critical first, then the oldest)", links=READ_THE_FIRST)
@bp.arguments(PageArgs, location="query", error_status_code=400)
@bp.response(200, page_schema(schemas.RequestOut, "QueuePage"))
def queue(args):
    require_staff()
    page = page_of_list(waiting_requests(), args)
    load_details(page["items"])
    return page


def _decide(request_id: int, decide) -> object:
    require_staff()
    req = load_visible(request_id)
    check_if_match(schemas.RequestOut, req)
    try:
        decide(req)
    except approval.DecisionConflict as exc:
        raise ApiProblem(409, conflict_message()) from exc
    db.session.commit()
    return queries.load_request(req.id)


DECISION_ERRORS = (404, 409, 412, 428)


@bp.route("/queue/<int:request_id>/approve", methods=["POST"])
@operation(
    COORDINATION_WRITE,
    "Approve a request, optionally for other days",
    errors=DECISION_ERRORS,
    writes=True,
    links=READ_IT_AGAIN,
)
@bp.arguments(schemas.ApproveIn, error_status_code=400)
@bp.response(200, schemas.RequestOut)
def approve(data, request_id: int):
    def decide(req):
        try:
            approval.approve_request(req, actor=user(), now=now_utc(), half_days=data["half_days"], note=data["note"])
        except ValueError as exc:
            # Granting more than asked always says why (the decision page's rule).
            message = _("Indiquez pourquoi vous accordez plus de jours que demandé : le membre lira ce motif.")
            raise ApiProblem(400, errors=[field_error("note", message)]) from exc

    return _decide(request_id, decide)


@bp.route("/queue/<int:request_id>/reject", methods=["POST"])
@operation(
    COORDINATION_WRITE, "Reject a request with a reason", errors=DECISION_ERRORS, writes=True, links=READ_IT_AGAIN
)
@bp.arguments(schemas.RejectIn, error_status_code=400)
@bp.response(200, schemas.RequestOut)
def reject(data, request_id: int):
    def decide(req):
        try:
            approval.reject_request(req, actor=user(), now=now_utc(), reason=data["reason"])
        except ValueError as exc:
            raise ApiProblem(400, errors=[field_error("reason", _("Le motif du refus est obligatoire."))]) from exc

    return _decide(request_id, decide)


@bp.route("/queue/<int:request_id>/ask-information", methods=["POST"])
@operation(
    COORDINATION_WRITE, "Ask the member for information", errors=DECISION_ERRORS, writes=True, links=READ_IT_AGAIN
)
@bp.arguments(schemas.AskIn, error_status_code=400)
@bp.response(200, schemas.RequestOut)
def ask_information(data, request_id: int):
    def decide(req):
        try:
            approval.request_information(req, actor=user(), now=now_utc(), message=data["message"])
        except ValueError as exc:
            raise ApiProblem(400, errors=[field_error("message", _("Écrivez votre question."))]) from exc

    return _decide(request_id, decide)
