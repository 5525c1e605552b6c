"""Carrying the uploaded file to the confirmation: compressed and signed in the form, for two hours."""

import base64
import zlib

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from expertpool.coordination.member_import.rows import TOKEN_MAX_AGE, ImportFileError


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="member-import")


def make_token(data: bytes) -> str:
    return _serializer().dumps(base64.b64encode(zlib.compress(data, 6)).decode("ascii"))


def read_token(token: str) -> bytes:
    try:
        payload = _serializer().loads(token, max_age=int(TOKEN_MAX_AGE.total_seconds()))
        return zlib.decompress(base64.b64decode(payload))
    except (BadSignature, ValueError, TypeError, zlib.error) as exc:
        raise ImportFileError(_("L'aperçu a expiré ou a été modifié : importez le fichier à nouveau.")) from exc
