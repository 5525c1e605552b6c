"""The API's blueprint as the app registers it: the OpenAPI document, its docs page, and every resource.

`bp` is a flask-smorest blueprint; when the app registers it, the document is built from its routes
(schemas, scopes, errors) and OpenAPI 3.1 is served at /api/v1/openapi.json.
"""

from flask import current_app, jsonify, render_template

from expertpool.api import (  # noqa: F401 - routes
    agenda,  # noqa: F401 - routes
    catalogue,
    coordination,
    envelope,
    members,
    planning,
    reports,
    requests,
)
from expertpool.api.core import ExpertpoolApi, bp

API_VERSION = "1.0.0"
DESCRIPTION = (
    "The expertpool JSON API. Authenticate with a personal access token (profile page, or "
    "`flask --app expertpool api-token create`) in `Authorization: Bearer …`. Each operation names the "
    "scope it needs; a token never does more than its user may do on the pages. Errors are "
    "`application/problem+json` (RFC 9457) in the language of `Accept-Language` (else the user's). "
    "Quantities are half-days with their `days` beside; dates are ISO 8601. Updates need `If-Match` "
    "with the ETag read last."
)


def _document_api(state) -> None:
    app = state.app
    api = ExpertpoolApi(
        app,
        spec_kwargs={
            "title": "expertpool",
            "version": API_VERSION,
            "openapi_version": "3.1.0",
            "info": {"description": DESCRIPTION},
        },
    )
    api.spec.components.security_scheme("token", {"type": "http", "scheme": "bearer"})
    app.extensions["flask-smorest"]["blp_name_to_api"][bp.name] = api
    bp.register_views_in_doc(api, app, api.spec, name=bp.name, parameters=None)
    app.extensions["expertpool-api"] = api


SELF_DESCRIBING = ("/api/v1/openapi.json", "/api/v1/docs")  # the document and its page are not operations


def openapi_document() -> dict:
    document = current_app.extensions["expertpool-api"].spec.to_dict()
    document["paths"] = {path: item for path, item in document["paths"].items() if path not in SELF_DESCRIBING}
    return document


@bp.route("/openapi.json")
def openapi_json():
    return jsonify(openapi_document())


@bp.route("/docs")
def docs():
    return render_template("api/docs.html")


# Last: the document is built once every route of the blueprint exists.
bp.record_once(_document_api)
