"""The Flask application factory: `create_app` wires extensions, blueprints, languages and commands."""

import gc
import importlib
from collections.abc import Mapping

from flask import Flask
from flask_babel import lazy_gettext as _l

from expertpool import config as config_module
from expertpool.extensions import csrf, db, login_manager, migrate
from expertpool.resources import resource_dir

# Feature blueprints, in navigation order. Each feature package owns its views, forms and services.
BLUEPRINTS = (
    "expertpool.auth.views",
    "expertpool.auth.oidc_views",
    "expertpool.main.views",
    "expertpool.catalogue.views",
    "expertpool.requests.views",
    "expertpool.envelope.views",
    "expertpool.agenda.views",
    "expertpool.feeds.views",
    "expertpool.coordination.views",
    "expertpool.planning.views",
    "expertpool.admin.views",
    "expertpool.reports.views",
    "expertpool.scenarios.views",
    "expertpool.privacy.views",
    "expertpool.legal.views",
    "expertpool.health.views",
    "expertpool.api.views",  # the JSON API (tokens, not cookies: exempt from CSRF)
    "expertpool.api.webhook_views",  # the coordinators' webhook endpoints and delivery log
)


def create_app(config: Mapping | str | None = None) -> Flask:
    """Build the app. `config` is a mapping of settings, "testing", or None to read the environment.

    The scheduler is never started here: it runs in its own process (`flask --app expertpool scheduler`),
    so web workers and the debug reloader never run jobs twice.
    """
    app = Flask(
        "expertpool",  # the package, not this module: root and instance paths stay those of the package
        template_folder=resource_dir("templates"),
        static_folder=resource_dir("static"),
        instance_relative_config=True,
    )
    app.config.update(config_module.BASE_DEFAULTS)
    if config == "testing":
        app.config.update(config_module.TESTING_DEFAULTS)
    elif isinstance(config, Mapping) and config.get("TESTING"):
        app.config.update(config_module.TESTING_DEFAULTS)
        app.config.update(config)
    else:
        app.config.update(config_module.from_environment(app.instance_path))
        if isinstance(config, Mapping):
            app.config.update(config)
    try:
        app.config["MIGRATIONS_DIR"] = resource_dir("migrations")
    except FileNotFoundError:  # only before `flask db init` has created it
        app.config["MIGRATIONS_DIR"] = "migrations"

    trust_proxies(app)
    _init_extensions(app)
    from expertpool import position_store

    position_store.register()  # the stored positions follow every session's writes
    for module_name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module_name).bp)
    csrf.exempt(importlib.import_module("expertpool.api.core").bp)  # the API authenticates with tokens

    from expertpool import (
        cli,
        error_reporting,
        errors,
        i18n,
        navigation,
        request_log,
        security,
        unserved_reasons,
        webhooks,  # noqa: F401 - its audit-row hook turns state changes into webhook events
    )

    request_log.init_app(app)
    i18n.init_app(app)
    unserved_reasons.init_app(app)
    navigation.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    from expertpool.planning import instant

    instant.init_app(app)
    if not app.testing:
        request_log.configure_logging(app.config.get("LOG_FORMAT", "text"))
    error_reporting.init_sentry(app)
    if not app.testing:
        # What start-up built lives as long as the worker: kept out of the garbage collector's sight, a full
        # collection during a request walks only what requests made (issue 13: it cost pages 20-30 ms of CPU
        # at random). Tests build many apps and leave them to the collector.
        gc.collect()
        gc.freeze()
    return app


def trust_proxies(app: Flask) -> None:
    """Behind EXPERTPOOL_TRUSTED_PROXIES reverse proxies, the client's address and scheme are the ones they
    forward (X-Forwarded-For, -Proto). Off by default: believed blindly, the header lets anyone pick an address."""
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def _init_extensions(app: Flask) -> None:
    from expertpool import auth

    db.init_app(app)
    migrate.init_app(app, db, directory=app.config["MIGRATIONS_DIR"], render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Flask-Login's default is English ("Please log in to access this page."), on every deep link.
    login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")
    login_manager.localize_callback = str  # rendered in the reader's language, then flashed as text
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(auth.load_user)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _configure_sqlite(app)


def _configure_sqlite(app: Flask) -> None:
    """Make the embedded SQLite file safe for several processes (web + scheduler) and threads.

    Foreign keys on, WAL, a busy timeout, and SQLAlchemy's documented fix for pysqlite's own
    transaction handling: we emit BEGIN ourselves (IMMEDIATE, so that two writers queue on the
    busy timeout instead of failing on a lock upgrade), which also makes SAVEPOINTs work.
    """
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
