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


def test_flask_cli_finds_the_factory_of_the_package(monkeypatch, tmp_path):
    # `flask --app expertpool` and `gunicorn 'expertpool:create_app()'` find the factory through the
    # package's lazy re-export (expertpool/__init__.py imports no Flask, for the engine's sake).
    from flask.cli import ScriptInfo

    import expertpool

    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("EXPERTPOOL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    app = ScriptInfo(app_import_path="expertpool").load_app()
    assert app.name == "expertpool" and "planning.index" in app.view_functions
    assert expertpool.create_app is create_app
    assert not hasattr(expertpool, "app_factory_that_does_not_exist")


def test_a_served_app_keeps_its_start_up_heap_out_of_the_collector(monkeypatch, tmp_path):
    """Issue 13: a worker's app freezes what start-up built (gc.freeze), so that a full collection during
    a request walks only what requests made; tests' apps do not (they are built by the hundred)."""
    import gc

    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("EXPERTPOOL_DATABASE_URL", f"sqlite:///{tmp_path / 'gc.sqlite3'}")
    gc.unfreeze()
    try:
        create_app("testing")
        assert gc.get_freeze_count() == 0
        create_app()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
