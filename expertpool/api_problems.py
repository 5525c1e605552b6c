"""Errors of the JSON API as RFC 9457 problem documents, in the caller's language, with field errors listed.

Shared: the API's handlers use it, and so do the app's own for routing errors under /api/ (no such address,
wrong method), which happen before the API's blueprint is known."""

from flask import Response, json
from flask_babel import gettext as _
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM_TYPE = "application/problem+json"


def _titles() -> dict[int, str]:
    # Built per call: the titles are in the caller's language.
    return {
        400: _("Requête invalide"),
        401: _("Jeton manquant, invalide, expiré ou révoqué"),
        403: _("Action non autorisée"),
        404: _("Ressource introuvable"),
        405: _("Méthode non autorisée"),
        406: _("Format de réponse non disponible"),
        409: _("Conflit avec l'état de la ressource"),
        412: _("La ressource a changé depuis votre lecture"),
        413: _("Requête trop volumineuse"),
        415: _("Format de requête non pris en charge"),
        428: _("En-tête If-Match requis"),
        429: _("Trop de requêtes"),
        500: _("Erreur interne"),
        503: _("Service momentanément indisponible"),
    }


def _details() -> dict[int, str]:
    return {
        400: _("Corrigez les champs signalés puis réessayez."),
        401: _("Envoyez un jeton valide dans l'en-tête Authorization: Bearer."),
        403: _("Votre jeton ou votre compte ne permet pas cette action."),
        404: _("Cette ressource n'existe pas ou ne vous est pas accessible."),
        405: _("Cette méthode n'est pas disponible sur cette adresse."),
        409: _("L'état actuel de la ressource ne permet pas cette action."),
        412: _("Relisez la ressource et renvoyez la modification avec son nouvel ETag."),
        428: _("Lisez la ressource puis renvoyez son ETag dans l'en-tête If-Match."),
        429: _("Attendez le délai indiqué par l'en-tête Retry-After."),
    }


def problem(status: int, detail: str | None = None, *, errors: list[dict] | None = None, headers=None) -> Response:
    title = _titles().get(status) or HTTP_STATUS_CODES.get(status, "Error")
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail or _details().get(status, title)}
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_error(field: str, message: str) -> dict:
    return {"field": field, "message": str(message)}


class ApiProblem(Exception):
    """Raised by a view to answer a problem document (with field errors, a detail, extra headers)."""

    def __init__(self, status: int, detail: str | None = None, *, errors=None, headers=None):
        super().__init__(status)
        self.status, self.detail, self.errors, self.headers = status, detail, errors, headers
