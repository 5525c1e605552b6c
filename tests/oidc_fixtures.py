"""Fixtures of the OpenID provider tests, loaded with `pytest_plugins = ["oidc_fixtures"]`: the provider
(started once per session), and the session's app configured to sign in through it."""

import pytest
from oidc_support import SIGNED_USERINFO_CLIENT, oidc_settings, start_provider, stop_provider


@pytest.fixture(scope="session")
def oidc_provider():
    provider = start_provider()
    yield provider
    stop_provider(provider)


@pytest.fixture
def provider(oidc_provider):
    """The session's provider, with no users and no tampering left by another test."""
    oidc_provider.reset()
    yield oidc_provider
    oidc_provider.reset()


@pytest.fixture
def configure_oidc(app, monkeypatch):
    """configure_oidc(provider, **settings): the session's app signs in through `provider` for this test."""

    def _configure(provider, client_id=SIGNED_USERINFO_CLIENT, **overrides):
        for key, value in oidc_settings(provider, client_id, **overrides).items():
            monkeypatch.setitem(app.config, key, value)
        app.extensions.pop("expertpool_oidc", None)  # the Authlib client is built again from these

    yield _configure
    app.extensions.pop("expertpool_oidc", None)
