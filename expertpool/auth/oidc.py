"""The OpenID Connect client (Authlib): discovery, code flow with PKCE, ID token and userinfo checks, logout."""

from dataclasses import dataclass

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app
from flask_babel import lazy_gettext as _l
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

DISCOVERY_PATH = "/.well-known/openid-configuration"
CLIENT_NAME = "oidc"


class ProviderUnavailable(Exception):
    """The provider cannot be reached or answers nonsense: the password form still works."""


class SignInRefused(Exception):
    """The provider's answer is not to be trusted; `message` tells the person why, in French."""

    def __init__(self, reason: str, message, email: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.email = email  # the provider's email when known, for the login throttle


@dataclass(frozen=True)
class ProviderClaims:
    """What the provider vouched for, checked."""

    issuer: str
    subject: str
    email: str
    email_verified: bool | None  # None: the provider did not say
    given_name: str
    usual_name: str
    siret: str
    id_token: str

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.given_name, self.usual_name) if part) or self.email


def configured(app=None) -> bool:
    return bool((app or current_app).config.get("OIDC_ISSUER"))


def button_label() -> str:
    from flask_babel import gettext as _

    return current_app.config.get("OIDC_LABEL") or _("S'identifier avec ProConnect")


def _client():
    """The app's Authlib client, built on first use; Authlib keeps the discovery document it fetches."""
    app = current_app._get_current_object()
    oauth = app.extensions.get("expertpool_oidc")
    if oauth is None:
        oauth = OAuth(app)
        oauth.register(
            CLIENT_NAME,
            client_id=app.config["OIDC_CLIENT_ID"],
            client_secret=app.config["OIDC_CLIENT_SECRET"],
            server_metadata_url=app.config["OIDC_ISSUER"] + DISCOVERY_PATH,
            client_kwargs={
                "scope": app.config["OIDC_SCOPES"],
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_post",
                "default_timeout": app.config["OIDC_TIMEOUT"],
            },
        )
        app.extensions["expertpool_oidc"] = oauth
    return oauth.create_client(CLIENT_NAME)


def _metadata(client) -> dict:
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(str(exc)) from exc
    if not metadata.get("authorization_endpoint") or not metadata.get("token_endpoint"):
        client.server_metadata.clear()  # fetched again next time
        raise ProviderUnavailable("incomplete discovery document")
    return metadata


def authorize_redirect(redirect_uri: str):
    """The redirect to the provider; state, nonce and the PKCE verifier wait in the session."""
    client = _client()
    _metadata(client)
    return client.authorize_redirect(redirect_uri)


def finish() -> ProviderClaims:
    """Check the provider's answer at the callback: state, code exchange, ID token, userinfo."""
    app = current_app
    client = _client()
    _metadata(client)
    issuer, client_id = app.config["OIDC_ISSUER"], app.config["OIDC_CLIENT_ID"]
    claims_options = {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": client_id},
        "exp": {"essential": True},
    }
    try:
        token = client.authorize_access_token(claims_options=claims_options, leeway=app.config["OIDC_LEEWAY"])
    except requests.RequestException as exc:
        raise ProviderUnavailable(str(exc)) from exc
    except OAuthError as exc:
        reason = getattr(exc, "error", "") or "oauth"
        if reason == "mismatching_state":
            raise SignInRefused(reason, _l("Cette demande de connexion n'est pas valide ou a déjà servi.")) from exc
        raise SignInRefused(reason, _l("Le fournisseur d'identité a refusé la connexion.")) from exc
    except JoseError as exc:
        # Signature, issuer, audience, expiry or nonce: the ID token is not for us, or no longer valid.
        raise SignInRefused(
            getattr(exc, "error", "id_token"), _l("La réponse du fournisseur d'identité n'est pas valide.")
        ) from exc
    id_claims = token.get("userinfo")
    if not id_claims or "id_token" not in token:
        raise SignInRefused("no_id_token", _l("La réponse du fournisseur d'identité n'est pas valide."))
    info = _userinfo(client, token, id_claims["sub"])
    merged = {**id_claims, **info}
    email = str(merged.get("email") or "").strip().lower()
    verified = merged.get("email_verified")
    return ProviderClaims(
        issuer=issuer,
        subject=str(id_claims["sub"]),
        email=email,
        email_verified=None if verified is None else verified is True or str(verified).lower() == "true",
        given_name=str(merged.get("given_name") or "").strip(),
        usual_name=str(merged.get("usual_name") or merged.get("family_name") or "").strip(),
        siret=str(merged.get("siret") or "").strip().replace(" ", ""),
        id_token=token["id_token"],
    )


def _userinfo(client, token: dict, subject: str) -> dict:
    """The userinfo answer, a signed JWT (as ProConnect serves it) or plain JSON; its subject must be the
    ID token's."""
    metadata = client.load_server_metadata()
    if not metadata.get("userinfo_endpoint"):
        return {}
    try:
        response = client.get(metadata["userinfo_endpoint"], token=token)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise ProviderUnavailable(str(exc)) from exc
    if response.headers.get("Content-Type", "").split(";")[0].strip() == "application/jwt":
        try:
            decoded = jwt.decode(response.text.strip(), KeySet.import_key_set(client.fetch_jwk_set()))
            claims_registry = jwt.JWTClaimsRegistry(
                iss={"essential": False, "value": current_app.config["OIDC_ISSUER"]},
                aud={"essential": False, "value": current_app.config["OIDC_CLIENT_ID"]},
            )
            claims_registry.validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise SignInRefused("userinfo", _l("La réponse du fournisseur d'identité n'est pas valide.")) from exc
        info = decoded.claims
    else:
        try:
            info = response.json()
        except ValueError as exc:
            raise SignInRefused("userinfo", _l("La réponse du fournisseur d'identité n'est pas valide.")) from exc
    if not isinstance(info, dict) or str(info.get("sub")) != subject:
        raise SignInRefused("userinfo_sub", _l("La réponse du fournisseur d'identité n'est pas valide."))
    return info


def logout_url(id_token: str, post_logout_redirect_uri: str) -> str | None:
    """Where to end the provider's session too (RP-initiated logout), or None when it cannot be reached."""
    try:
        client = _client()
        metadata = _metadata(client)
    except ProviderUnavailable:
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    return client.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token)["url"]
