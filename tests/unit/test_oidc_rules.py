"""OpenID Connect settings from the environment, and when a provider's email counts as verified."""

import pytest
from flask import Flask

from expertpool.auth.oidc import ProviderClaims
from expertpool.auth.oidc_services import email_is_verified
from expertpool.config import PROCONNECT_ISSUERS, PROCONNECT_SCOPES, oidc_from_environment


def test_without_variables_there_is_no_issuer_and_proconnect_defaults():
    settings = oidc_from_environment({})
    assert settings["OIDC_ISSUER"] == ""
    assert settings["OIDC_SCOPES"] == PROCONNECT_SCOPES == "openid email given_name usual_name siret uid"
    assert settings["OIDC_TRUSTED_EMAIL_ISSUERS"] == PROCONNECT_ISSUERS
    assert "https://auth.proconnect.gouv.fr/api/v2" in PROCONNECT_ISSUERS


def test_variables_are_read_and_issuers_normalised():
    settings = oidc_from_environment(
        {
            "EXPERTPOOL_OIDC_ISSUER": " https://keycloak.pool.fr/realms/pool/ ",
            "EXPERTPOOL_OIDC_CLIENT_ID": "expertpool",
            "EXPERTPOOL_OIDC_CLIENT_SECRET": "s3cret",
            "EXPERTPOOL_OIDC_SCOPES": "openid email profile",
            "EXPERTPOOL_OIDC_LABEL": "Se connecter avec le Keycloak du pool",
            "EXPERTPOOL_OIDC_TRUSTED_EMAIL_ISSUERS": "https://a.example/, https://b.example",
        }
    )
    assert settings["OIDC_ISSUER"] == "https://keycloak.pool.fr/realms/pool"
    assert (settings["OIDC_CLIENT_ID"], settings["OIDC_CLIENT_SECRET"]) == ("expertpool", "s3cret")
    assert settings["OIDC_SCOPES"] == "openid email profile"
    assert settings["OIDC_LABEL"] == "Se connecter avec le Keycloak du pool"
    assert settings["OIDC_TRUSTED_EMAIL_ISSUERS"] == ("https://a.example", "https://b.example")
    # An empty list trusts nobody's silence.
    assert oidc_from_environment({"EXPERTPOOL_OIDC_TRUSTED_EMAIL_ISSUERS": ""})["OIDC_TRUSTED_EMAIL_ISSUERS"] == ()


def _claims(issuer="https://auth.proconnect.gouv.fr/api/v2", email="a@b.fr", verified=None):
    return ProviderClaims(issuer, "sub", email, verified, "Ana", "Agent", "", "token")


@pytest.mark.parametrize(
    ("claims", "verified"),
    [
        (_claims(verified=True), True),
        (_claims(verified=False), False),
        (_claims(verified=None), True),  # ProConnect says nothing and is trusted
        (_claims(issuer="https://keycloak.pool.fr", verified=None), False),
        (_claims(issuer="https://keycloak.pool.fr", verified=True), True),
        (_claims(email="", verified=True), False),
    ],
    ids=["true", "false", "absent-trusted", "absent-untrusted", "true-untrusted", "no-email"],
)
def test_when_an_email_counts_as_verified(claims, verified):
    app = Flask(__name__)
    app.config.update(oidc_from_environment({}))
    with app.app_context():
        assert email_is_verified(claims) is verified


def test_the_name_joins_given_and_usual_names():
    assert _claims().name == "Ana Agent"
    assert ProviderClaims("i", "s", "a@b.fr", True, "", "", "", "t").name == "a@b.fr"
