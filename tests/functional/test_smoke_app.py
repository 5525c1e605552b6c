"""The factory builds an app, pages render in French, anonymous visitors are sent to the login page."""

from expertpool import create_app


def test_factory_with_test_config_uses_testing_defaults():
    app = create_app("testing")
    assert app.testing
    assert app.config["BABEL_DEFAULT_LOCALE"] == "fr"


def test_landing_page_is_french(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="fr"' in response.text
    assert "Se connecter" in response.text
