"""The API's frame: its blueprint, token authentication, scopes, rate limit, ETags, pagination and errors.

Built on flask-smorest (marshmallow schemas → the OpenAPI 3.1 document). Its app-wide JSON error handler
and its documentation blueprint are left out: the pages keep their own error pages, and the API's
handlers are this blueprint's.
"""

import hashlib
import http
from datetime import timedelta
from functools import wraps

import marshmallow as ma
from flask import Response, current_app, g, json, request
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from expertpool import api_tokens
from expertpool.api_problems import PROBLEM_TYPE, ApiProblem, field_error, problem
from expertpool.extensions import db
from expertpool.timeutil import now_utc

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="expertpool JSON API")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
# Public addresses of the API: its description and the page that shows it.
PUBLIC_ENDPOINTS = {"api.openapi_json", "api.docs"}
LAST_USE_PRECISION = timedelta(minutes=1)  # last use is written at most once a minute per token


class ExpertpoolApi(Api):
    def _register_error_handlers(self):
        """None app-wide: the pages keep their HTML error pages (the API's handlers are on its blueprint)."""

    def _register_doc_blueprint(self):
        """None: the API serves its document and docs page from its own blueprint (assets in static/)."""

    def _register_responses(self):
        """The error responses flask-smorest refers to, as problem documents (application/problem+json)."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = ProblemSchema
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error", "schema": ProblemSchema}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


# --- the caller -----------------------------------------------------------------------------------


def _token_from_header():
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return api_tokens.find(secret.strip())


@bp.before_request
def _authenticate():
    # A cookie session never acts here: only the token does (so no CSRF is needed, and none is checked).
    g._login_user = AnonymousUserMixin()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    now = now_utc()
    token = _token_from_header()
    if token is None or not token.is_usable(now):
        return problem(401, headers={"WWW-Authenticate": 'Bearer realm="expertpool"'})
    g.api_token, g.api_token_id, g._login_user = token, token.id, token.user
    retry_after = _count_call(token, now)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        token.last_used_at = now
    db.session.commit()
    if retry_after is not None:
        return problem(429, headers={"Retry-After": str(retry_after)})
    return None


def _count_call(token, now) -> int | None:
    """Calls per token are counted by the sign-in limiter's store (Redis or the database)."""
    from expertpool.auth.services import LoginThrottle

    limit = current_app.config.get("API_RATE_LIMIT", 300)
    window = current_app.config.get("API_RATE_WINDOW", timedelta(minutes=1))
    return LoginThrottle().count_call(f"api-token:{token.id}", limit, window, now)


def current_token():
    return g.api_token


# --- operations -----------------------------------------------------------------------------------

PROBLEM_SCHEMA = "Problem"


class FieldErrorSchema(ma.Schema):
    field = ma.fields.String(required=True)
    message = ma.fields.String(required=True)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details; `errors` lists the fields to correct."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    errors = ma.fields.List(ma.fields.Nested(FieldErrorSchema))


RETRY_AFTER = {"description": "Seconds to wait", "schema": {"type": "integer"}}


def _problem_response(func, code: int, description: str):
    headers = {"Retry-After": RETRY_AFTER} if code == 429 else None
    return bp.alt_response(
        code, schema=ProblemSchema, content_type=PROBLEM_TYPE, description=description, headers=headers
    )(func)


ERROR_DESCRIPTIONS = {
    400: "Invalid input (field errors listed)",
    401: "Missing, unknown, expired or revoked token, or deactivated user",
    403: "The token's scope or the user's role does not allow this",
    404: "Not found, or not visible to the token's user",
    409: "The resource's state does not allow this",
    412: "The resource changed since it was read (ETag)",
    428: "If-Match is required",
    429: "Too many calls for this token",
}


def operation(scope: str, summary: str, *, errors=(), writes: bool = False, links=None):
    """An API operation needing `scope`: checked before anything else, and stated in the document.

    `writes` documents the If-Match header that updates require; `links` ({status: {name: link(...)}}) the
    OpenAPI links a client follows from this operation's answer. Its operationId is the view's name.
    """

    def decorator(func):
        @wraps(func)
        def wrapped(*args, **kwargs):
            if scope not in current_token().scopes:
                raise ApiProblem(403, _("Ce jeton n'a pas la portée « %(scope)s ».", scope=scope))
            response = func(*args, **kwargs)
            if request.method == "GET" and isinstance(response, Response) and response.status_code == 200:
                response.headers["ETag"] = etag_of(response.get_json())
            return response

        # Integer status codes, as flask-smorest keys its own responses: a "200" string would be a second
        # key that replaces the documented 200 response (its description and body) when serialised.
        responses: dict[int, dict] = {}
        if scope == api_tokens.READ:
            responses.setdefault(200, {})["headers"] = ETAG_HEADER
        for status, named in (links or {}).items():
            responses.setdefault(status, {})["links"] = named
        extra = {"responses": responses} if responses else {}
        if writes:
            extra["parameters"] = [
                {
                    "in": "header",
                    "name": "If-Match",
                    "required": True,
                    "description": "The ETag read last",
                    "schema": {"type": "string"},
                }
            ]
        wrapped = bp.doc(
            summary=summary,
            operationId=func.__name__,
            description=f"Scope: `{scope}`.",
            security=[{"token": [scope]}],
            **{"x-scope": scope},
            **extra,
        )(wrapped)
        for code in sorted({400, 401, 403, 404, 429, *errors}):
            wrapped = _problem_response(wrapped, code, ERROR_DESCRIPTIONS.get(code, "Error"))
        return wrapped

    return decorator


# --- links ----------------------------------------------------------------------------------------

# Runtime expressions (OpenAPI 3.1 §4.8.20.4) a link takes its values from.
THE_ID = "$response.body#/id"
FIRST_ITEM_ID = "$response.body#/items/0/id"
THE_ETAG = "$response.header.ETag"


def link(operation_id: str, description: str, *, if_match: str | None = None, **parameters: str) -> dict:
    """An OpenAPI link to the operation `operation_id` (a view's name), each parameter taken from the answer
    by a runtime expression; `if_match` fills the target's If-Match header (the ETag the answer carries)."""
    values = dict(parameters)
    if if_match is not None:
        values["header.If-Match"] = if_match
    return {"operationId": operation_id, "description": description, "parameters": values}


# --- ETags ----------------------------------------------------------------------------------------

ETAG_HEADER = {"ETag": {"description": "Send it back in If-Match to update", "schema": {"type": "string"}}}


def etag_of(data) -> str:
    return '"' + hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32] + '"'


def check_if_match(schema, obj) -> None:
    """428 without If-Match, 412 when the resource changed since the caller read it."""
    sent = request.headers.get("If-Match")
    if not sent:
        raise ApiProblem(428)
    if sent.strip() != "*" and etag_of(schema().dump(obj)) not in [value.strip() for value in sent.split(",")]:
        raise ApiProblem(412)


# --- pagination -----------------------------------------------------------------------------------


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    page_size = ma.fields.Integer(load_default=DEFAULT_PAGE_SIZE, validate=ma.validate.Range(min=1, max=MAX_PAGE_SIZE))


def page_of(query, args: dict) -> dict:
    """One page of a SELECT of entities, with the total count."""
    page = db.paginate(query, page=args["page"], per_page=args["page_size"], error_out=False, count=True)
    return {"items": list(page.items), "page": args["page"], "page_size": args["page_size"], "total": page.total}


def page_of_list(rows: list, args: dict) -> dict:
    """One page of rows a shared query returns whole (the catalogue's search, the coordinators' queue)."""
    start = (args["page"] - 1) * args["page_size"]
    items = rows[start : start + args["page_size"]]
    return {"items": items, "page": args["page"], "page_size": args["page_size"], "total": len(rows)}


def page_schema(item_schema, name: str):
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "page": ma.fields.Integer(required=True),
            "page_size": ma.fields.Integer(required=True),
            "total": ma.fields.Integer(required=True),
        },
        name=name,
    )


# --- errors ---------------------------------------------------------------------------------------


def _validation_errors(messages) -> list[dict]:
    errors = []
    for _location, fields in (messages or {}).items():
        for name, _texts in (fields or {}).items() if isinstance(fields, dict) else []:
            errors.append(field_error(str(name), _("Valeur manquante ou invalide.")))
    return errors


@bp.errorhandler(ApiProblem)
def _api_problem(error: ApiProblem):
    if error.status >= 400 and error.status not in (412, 428, 429):
        db.session.rollback()
    return problem(error.status, error.detail, errors=error.errors, headers=error.headers)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    db.session.rollback()
    data = getattr(error, "data", None) or {}
    if "messages" in data:  # webargs: the body or the query did not match the schema
        return problem(400, errors=_validation_errors(data["messages"]))
    allow = error.get_response().headers.get("Allow")
    headers = {"Allow": allow} if allow else None
    return problem(error.code or 500, headers=headers)


@bp.errorhandler(StaleDataError)
def _changed_meanwhile(_error):
    db.session.rollback()
    return problem(412)


@bp.errorhandler(DataError)
@bp.errorhandler(OverflowError)
def _out_of_range(_error):
    db.session.rollback()
    return problem(400, _("Une valeur saisie est hors des limites acceptées. Corrigez-la puis réessayez."))


@bp.errorhandler(IntegrityError)
def _integrity(_error):
    db.session.rollback()
    return problem(409)
